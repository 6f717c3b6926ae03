//! The image store: blobs, unpacked layers and the metadata database.

pub mod unpack;
