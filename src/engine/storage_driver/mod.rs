//! The storage driver: how a container's rootfs is made from its image's
//! layers (kept unpacked in overlay's upper format), and how what a container
//! wrote is found again for `diff`, `commit` and `build`. Every caller goes
//! through here; the drivers are kernel overlay (optionally served by an
//! external mount program such as fuse-overlayfs), coracle's own overlay
//! served over FUSE (fuse-overlay) and vfs (a full copy).

mod changes;
mod choice;
mod config;
mod copy;
pub mod fuse;
mod mount;
mod probe;

pub use changes::Upper;
pub use choice::{configured, resolve};
pub use mount::{mount, mount_lasting, unmount};

use crate::engine::error::{ErrorKind, Kinded};
use serde::{Deserialize, Serialize};
use std::path::PathBuf;

/// The drivers coracle has.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Driver {
    Overlay,
    #[serde(rename = "fuse-overlay")]
    FuseOverlay,
    Vfs,
}

impl Driver {
    /// The name as Podman spells it (`store.graphDriverName`).
    pub fn name(self) -> &'static str {
        match self {
            Driver::Overlay => "overlay",
            Driver::FuseOverlay => "fuse-overlay",
            Driver::Vfs => "vfs",
        }
    }

    /// Whether a container's writes are kept in overlay's upper dir (else
    /// they are worked out from a full copy).
    pub fn has_upper(self) -> bool {
        matches!(self, Driver::Overlay | Driver::FuseOverlay)
    }

    /// A driver by name; `overlay2` is Docker's spelling of overlay.
    pub fn parse(name: &str) -> Result<Driver, StorageDriverError> {
        match name {
            "overlay" | "overlay2" => Ok(Driver::Overlay),
            "vfs" => Ok(Driver::Vfs),
            "fuse-overlay" => Ok(Driver::FuseOverlay),
            other => Err(StorageDriverError::Unknown(other.to_owned())),
        }
    }
}

/// The driver a store uses, with overlay's mount program when it has one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Storage {
    pub driver: Driver,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mount_program: Option<PathBuf>,
}

impl Storage {
    pub fn new(driver: Driver) -> Storage {
        Storage {
            driver,
            mount_program: None,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum StorageDriverError {
    /// Podman's wording for a name containers/storage has no driver for.
    #[error("failed to GetDriver graph {0}: driver not supported")]
    Unknown(String),
    /// Podman's wording, and how to get out of it.
    #[error("database storage graph driver {recorded:?} does not match our storage graph driver {wanted:?}: database configuration mismatch (use --storage-driver {recorded}, or remove the store with `coracle system reset`)")]
    Mismatch { recorded: String, wanted: String },
    #[error("cannot read {path}: {message}")]
    Config { path: PathBuf, message: String },
    #[error("cannot record the storage driver in {}: {source}", path.display())]
    Record {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot mount the container's kernel overlay: {0} (coracle needs overlay in user namespaces: Linux 5.11 or later; --storage-driver vfs works everywhere)")]
    Overlay(String),
    #[error("cannot clear {} left by the container's last volatile mount: {source}", path.display())]
    VolatileMark {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot use the fuse-overlay storage driver: {0}")]
    FuseDevice(String),
    #[error("cannot mount the container's fuse-overlay: {0}")]
    FuseMount(String),
    #[error("cannot mount the container's rootfs with {program}: {message}")]
    MountProgram { program: PathBuf, message: String },
    #[error("cannot copy the image's layers into {}: {source}", path.display())]
    Copy {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot work out what the container changed in {}: {source}", path.display())]
    Changes {
        path: PathBuf,
        source: std::io::Error,
    },
}

impl Kinded for StorageDriverError {
    fn kind(&self) -> ErrorKind {
        match self {
            StorageDriverError::Unknown(_)
            | StorageDriverError::Mismatch { .. }
            | StorageDriverError::Config { .. } => ErrorKind::Invalid,
            StorageDriverError::Overlay(_)
            | StorageDriverError::MountProgram { .. }
            | StorageDriverError::FuseDevice(_)
            | StorageDriverError::FuseMount(_) => ErrorKind::NotPermitted,
            StorageDriverError::Record { .. }
            | StorageDriverError::Copy { .. }
            | StorageDriverError::VolatileMark { .. }
            | StorageDriverError::Changes { .. } => ErrorKind::Internal,
        }
    }
}
