//! The directories of `RUN --mount=type=cache`: kept under the graph root between
//! builds, one per cache id, until `builder prune` clears them.

use super::{Store, StoreError};
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};

const DIR: &str = "cache-mounts";

impl Store {
    /// The cache id's directory (not created). Named by a digest of the id, as
    /// buildah does, so that an id never chooses a path.
    pub fn cache_mount_dir(&self, id: &str) -> PathBuf {
        let digest = hex::encode(Sha256::digest(id.as_bytes()));
        self.root.join(DIR).join(&digest[..16])
    }

    /// Removes every cache directory; returns the bytes their files held.
    pub fn clear_cache_mounts(&self) -> Result<u64, StoreError> {
        let dir = self.root.join(DIR);
        let size = tree_size(&dir);
        match std::fs::remove_dir_all(&dir) {
            Ok(()) => Ok(size),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(0),
            Err(e) => Err(StoreError::io(&dir, e)),
        }
    }
}

/// The bytes of the files under `path`, which may be gone.
pub(super) fn tree_size(path: &Path) -> u64 {
    let Ok(meta) = std::fs::symlink_metadata(path) else {
        return 0;
    };
    if !meta.is_dir() {
        return meta.len();
    }
    std::fs::read_dir(path)
        .map(|entries| entries.flatten().map(|e| tree_size(&e.path())).sum())
        .unwrap_or(0)
}
