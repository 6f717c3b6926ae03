//! Manifest lists made locally (`manifest create|add|annotate|remove|rm|push`):
//! an image index naming images by digest, kept in the store's database with
//! where each entry's data comes from (a stored image, or a registry), so that
//! `manifest push` can send the images and then the index.

pub mod doc;
pub mod edit;
pub mod name;
pub mod push;
pub mod rows;
mod source;

pub use source::Fetch;

use crate::engine::context::ContextError;
use crate::engine::error::{ErrorKind, Kinded};
use crate::engine::images::ImagesError;
use crate::engine::oci::reference::ReferenceError;
use crate::engine::registry::RegistryError;
use crate::engine::store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum ManifestsError {
    #[error(transparent)]
    Context(#[from] ContextError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Images(#[from] ImagesError),
    #[error(transparent)]
    Registry(#[from] RegistryError),
    #[error(transparent)]
    Reference(#[from] ReferenceError),
    /// Podman's words, which scripts grep for.
    #[error("{0}: image not known")]
    NotFound(String),
    #[error("{0}: image is not a manifest list")]
    NotAList(String),
    #[error("invalid image digest {0:?}: invalid checksum digest format")]
    BadDigest(String),
    #[error("no Docker manifest matching digest {0:?} was found in list: no image instance matching the specified digest was found in the list or index")]
    NoSuchEntry(String),
    #[error("removing from manifest list {list}: no instance matching digest {digest:?} found in manifest list: file does not exist")]
    NoSuchEntryToRemove { list: String, digest: String },
    #[error("{image}: {message}")]
    BadManifest { image: String, message: String },
    #[error("{0}")]
    Invalid(String),
    #[error("manifest list {0} is damaged: {1}")]
    Corrupt(String, String),
    #[error("cannot copy blob {digest}: {error}")]
    Copy {
        digest: String,
        error: std::io::Error,
    },
}

impl Kinded for ManifestsError {
    fn kind(&self) -> ErrorKind {
        match self {
            ManifestsError::Context(e) => e.kind(),
            ManifestsError::Store(e) => e.kind(),
            ManifestsError::Images(e) => e.kind(),
            ManifestsError::Registry(e) => e.kind(),
            ManifestsError::Reference(e) => e.kind(),
            ManifestsError::NotFound(_)
            | ManifestsError::NoSuchEntry(_)
            | ManifestsError::NoSuchEntryToRemove { .. } => ErrorKind::NotFound,
            ManifestsError::NotAList(_)
            | ManifestsError::BadDigest(_)
            | ManifestsError::BadManifest { .. }
            | ManifestsError::Invalid(_) => ErrorKind::Invalid,
            ManifestsError::Corrupt(..) | ManifestsError::Copy { .. } => ErrorKind::Internal,
        }
    }
}
