//! Volumes: named and anonymous ones as `coracle volume` manages them (records
//! in the store, files under `volumes/NAME/_data`), the mounts `run` and
//! `create` ask for (`-v`, `--mount`, `--tmpfs`, `--volumes-from`, an image's
//! VOLUME) and the copy of an image's files into a new volume (copy-up).
//! Mounting is libcontainer's, from the spec; nothing here mounts.

pub mod archive;
pub mod copyup;
pub mod create;
pub mod list;
pub mod mounts;
pub mod parse;
pub mod plan;
pub mod record;
pub mod remove;
pub mod targets;

pub use mounts::{Mount, MountKind};
pub use parse::MountRequest;

use crate::engine::error::{ErrorKind, Kinded};
use crate::engine::images::ImagesError;
use crate::engine::store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum VolumesError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Images(#[from] ImagesError),
    /// Podman's wording, which scripts match.
    #[error("no volume with name {0:?} found: no such volume")]
    NotFound(String),
    #[error("volume with name {0} already exists: volume already exists")]
    Exists(String),
    #[error(
        "volume {name} is being used by the following container(s): {users}: volume is being used"
    )]
    InUse { name: String, users: String },
    #[error("{0}")]
    Invalid(String),
    /// Not the error's `source`: the message says it once already.
    #[error("{what}: {error}")]
    Io { what: String, error: std::io::Error },
}

impl VolumesError {
    pub(crate) fn io(what: impl Into<String>) -> impl FnOnce(std::io::Error) -> VolumesError {
        let what = what.into();
        move |error| VolumesError::Io { what, error }
    }
}

impl Kinded for VolumesError {
    fn kind(&self) -> ErrorKind {
        match self {
            VolumesError::Store(e) => e.kind(),
            VolumesError::Images(e) => e.kind(),
            VolumesError::NotFound(_) => ErrorKind::NotFound,
            VolumesError::Exists(_) | VolumesError::InUse { .. } => ErrorKind::Conflict,
            VolumesError::Invalid(_) => ErrorKind::Invalid,
            VolumesError::Io { error, .. }
                if error.kind() == std::io::ErrorKind::PermissionDenied =>
            {
                ErrorKind::NotPermitted
            }
            VolumesError::Io { .. } => ErrorKind::Internal,
        }
    }
}
