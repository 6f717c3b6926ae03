//! The image store: content-addressed blobs, unpacked layers and the metadata database.
//!
//! Layout under the graph root:
//! ```text
//! db.sqlite            metadata (images, tags, layers, containers, networks, build cache)
//! storage.lock         shared by writers that add, exclusive for those that delete
//! blobs/sha256/<hex>   manifests, configs and compressed layers, by digest
//! layers/<hex>         one unpacked layer per diff-id: an overlay lower dir
//! locks/<hex>.lock     held while a layer is being fetched
//! containers/<id>/     a container: overlay upper/work, bundle, userdata
//! volumes/<name>/_data a volume's files (Podman's layout)
//! cache-mounts/<hash>  RUN --mount=type=cache directories, by cache id
//! tmp/                 work in progress; each entry has a .lock its creator holds
//! ```
//! Nothing is ever written under its final name until it is complete, so whatever
//! is found under a final name can be used.

pub mod blobs;
mod build_cache;
pub mod containers;
mod db;
pub mod images;
pub mod layers;
pub mod lock;
mod manifest_lists;
mod mount_cache;
pub mod networks;
mod orphans;
pub mod pods;
mod tmp;
pub mod unpack;
pub mod volumes;

use crate::engine::error::{ErrorKind, Kinded};
use crate::engine::events::{Event, EventLog};
use crate::engine::storage_driver::{Driver, Storage};
use lock::{Kind, Lock};
use std::path::{Path, PathBuf};

pub use tmp::TempEntry;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("metadata database: {0}")]
    Db(#[from] rusqlite::Error),
    #[error("image {0} not found")]
    ImageNotFound(String),
    #[error("image id prefix {0} is ambiguous: it matches several images")]
    Ambiguous(String),
    #[error("stored blob {0} is missing: the store is damaged; pull the image again")]
    BlobMissing(String),
    #[error("{0}")]
    Conflict(String),
    #[error("stored data is corrupt: {0}")]
    Corrupt(String),
}

impl StoreError {
    pub fn io(path: &Path, source: std::io::Error) -> StoreError {
        StoreError::Io {
            path: path.to_owned(),
            source,
        }
    }
}

pub struct Store {
    root: PathBuf,
    db: rusqlite::Connection,
    /// Where what is done to this store is recorded (the run root's log).
    events: EventLog,
    /// How its containers' rootfs are made (see storage_driver).
    storage: Storage,
}

impl Store {
    /// Opens (creating when needed) the store under `root`.
    pub fn open(root: &Path) -> Result<Store, StoreError> {
        for dir in ["blobs/sha256", "layers", "locks", "tmp", "containers"] {
            let path = root.join(dir);
            std::fs::create_dir_all(&path).map_err(|e| StoreError::io(&path, e))?;
        }
        let db = db::open(&root.join("db.sqlite"))?;
        Ok(Store {
            root: root.to_owned(),
            db,
            events: EventLog::default(),
            storage: Storage::new(Driver::Overlay),
        })
    }

    /// Records what is done to this store in `events`.
    pub fn with_events(mut self, events: EventLog) -> Store {
        self.events = events;
        self
    }

    pub fn with_storage(mut self, storage: Storage) -> Store {
        self.storage = storage;
        self
    }

    pub fn storage(&self) -> &Storage {
        &self.storage
    }

    /// Records `event`; never fails (see events/log.rs).
    pub fn record(&self, event: Event) {
        self.events.record(event)
    }

    /// Held while adding content: deleters wait until no one is adding.
    pub fn lock_for_adding(&self) -> Result<Lock, StoreError> {
        Lock::acquire(&self.root.join("storage.lock"), Kind::Shared)
    }

    /// Held while deleting layers or blobs, so nothing in use vanishes under a pull.
    pub fn lock_for_deleting(&self) -> Result<Lock, StoreError> {
        Lock::acquire(&self.root.join("storage.lock"), Kind::Exclusive)
    }
}

/// `sha256:<hex>` -> `<hex>`, refusing anything that is not a sha256 digest so that a
/// digest from a registry can never name a path outside the store.
pub fn digest_hex(digest: &str) -> Result<&str, StoreError> {
    let hex = digest
        .strip_prefix("sha256:")
        .ok_or_else(|| StoreError::Corrupt(format!("unsupported digest {digest}")))?;
    if hex.len() == 64
        && hex
            .bytes()
            .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
    {
        Ok(hex)
    } else {
        Err(StoreError::Corrupt(format!("malformed digest {digest}")))
    }
}

impl Kinded for StoreError {
    fn kind(&self) -> ErrorKind {
        match self {
            StoreError::ImageNotFound(_) => ErrorKind::NotFound,
            StoreError::Ambiguous(_) => ErrorKind::Invalid,
            StoreError::Conflict(_) => ErrorKind::Conflict,
            // A root given with --root that the caller may not write, say.
            StoreError::Io { source, .. }
                if source.kind() == std::io::ErrorKind::PermissionDenied =>
            {
                ErrorKind::NotPermitted
            }
            StoreError::Io { .. }
            | StoreError::Db(_)
            | StoreError::BlobMissing(_)
            | StoreError::Corrupt(_) => ErrorKind::Internal,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digests_must_be_lowercase_sha256() {
        let hex = "a".repeat(64);
        assert_eq!(digest_hex(&format!("sha256:{hex}")).unwrap(), hex);
        assert!(digest_hex("sha512:abc").is_err());
        assert!(digest_hex("sha256:../../etc").is_err());
        assert!(digest_hex(&format!("sha256:{}", "A".repeat(64))).is_err());
    }
}
