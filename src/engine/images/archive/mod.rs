//! Images in files: `save` writes docker-archive, oci-archive and OCI layout
//! directories; `load` reads both archive kinds; `import` makes an image of a
//! root file system tar.

mod change;
mod extract;
pub mod import;
mod layers;
pub mod load;
pub mod save;
