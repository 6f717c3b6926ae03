use crate::engine::context::ContextError;
use crate::engine::error::{ErrorKind, Kinded};
use crate::engine::oci::platform::PlatformError;
use crate::engine::oci::reference::ReferenceError;
use crate::engine::registry::RegistryError;
use crate::engine::store::unpack::UnpackError;
use crate::engine::store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum ImagesError {
    #[error(transparent)]
    Context(#[from] ContextError),
    /// Never `StoreError::ImageNotFound`: that one becomes `NotFound`.
    #[error(transparent)]
    Store(StoreError),
    #[error(transparent)]
    Reference(#[from] ReferenceError),
    #[error(transparent)]
    Registry(#[from] RegistryError),
    #[error(transparent)]
    Platform(#[from] PlatformError),
    #[error("layer {digest} of {image} is hostile or broken: {source}")]
    Unpack {
        image: String,
        digest: String,
        source: UnpackError,
    },
    #[error("{what} {digest} of {image} does not match its digest (got {actual}): the registry sent corrupt or tampered data")]
    DigestMismatch {
        what: &'static str,
        image: String,
        digest: String,
        actual: String,
    },
    #[error("layer {digest} of {image} does not match diff-id {diff_id} in the image config (got {actual})")]
    DiffIdMismatch {
        image: String,
        digest: String,
        diff_id: String,
        actual: String,
    },
    #[error("{image}: {message}")]
    BadManifest { image: String, message: String },
    /// Podman's words, which scripts grep for.
    #[error("{0}: image not known")]
    NotFound(String),
    /// `untag` of a name the image does not have; Podman's words.
    #[error("{0}: tag not known")]
    TagNotFound(String),
    /// A stored image's layer has no record: the store is damaged.
    #[error("layer {0} is missing from the store: the store is damaged; pull the image again")]
    LayerMissing(String),
    /// Podman's words, which scripts grep for.
    #[error("image used by {}: image is in use by a container: remove the container first", .containers.join(", "))]
    InUse {
        image: String,
        containers: Vec<String>,
    },
    /// Removing by ID an image that has several names, without `force`.
    #[error("unable to delete {} (must be forced): the image has several names: {}", short(.id), .names.join(", "))]
    SeveralNames { id: String, names: Vec<String> },
    #[error("{0}")]
    InvalidArgument(String),
    /// Not the error's source: the message already says it.
    #[error("cannot write the archive: {0}")]
    WriteArchive(std::io::Error),
    #[error("image task failed: {0}")]
    Task(String),
    /// Mounting or unmounting an image for `image mount`/`unmount` failed.
    #[error("{0}")]
    Mount(String),
}

/// An image ID as `images` shows it.
fn short(id: &str) -> &str {
    &id[..id.len().min(12)]
}

/// One "image not found" for every caller: the store's (by ID) and a name that
/// resolves to nothing are the same failure.
impl From<StoreError> for ImagesError {
    fn from(e: StoreError) -> ImagesError {
        match e {
            StoreError::ImageNotFound(id) => ImagesError::NotFound(id),
            e => ImagesError::Store(e),
        }
    }
}

impl Kinded for ImagesError {
    fn kind(&self) -> ErrorKind {
        match self {
            ImagesError::Context(e) => e.kind(),
            ImagesError::Store(e) => e.kind(),
            ImagesError::Reference(e) => e.kind(),
            ImagesError::Registry(e) => e.kind(),
            ImagesError::Platform(e) => e.kind(),
            ImagesError::Unpack { source, .. } => source.kind(),
            ImagesError::InvalidArgument(_) => ErrorKind::Invalid,
            ImagesError::NotFound(_) | ImagesError::TagNotFound(_) => ErrorKind::NotFound,
            ImagesError::InUse { .. } | ImagesError::SeveralNames { .. } => ErrorKind::Conflict,
            // What a registry or an archive sent is corrupt, or we failed.
            ImagesError::DigestMismatch { .. }
            | ImagesError::DiffIdMismatch { .. }
            | ImagesError::BadManifest { .. }
            | ImagesError::LayerMissing(_)
            | ImagesError::WriteArchive(_)
            | ImagesError::Task(_)
            | ImagesError::Mount(_) => ErrorKind::Internal,
        }
    }
}
