//! Container records and directories.
//!
//! `containers/<id>/` holds everything a container owns: `upper` and `work` for its
//! overlay, `merged` where the rootfs is mounted (only inside the monitor's mount
//! namespace), `config.json` (the OCI bundle) and `userdata/` (hosts, hostname,
//! resolv.conf). Removing the directory and the record removes the container.

use super::{Store, StoreError};
use rusqlite::{params, OptionalExtension};
use std::path::PathBuf;

#[derive(Debug, Clone)]
pub struct ContainerRecord {
    pub id: String,
    pub name: String,
    pub image_id: String,
    pub image_name: String,
    pub created: i64,
    pub state: String,
    pub exit_code: Option<i32>,
    pub config: String,
}

impl Store {
    pub fn container_dir(&self, id: &str) -> PathBuf {
        self.root.join("containers").join(id)
    }

    /// Records a new container; a name already taken is a conflict.
    pub fn add_container(&self, c: &ContainerRecord) -> Result<(), StoreError> {
        let inserted = self.db.execute(
            "INSERT INTO containers (id, name, image_id, image_name, created, state, exit_code, config)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            params![
                c.id,
                c.name,
                c.image_id,
                c.image_name,
                c.created,
                c.state,
                c.exit_code,
                c.config
            ],
        );
        match inserted {
            Ok(_) => Ok(()),
            Err(rusqlite::Error::SqliteFailure(e, _))
                if e.code == rusqlite::ErrorCode::ConstraintViolation =>
            {
                let holder = self.container_id_by_name(&c.name)?.unwrap_or_default();
                Err(StoreError::Conflict(format!(
                    "the container name {} is already in use by container {}: remove that container or choose another name",
                    c.name,
                    &holder[..holder.len().min(12)]
                )))
            }
            Err(e) => Err(e.into()),
        }
    }

    pub fn container(&self, id: &str) -> Result<Option<ContainerRecord>, StoreError> {
        Ok(self
            .db
            .query_row(
                "SELECT id, name, image_id, image_name, created, state, exit_code, config
                 FROM containers WHERE id = ?1",
                [id],
                |r| {
                    Ok(ContainerRecord {
                        id: r.get(0)?,
                        name: r.get(1)?,
                        image_id: r.get(2)?,
                        image_name: r.get(3)?,
                        created: r.get(4)?,
                        state: r.get(5)?,
                        exit_code: r.get(6)?,
                        config: r.get(7)?,
                    })
                },
            )
            .optional()?)
    }

    pub fn container_id_by_name(&self, name: &str) -> Result<Option<String>, StoreError> {
        Ok(self
            .db
            .query_row("SELECT id FROM containers WHERE name = ?1", [name], |r| {
                r.get(0)
            })
            .optional()?)
    }

    /// IDs starting with `prefix` (at most two: enough to tell unique from ambiguous).
    pub fn containers_by_id_prefix(&self, prefix: &str) -> Result<Vec<String>, StoreError> {
        let pattern = format!("{}%", prefix.replace(['%', '_'], ""));
        Ok(self
            .db
            .prepare("SELECT id FROM containers WHERE id LIKE ?1 LIMIT 2")?
            .query_map([pattern], |r| r.get(0))?
            .collect::<Result<_, _>>()?)
    }

    pub fn set_container_state(
        &self,
        id: &str,
        state: &str,
        exit_code: Option<i32>,
    ) -> Result<(), StoreError> {
        self.db.execute(
            "UPDATE containers SET state = ?2, exit_code = ?3 WHERE id = ?1",
            params![id, state, exit_code],
        )?;
        Ok(())
    }

    /// Names of the containers made from an image (which must not be removed).
    pub fn containers_using_image(&self, image_id: &str) -> Result<Vec<String>, StoreError> {
        Ok(self
            .db
            .prepare_cached("SELECT name FROM containers WHERE image_id = ?1 ORDER BY name")?
            .query_map([image_id], |r| r.get(0))?
            .collect::<Result<_, _>>()?)
    }

    /// Deletes a container's directory, then its record: a crash in between leaves a
    /// record without a directory, which removing again finishes.
    pub fn remove_container(&self, id: &str) -> Result<(), StoreError> {
        let dir = self.container_dir(id);
        match std::fs::remove_dir_all(&dir) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(StoreError::io(&dir, e)),
        }
        self.db
            .execute("DELETE FROM containers WHERE id = ?1", [id])?;
        Ok(())
    }
}
