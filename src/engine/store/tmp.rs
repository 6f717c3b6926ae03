//! Work-in-progress entries under tmp/. Each is paired with a lock file its creator
//! holds until the entry is renamed into place or dropped; an entry whose lock is free
//! belongs to a process that died, and is swept.

use super::lock::Lock;
use super::{Store, StoreError};
use std::path::{Path, PathBuf};

pub struct TempEntry {
    path: PathBuf,
    lock_path: PathBuf,
    _lock: Lock,
}

impl TempEntry {
    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for TempEntry {
    fn drop(&mut self) {
        remove_any(&self.path);
        let _ = std::fs::remove_file(&self.lock_path);
    }
}

impl Store {
    /// A fresh, locked name under tmp/ (nothing is created at `path()` itself).
    pub fn temp_entry(&self, what: &str) -> Result<TempEntry, StoreError> {
        let name = format!("{what}-{:016x}", rand::random::<u64>());
        let path = self.root.join("tmp").join(&name);
        let lock_path = self.root.join("tmp").join(format!("{name}.lock"));
        let lock = Lock::try_exclusive(&lock_path)?
            .ok_or_else(|| StoreError::Conflict(format!("temporary name {name} in use")))?;
        Ok(TempEntry {
            path,
            lock_path,
            _lock: lock,
        })
    }

    /// Removes what dead processes left under tmp/.
    pub fn sweep_temp(&self) -> Result<(), StoreError> {
        let dir = self.root.join("tmp");
        let entries = std::fs::read_dir(&dir).map_err(|e| StoreError::io(&dir, e))?;
        for entry in entries.flatten() {
            let lock_path = entry.path();
            if lock_path.extension().is_none_or(|ext| ext != "lock") {
                // Its lock goes only after it (see Drop): an entry without one is
                // what a removal that failed half-way left.
                let mut lock = lock_path.clone().into_os_string();
                lock.push(".lock");
                if !Path::new(&lock).exists() {
                    remove_any(&lock_path);
                }
                continue;
            }
            if let Some(_lock) = Lock::try_exclusive(&lock_path)? {
                remove_any(&lock_path.with_extension(""));
                let _ = std::fs::remove_file(&lock_path);
            }
        }
        Ok(())
    }
}

/// Removes a file or a whole tree, whatever is there.
pub(crate) fn remove_any(path: &Path) {
    match std::fs::symlink_metadata(path) {
        Ok(m) if m.is_dir() => {
            let _ = std::fs::remove_dir_all(path);
        }
        Ok(_) => {
            let _ = std::fs::remove_file(path);
        }
        Err(_) => {}
    }
}
