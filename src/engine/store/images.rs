//! Image records: what an image is made of and what it is called.

use super::{Store, StoreError};
use rusqlite::{params, OptionalExtension};

#[derive(Debug, Clone)]
pub struct ImageRecord {
    /// Hex of the config digest (Docker's and Podman's image ID).
    pub id: String,
    pub manifest_digest: Option<String>,
    pub manifest_media_type: Option<String>,
    pub created: Option<String>,
    pub size: u64,
    /// Diff-ids, bottom layer first.
    pub layers: Vec<String>,
    /// Full names, `registry/repository:tag`.
    pub tags: Vec<String>,
    /// Full names, `registry/repository@sha256:...`.
    pub digests: Vec<String>,
    /// Every name it has had, the latest given first (Podman's NamesHistory).
    pub names_history: Vec<String>,
}

impl ImageRecord {
    pub fn config_digest(&self) -> String {
        format!("sha256:{}", self.id)
    }
}

/// What a pull (or later a build or load) adds.
pub struct NewImage<'a> {
    pub id: &'a str,
    pub manifest_digest: Option<&'a str>,
    pub manifest_media_type: Option<&'a str>,
    pub created: Option<&'a str>,
    pub layers: &'a [String],
    pub tag: Option<&'a str>,
    pub repo_digest: Option<&'a str>,
}

impl Store {
    /// Records an image and names it, in one transaction. The tag moves from any
    /// image that had it (which may leave that one dangling, as Docker does).
    pub fn add_image(&mut self, image: &NewImage) -> Result<(), StoreError> {
        let tx = self
            .db
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let size: u64 = image
            .layers
            .iter()
            .map(|l| {
                tx.query_row("SELECT size FROM layers WHERE diff_id = ?1", [l], |r| {
                    r.get::<_, u64>(0)
                })
            })
            .sum::<Result<u64, _>>()?;
        tx.execute(
            "INSERT INTO images (id, manifest_digest, manifest_media_type, created, size, added)
             VALUES (?1, ?2, ?3, ?4, ?5, strftime('%s','now'))
             ON CONFLICT(id) DO UPDATE SET
               manifest_digest = COALESCE(excluded.manifest_digest, manifest_digest),
               manifest_media_type = COALESCE(excluded.manifest_media_type, manifest_media_type)",
            params![
                image.id,
                image.manifest_digest,
                image.manifest_media_type,
                image.created,
                size
            ],
        )?;
        for (position, diff_id) in image.layers.iter().enumerate() {
            tx.execute(
                "INSERT OR IGNORE INTO image_layers (image_id, position, diff_id) VALUES (?1, ?2, ?3)",
                params![image.id, position, diff_id],
            )?;
        }
        if let Some(tag) = image.tag {
            name_image(&tx, tag, image.id)?;
        }
        if let Some(digest) = image.repo_digest {
            tx.execute(
                "INSERT OR IGNORE INTO repo_digests (name, image_id) VALUES (?1, ?2)",
                [digest, image.id],
            )?;
        }
        tx.commit()?;
        Ok(())
    }

    pub fn image(&self, id: &str) -> Result<ImageRecord, StoreError> {
        let row = self
            .db
            .query_row(
                "SELECT id, manifest_digest, manifest_media_type, created, size FROM images WHERE id = ?1",
                [id],
                |r| {
                    Ok(ImageRecord {
                        id: r.get(0)?,
                        manifest_digest: r.get(1)?,
                        manifest_media_type: r.get(2)?,
                        created: r.get(3)?,
                        size: r.get(4)?,
                        layers: Vec::new(),
                        tags: Vec::new(),
                        digests: Vec::new(),
                        names_history: Vec::new(),
                    })
                },
            )
            .optional()?;
        let mut image = row.ok_or_else(|| StoreError::ImageNotFound(id.to_owned()))?;
        image.layers = self.strings(
            "SELECT diff_id FROM image_layers WHERE image_id = ?1 ORDER BY position",
            id,
        )?;
        image.tags = self.strings(
            "SELECT name FROM tags WHERE image_id = ?1 ORDER BY name",
            id,
        )?;
        image.digests = self.strings(
            "SELECT name FROM repo_digests WHERE image_id = ?1 ORDER BY name",
            id,
        )?;
        image.names_history = self.strings(
            "SELECT name FROM names_history WHERE image_id = ?1 ORDER BY seq DESC",
            id,
        )?;
        Ok(image)
    }

    /// Every image, newest first.
    pub fn images(&self) -> Result<Vec<ImageRecord>, StoreError> {
        let ids: Vec<String> = self
            .db
            .prepare("SELECT id FROM images ORDER BY COALESCE(created, '') DESC, added DESC, id")?
            .query_map([], |r| r.get(0))?
            .collect::<Result<_, _>>()?;
        ids.iter().map(|id| self.image(id)).collect()
    }

    pub fn image_by_tag(&self, name: &str) -> Result<Option<String>, StoreError> {
        Ok(self
            .db
            .query_row("SELECT image_id FROM tags WHERE name = ?1", [name], |r| {
                r.get(0)
            })
            .optional()?)
    }

    pub fn image_by_repo_digest(&self, name: &str) -> Result<Option<String>, StoreError> {
        Ok(self
            .db
            .query_row(
                "SELECT image_id FROM repo_digests WHERE name = ?1",
                [name],
                |r| r.get(0),
            )
            .optional()?)
    }

    /// IDs starting with `prefix` (hex, without `sha256:`).
    pub fn images_by_id_prefix(&self, prefix: &str) -> Result<Vec<String>, StoreError> {
        let pattern = format!("{}%", prefix.replace(['%', '_'], ""));
        Ok(self
            .db
            .prepare("SELECT id FROM images WHERE id LIKE ?1 LIMIT 2")?
            .query_map([pattern], |r| r.get(0))?
            .collect::<Result<_, _>>()?)
    }

    pub fn set_tag(&self, name: &str, id: &str) -> Result<(), StoreError> {
        let tx = self.db.unchecked_transaction()?;
        name_image(&tx, name, id)?;
        tx.commit()?;
        Ok(())
    }

    /// Records that the image is known under `name` (`registry/repository@digest`).
    pub fn add_repo_digest(&self, name: &str, id: &str) -> Result<(), StoreError> {
        self.db.execute(
            "INSERT OR IGNORE INTO repo_digests (name, image_id) VALUES (?1, ?2)",
            [name, id],
        )?;
        Ok(())
    }

    /// Removes a tag; false when there was none.
    pub fn remove_tag(&self, name: &str) -> Result<bool, StoreError> {
        let tx = self.db.unchecked_transaction()?;
        let owner: Option<String> = tx
            .query_row(
                "DELETE FROM tags WHERE name = ?1 RETURNING image_id",
                [name],
                |r| r.get(0),
            )
            .optional()?;
        if let Some(id) = &owner {
            record_names(&tx, id)?;
        }
        tx.commit()?;
        Ok(owner.is_some())
    }

    /// Deletes an image's record and its own blobs (config, manifest). Its layers stay
    /// until `remove_unused_layers`. Call under `lock_for_deleting`.
    pub fn remove_image(&mut self, id: &str) -> Result<(), StoreError> {
        let image = self.image(id)?;
        let tx = self
            .db
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        tx.execute("DELETE FROM images WHERE id = ?1", [id])?;
        let manifest_shared = match &image.manifest_digest {
            Some(d) => {
                tx.query_row(
                    "SELECT COUNT(*) FROM images WHERE manifest_digest = ?1",
                    [d],
                    |r| r.get::<_, i64>(0),
                )? > 0
            }
            None => true,
        };
        tx.commit()?;
        self.remove_blob(&image.config_digest())?;
        if let (Some(digest), false) = (&image.manifest_digest, manifest_shared) {
            self.remove_blob(digest)?;
        }
        Ok(())
    }

    /// Where `image mount` mounts the image, in `merged` (not created).
    pub fn image_mount_dir(&self, id: &str) -> std::path::PathBuf {
        self.root.join("image-mounts").join(id)
    }

    fn strings(&self, sql: &str, id: &str) -> Result<Vec<String>, StoreError> {
        Ok(self
            .db
            .prepare_cached(sql)?
            .query_map([id], |r| r.get(0))?
            .collect::<Result<_, _>>()?)
    }
}

/// Gives the image the name, taking it from any image that had it. A name the image
/// already has keeps its place among its names.
fn name_image(tx: &rusqlite::Transaction, name: &str, id: &str) -> rusqlite::Result<()> {
    tx.execute(
        "DELETE FROM tags WHERE name = ?1 AND image_id != ?2",
        [name, id],
    )?;
    tx.execute(
        "INSERT OR IGNORE INTO tags (name, image_id) VALUES (?1, ?2)",
        [name, id],
    )?;
    record_names(tx, id)
}

/// Notes the image's names in its history after they changed, as containers/storage
/// does: each present name, in the order the image was given them, becomes the
/// latest, so the history lists the present names newest first, then the old ones.
/// The image that lost a name keeps it in its history.
fn record_names(tx: &rusqlite::Transaction, id: &str) -> rusqlite::Result<()> {
    let names: Vec<String> = tx
        .prepare_cached("SELECT name FROM tags WHERE image_id = ?1 ORDER BY rowid")?
        .query_map([id], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    for name in names {
        tx.execute(
            "INSERT INTO names_history (image_id, name, seq)
             VALUES (?1, ?2, (SELECT COALESCE(MAX(seq), 0) + 1 FROM names_history))
             ON CONFLICT(image_id, name) DO UPDATE SET seq = excluded.seq",
            [id, &name],
        )?;
    }
    Ok(())
}
