//! Pods' records: ID, name, creation time and the pod's config as JSON
//! (engine/pods owns its shape). A name is unique among pods only, as in
//! Podman, where a pod and a container may share one.

use super::{Store, StoreError};
use rusqlite::{params, OptionalExtension, Row};

/// One pod as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PodRow {
    pub id: String,
    pub name: String,
    /// Seconds since the epoch.
    pub created: i64,
    pub config: String,
}

fn row(r: &Row) -> rusqlite::Result<PodRow> {
    Ok(PodRow {
        id: r.get(0)?,
        name: r.get(1)?,
        created: r.get(2)?,
        config: r.get(3)?,
    })
}

const COLUMNS: &str = "id, name, created, config";

impl Store {
    /// Adds a pod; `false` when its name is taken.
    pub fn add_pod(&self, pod: &PodRow) -> Result<bool, StoreError> {
        let added = self.db.execute(
            "INSERT OR IGNORE INTO pods (id, name, created, config) VALUES (?1, ?2, ?3, ?4)",
            params![pod.id, pod.name, pod.created, pod.config],
        )?;
        Ok(added > 0)
    }

    pub fn set_pod_config(&self, id: &str, config: &str) -> Result<(), StoreError> {
        self.db.execute(
            "UPDATE pods SET config = ?2 WHERE id = ?1",
            params![id, config],
        )?;
        Ok(())
    }

    pub fn pod_by_name(&self, name: &str) -> Result<Option<PodRow>, StoreError> {
        Ok(self
            .db
            .query_row(
                &format!("SELECT {COLUMNS} FROM pods WHERE name = ?1"),
                [name],
                row,
            )
            .optional()?)
    }

    /// Pods whose ID starts with `prefix` (at most two: enough to tell unique
    /// from ambiguous).
    pub fn pods_by_id_prefix(&self, prefix: &str) -> Result<Vec<PodRow>, StoreError> {
        let pattern = format!("{}%", prefix.replace(['%', '_'], ""));
        Ok(self
            .db
            .prepare(&format!(
                "SELECT {COLUMNS} FROM pods WHERE id LIKE ?1 LIMIT 2"
            ))?
            .query_map([pattern], row)?
            .collect::<Result<_, _>>()?)
    }

    /// Every pod, newest first.
    pub fn pods(&self) -> Result<Vec<PodRow>, StoreError> {
        Ok(self
            .db
            .prepare(&format!(
                "SELECT {COLUMNS} FROM pods ORDER BY created DESC, rowid DESC"
            ))?
            .query_map([], row)?
            .collect::<Result<_, _>>()?)
    }

    /// Forgets a pod; whether it was there.
    pub fn remove_pod(&self, id: &str) -> Result<bool, StoreError> {
        Ok(self.db.execute("DELETE FROM pods WHERE id = ?1", [id])? > 0)
    }
}
