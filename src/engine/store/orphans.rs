//! What commands killed with -9 leave behind: blobs, layer and container
//! directories that no record names (a kill between writing them and recording
//! them), and work in progress under tmp/ whose creator died. Nothing uses them,
//! so only a prune removes them, under `lock_for_deleting`: adders (create too)
//! hold the shared lock from their first write to the record that names it, so
//! nothing in flight looks orphaned.

use super::{Store, StoreError};
use std::collections::HashSet;

impl Store {
    /// Removes blobs, layer and container directories nothing records, and dead
    /// work under tmp/. Call under `lock_for_deleting`.
    pub fn remove_orphans(&self) -> Result<(), StoreError> {
        self.sweep_temp()?;
        let blobs = self.recorded(
            "SELECT 'sha256:' || id FROM images
             UNION SELECT manifest_digest FROM images WHERE manifest_digest IS NOT NULL
             UNION SELECT blob_digest FROM layers",
        )?;
        self.remove_unrecorded("blobs/sha256", &blobs)?;
        let layers = self.recorded("SELECT diff_id FROM layers")?;
        self.remove_unrecorded("layers", &layers)?;
        let containers = self.container_ids()?.into_iter().collect();
        self.remove_unrecorded("containers", &containers)
    }

    /// The hex digests a query lists.
    fn recorded(&self, sql: &str) -> Result<HashSet<String>, StoreError> {
        let digests: Vec<String> = self
            .db
            .prepare(sql)?
            .query_map([], |r| r.get(0))?
            .collect::<Result<_, _>>()?;
        Ok(digests
            .iter()
            .filter_map(|d| super::digest_hex(d).ok())
            .map(str::to_owned)
            .collect())
    }

    /// Removes what `dir` holds under names `keep` lacks, out of sight first (a
    /// crash mid-delete leaves garbage under tmp/, not half an entry).
    fn remove_unrecorded(&self, dir: &str, keep: &HashSet<String>) -> Result<(), StoreError> {
        let dir = self.root.join(dir);
        let entries = std::fs::read_dir(&dir).map_err(|e| StoreError::io(&dir, e))?;
        for entry in entries.flatten() {
            if entry.file_name().to_str().is_some_and(|n| keep.contains(n)) {
                continue;
            }
            let doomed = self.temp_entry("orphan")?;
            // An `rm` may be removing a container's directory too.
            match std::fs::rename(entry.path(), doomed.path()) {
                Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                    return Err(StoreError::io(&entry.path(), e))
                }
                _ => {}
            }
        }
        Ok(())
    }
}
