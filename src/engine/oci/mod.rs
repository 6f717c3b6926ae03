//! What the OCI and Docker specs say about naming images: references (with
//! docker.io normalisation) and platforms.

pub mod platform;
pub mod reference;
