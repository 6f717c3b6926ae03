//! Unpacked layers, one directory per diff-id, shared read-only by every image.

use super::lock::{Kind, Lock};
use super::{digest_hex, Store, StoreError, TempEntry};
use rusqlite::{params, OptionalExtension};
use std::path::PathBuf;

#[derive(Debug, Clone)]
pub struct LayerRecord {
    pub diff_id: String,
    pub size: u64,
    pub blob_digest: String,
    pub blob_size: u64,
    pub media_type: String,
}

impl Store {
    pub fn layer_path(&self, diff_id: &str) -> Result<PathBuf, StoreError> {
        Ok(self.root.join("layers").join(digest_hex(diff_id)?))
    }

    /// Held while a layer is fetched, so concurrent pulls fetch it once.
    pub fn lock_layer(&self, diff_id: &str) -> Result<Lock, StoreError> {
        let path = self
            .root
            .join("locks")
            .join(format!("{}.lock", digest_hex(diff_id)?));
        Lock::acquire(&path, Kind::Exclusive)
    }

    /// The layer's record, if it is complete: recorded and unpacked. A directory
    /// without a record (a crash between rename and insert) is removed, to be redone.
    /// Call with the layer's lock held.
    pub fn layer(&self, diff_id: &str) -> Result<Option<LayerRecord>, StoreError> {
        let path = self.layer_path(diff_id)?;
        let record = self.layer_record(diff_id)?;
        match (record, path.exists()) {
            (Some(record), true) => Ok(Some(record)),
            (Some(_), false) => {
                self.db
                    .execute("DELETE FROM layers WHERE diff_id = ?1", [diff_id])?;
                Ok(None)
            }
            (None, true) => {
                super::tmp::remove_any(&path);
                Ok(None)
            }
            (None, false) => Ok(None),
        }
    }

    /// The layer's record as the database has it, without checking its directory
    /// (for readers, which need no lock).
    pub fn layer_record(&self, diff_id: &str) -> Result<Option<LayerRecord>, StoreError> {
        Ok(self
            .db
            .query_row(
                "SELECT size, blob_digest, blob_size, media_type FROM layers WHERE diff_id = ?1",
                [diff_id],
                |r| {
                    Ok(LayerRecord {
                        diff_id: diff_id.to_owned(),
                        size: r.get(0)?,
                        blob_digest: r.get(1)?,
                        blob_size: r.get(2)?,
                        media_type: r.get(3)?,
                    })
                },
            )
            .optional()?)
    }

    /// Moves an unpacked layer into place and records it. Call with the layer's lock held.
    pub fn commit_layer(
        &self,
        unpacked: TempEntry,
        record: &LayerRecord,
    ) -> Result<(), StoreError> {
        let path = self.layer_path(&record.diff_id)?;
        std::fs::rename(unpacked.path(), &path).map_err(|e| StoreError::io(&path, e))?;
        self.db.execute(
            "INSERT OR REPLACE INTO layers (diff_id, size, blob_digest, blob_size, media_type)
             VALUES (?1, ?2, ?3, ?4, ?5)",
            params![
                record.diff_id,
                record.size,
                record.blob_digest,
                record.blob_size,
                record.media_type
            ],
        )?;
        Ok(())
    }

    /// Deletes layers no image uses, with their blobs. Call under `lock_for_deleting`.
    pub fn remove_unused_layers(&self) -> Result<Vec<String>, StoreError> {
        let unused: Vec<(String, String)> = self
            .db
            .prepare(
                "SELECT diff_id, blob_digest FROM layers
                 WHERE diff_id NOT IN (SELECT diff_id FROM image_layers)",
            )?
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<Result<_, _>>()?;
        for (diff_id, blob) in &unused {
            // Out of sight first: a crash mid-delete leaves garbage under tmp/, not a
            // half layer under its real name.
            let doomed = self.temp_entry("doomed-layer")?;
            let path = self.layer_path(diff_id)?;
            if path.exists() {
                std::fs::rename(&path, doomed.path()).map_err(|e| StoreError::io(&path, e))?;
            }
            self.db
                .execute("DELETE FROM layers WHERE diff_id = ?1", [diff_id])?;
            self.remove_blob(blob)?;
        }
        Ok(unused.into_iter().map(|(d, _)| d).collect())
    }
    pub fn layer_size(&self, diff_id: &str) -> Result<u64, StoreError> {
        Ok(self
            .db
            .query_row(
                "SELECT size FROM layers WHERE diff_id = ?1",
                [diff_id],
                |r| r.get(0),
            )
            .optional()?
            .unwrap_or(0))
    }
    pub fn total_layer_size(&self) -> Result<u64, StoreError> {
        Ok(self
            .db
            .query_row("SELECT COALESCE(SUM(size), 0) FROM layers", [], |r| {
                r.get(0)
            })?)
    }
}
