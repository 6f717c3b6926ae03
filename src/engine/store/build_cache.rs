//! The build cache: which image a build step made from which parent. A step's key
//! is its instruction after expansion, with whatever else decides its result (the
//! build args a RUN sees, the digest of what a COPY copies).

use super::{Store, StoreError};
use rusqlite::{params, OptionalExtension};

impl Store {
    /// The image a step with `key` made from `parent`, if it is still stored.
    pub fn cached_step(&self, parent: &str, key: &str) -> Result<Option<String>, StoreError> {
        Ok(self
            .db
            .query_row(
                "SELECT c.image_id FROM build_cache c JOIN images i ON i.id = c.image_id
                 WHERE c.parent = ?1 AND c.key = ?2",
                [parent, key],
                |r| r.get(0),
            )
            .optional()?)
    }

    pub fn record_step(&self, parent: &str, key: &str, image_id: &str) -> Result<(), StoreError> {
        self.db.execute(
            "INSERT OR REPLACE INTO build_cache (parent, key, image_id, created)
             VALUES (?1, ?2, ?3, strftime('%s','now'))",
            params![parent, key, image_id],
        )?;
        Ok(())
    }

    /// Whether a later build step was made from this image: an untagged one is then
    /// an intermediate image, which `images` hides without `--all`.
    pub fn has_build_children(&self, image_id: &str) -> Result<bool, StoreError> {
        Ok(self
            .db
            .query_row(
                "SELECT 1 FROM build_cache WHERE parent = ?1 LIMIT 1",
                [image_id],
                |_| Ok(()),
            )
            .optional()?
            .is_some())
    }

    /// Forgets every step and returns the images steps made (to remove those
    /// nothing else names or uses).
    pub fn clear_build_cache(&mut self) -> Result<Vec<String>, StoreError> {
        let tx = self
            .db
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let ids: Vec<String> = tx
            .prepare("SELECT DISTINCT image_id FROM build_cache")?
            .query_map([], |r| r.get(0))?
            .collect::<Result<_, _>>()?;
        tx.execute("DELETE FROM build_cache", [])?;
        tx.commit()?;
        Ok(ids)
    }
}
