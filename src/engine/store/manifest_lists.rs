//! Manifest lists made locally (`manifest create`): a name, an ID that stays the
//! same while the list is edited, and the list itself as one JSON document. Each
//! edit reads and writes that document in one transaction, so concurrent `manifest
//! add`s both land and a kill -9 leaves the list as it was before or after.

use super::{Store, StoreError};
use rusqlite::{params, OptionalExtension, TransactionBehavior};

impl Store {
    /// Records a new list under `name`; a name any image or list has is refused.
    pub fn add_manifest_list(&mut self, name: &str, id: &str, doc: &str) -> Result<(), StoreError> {
        let tx = self
            .db
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let taken: Option<String> = tx
            .query_row(
                "SELECT image_id FROM tags WHERE name = ?1
                 UNION ALL SELECT id FROM manifest_lists WHERE name = ?1",
                [name],
                |r| r.get(0),
            )
            .optional()?;
        if let Some(owner) = taken {
            // Podman's words, which scripts match.
            return Err(StoreError::Conflict(format!(
                "creating image to hold manifest list: image name {name:?} is already associated with image {owner:?}: that name is already in use"
            )));
        }
        tx.execute(
            "INSERT INTO manifest_lists (name, id, created, doc) VALUES (?1, ?2, strftime('%s','now'), ?3)",
            params![name, id, doc],
        )?;
        tx.commit()?;
        Ok(())
    }

    /// The list named `name`: its ID and document.
    pub fn manifest_list(&self, name: &str) -> Result<Option<(String, String)>, StoreError> {
        Ok(self
            .db
            .query_row(
                "SELECT id, doc FROM manifest_lists WHERE name = ?1",
                [name],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?)
    }

    /// The names of lists whose ID starts with `prefix` (hex), at most two.
    pub fn manifest_lists_by_id_prefix(&self, prefix: &str) -> Result<Vec<String>, StoreError> {
        let pattern = format!("{}%", prefix.replace(['%', '_'], ""));
        Ok(self
            .db
            .prepare("SELECT name FROM manifest_lists WHERE id LIKE ?1 LIMIT 2")?
            .query_map([pattern], |r| r.get(0))?
            .collect::<Result<_, _>>()?)
    }

    /// Every list, newest first: (name, ID, created in unix seconds, document).
    pub fn manifest_lists(&self) -> Result<Vec<(String, String, i64, String)>, StoreError> {
        Ok(self
            .db
            .prepare(
                "SELECT name, id, created, doc FROM manifest_lists ORDER BY created DESC, name",
            )?
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?
            .collect::<Result<_, _>>()?)
    }

    /// Rewrites the list's document with `edit`, read and written in one
    /// transaction. `None` when there is no such list.
    pub fn edit_manifest_list<E: From<StoreError>>(
        &mut self,
        name: &str,
        edit: impl FnOnce(String) -> Result<String, E>,
    ) -> Result<Option<String>, E> {
        let tx = self
            .db
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(StoreError::from)?;
        let found: Option<(String, String)> = tx
            .query_row(
                "SELECT id, doc FROM manifest_lists WHERE name = ?1",
                [name],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()
            .map_err(StoreError::from)?;
        let Some((id, doc)) = found else {
            return Ok(None);
        };
        let doc = edit(doc)?;
        tx.execute(
            "UPDATE manifest_lists SET doc = ?2 WHERE name = ?1",
            [name, &doc],
        )
        .map_err(StoreError::from)?;
        tx.commit().map_err(StoreError::from)?;
        Ok(Some(id))
    }

    /// Deletes the list named `name`; its ID, or `None` when there was none.
    pub fn remove_manifest_list(&self, name: &str) -> Result<Option<String>, StoreError> {
        Ok(self
            .db
            .query_row(
                "DELETE FROM manifest_lists WHERE name = ?1 RETURNING id",
                [name],
                |r| r.get(0),
            )
            .optional()?)
    }
}
