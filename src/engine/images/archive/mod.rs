//! Images in files: `save` writes docker-archive, oci-archive and OCI layout
//! directories; `load` reads both archive kinds; `import` makes an image of a
//! root file system tar.

mod extract;
mod layers;
pub mod load;
pub mod save;
