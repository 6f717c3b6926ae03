//! Volumes' records and directories (`volumes/NAME/_data`, as Podman lays
//! them out), and which containers use which.

use super::{Store, StoreError};
use crate::engine::events::Event;
use crate::engine::volumes::record::VolumeRecord;
use rusqlite::{params, OptionalExtension, Row};
use std::path::PathBuf;

fn parse(r: &Row) -> rusqlite::Result<(String, bool)> {
    Ok((r.get(0)?, r.get(1)?))
}

fn remove_tree(path: &std::path::Path) -> Result<(), StoreError> {
    match std::fs::remove_dir_all(path) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(StoreError::io(path, e)),
        _ => Ok(()),
    }
}

impl Store {
    fn volume_record(
        &self,
        (json, needs_copy_up): (String, bool),
    ) -> Result<VolumeRecord, StoreError> {
        let mut v: VolumeRecord = serde_json::from_str(&json)
            .map_err(|e| StoreError::Corrupt(format!("volume record: {e}")))?;
        v.needs_copy_up = needs_copy_up;
        v.mountpoint = self.volume_dir(&v.name).join("_data");
        Ok(v)
    }

    /// The volume's directory; its files are in `_data` below it.
    pub fn volume_dir(&self, name: &str) -> PathBuf {
        self.root.join("volumes").join(name)
    }

    /// The bytes the volume's files take.
    pub fn volume_size(&self, name: &str) -> u64 {
        super::mount_cache::tree_size(&self.volume_dir(name))
    }

    /// Records the volume and makes its empty directory, in one transaction;
    /// false (and nothing changed) when the name is taken. A directory left by
    /// a create or remove that was killed half-way is emptied first.
    pub fn add_volume(&self, v: &VolumeRecord) -> Result<bool, StoreError> {
        let json = serde_json::to_string(v)
            .map_err(|e| StoreError::Corrupt(format!("volume record: {e}")))?;
        let tx = rusqlite::Transaction::new_unchecked(
            &self.db,
            rusqlite::TransactionBehavior::Immediate,
        )?;
        let taken = tx
            .query_row("SELECT 1 FROM volumes WHERE name = ?1", [&v.name], |_| {
                Ok(())
            })
            .optional()?
            .is_some();
        if taken {
            return Ok(false);
        }
        let dir = self.root.join("volumes").join(&v.name);
        remove_tree(&dir)?;
        let data = dir.join("_data");
        std::fs::create_dir_all(&data).map_err(|e| StoreError::io(&data, e))?;
        tx.execute(
            "INSERT INTO volumes (name, needs_copy_up, config) VALUES (?1, ?2, ?3)",
            params![v.name, v.needs_copy_up, json],
        )?;
        tx.commit()?;
        // Here, where every volume is made (named, `-v`'s, anonymous ones).
        self.record(Event::volume("create", &v.name));
        Ok(true)
    }

    pub fn volume(&self, name: &str) -> Result<Option<VolumeRecord>, StoreError> {
        self.db
            .prepare_cached("SELECT config, needs_copy_up FROM volumes WHERE name = ?1")?
            .query_row([name], parse)
            .optional()?
            .map(|row| self.volume_record(row))
            .transpose()
    }

    /// Every volume, by name.
    pub fn volumes(&self) -> Result<Vec<VolumeRecord>, StoreError> {
        self.db
            .prepare("SELECT config, needs_copy_up FROM volumes ORDER BY name")?
            .query_map([], parse)?
            .collect::<Result<Vec<_>, _>>()?
            .into_iter()
            .map(|row| self.volume_record(row))
            .collect()
    }

    /// The IDs of the containers that use the volume.
    pub fn volume_users(&self, name: &str) -> Result<Vec<String>, StoreError> {
        Ok(self
            .db
            .prepare_cached("SELECT container_id FROM container_volumes WHERE volume = ?1")?
            .query_map([name], |r| r.get(0))?
            .collect::<Result<_, _>>()?)
    }

    /// The names of every volume some container uses.
    pub fn volumes_in_use(&self) -> Result<std::collections::HashSet<String>, StoreError> {
        Ok(self
            .db
            .prepare("SELECT DISTINCT volume FROM container_volumes")?
            .query_map([], |r| r.get(0))?
            .collect::<Result<_, _>>()?)
    }

    /// The anonymous volumes the container uses.
    pub fn anonymous_volumes_of(&self, container_id: &str) -> Result<Vec<String>, StoreError> {
        let names: Vec<String> = self
            .db
            .prepare_cached("SELECT volume FROM container_volumes WHERE container_id = ?1")?
            .query_map([container_id], |r| r.get(0))?
            .collect::<Result<_, _>>()?;
        let mut anonymous = Vec::new();
        for name in names {
            if self.volume(&name)?.is_some_and(|v| v.anonymous) {
                anonymous.push(name);
            }
        }
        Ok(anonymous)
    }

    /// Records that the container uses these volumes.
    pub fn add_container_volumes(
        &self,
        container_id: &str,
        names: &[String],
    ) -> Result<(), StoreError> {
        let tx = self.db.unchecked_transaction()?;
        for name in names {
            tx.execute(
                "INSERT OR IGNORE INTO container_volumes (container_id, volume) VALUES (?1, ?2)",
                params![container_id, name],
            )?;
        }
        tx.commit()?;
        Ok(())
    }

    /// Whether this caller is the one to copy the image's files into the
    /// volume: true once only, for the first to ask.
    pub fn claim_copy_up(&self, name: &str) -> Result<bool, StoreError> {
        Ok(self.db.execute(
            "UPDATE volumes SET needs_copy_up = 0 WHERE name = ?1 AND needs_copy_up = 1",
            [name],
        )? > 0)
    }

    /// Forgets the volume and deletes its files; false when there was none.
    /// One a container uses is a conflict (the caller checks first, to say
    /// which containers).
    pub fn remove_volume(&self, name: &str) -> Result<bool, StoreError> {
        let removed = match self
            .db
            .execute("DELETE FROM volumes WHERE name = ?1", [name])
        {
            Ok(n) => n > 0,
            Err(rusqlite::Error::SqliteFailure(e, _))
                if e.code == rusqlite::ErrorCode::ConstraintViolation =>
            {
                return Err(StoreError::Conflict(format!(
                    "volume {name} is being used by a container: volume is being used"
                )))
            }
            Err(e) => return Err(e.into()),
        };
        if removed {
            remove_tree(&self.volume_dir(name))?;
            self.record(Event::volume("destroy", name));
        }
        Ok(removed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_used_volume_stays_until_its_container_goes() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        let v = VolumeRecord::new("data".into(), true);
        assert!(store.add_volume(&v).unwrap());
        assert!(!store.add_volume(&v).unwrap());
        assert!(store.volume_dir("data").join("_data").is_dir());
        let stored = store.volume("data").unwrap().unwrap();
        assert_eq!(stored.mountpoint, store.volume_dir("data").join("_data"));
        assert_eq!(stored.labels, v.labels);
        let c = crate::engine::store::containers::ContainerRecord {
            id: "c1".into(),
            name: "one".into(),
            image_id: "i".into(),
            image_name: "i".into(),
            created: 0,
            state: crate::engine::store::containers::RunState::created(),
            config: "{}".into(),
            stop_requested: false,
        };
        store
            .db
            .execute_batch(
                "PRAGMA foreign_keys = OFF; INSERT INTO images (id, size, added) VALUES ('i', 0, 0); PRAGMA foreign_keys = ON;",
            )
            .unwrap();
        store.add_container(&c).unwrap();
        store.add_container_volumes("c1", &["data".into()]).unwrap();
        assert_eq!(store.anonymous_volumes_of("c1").unwrap(), ["data"]);
        assert!(matches!(
            store.remove_volume("data"),
            Err(StoreError::Conflict(_))
        ));
        assert!(store.claim_copy_up("data").unwrap());
        assert!(!store.claim_copy_up("data").unwrap());
        store.remove_container("c1").unwrap();
        assert!(store.volume_users("data").unwrap().is_empty());
        assert!(store.remove_volume("data").unwrap());
        assert!(!store.volume_dir("data").exists());
        assert!(!store.remove_volume("data").unwrap());
    }
}
