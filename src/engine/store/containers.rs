//! Container records and directories.
//!
//! `containers/<id>/` holds everything a container owns: `upper` and `work` for its
//! overlay, `merged` where the rootfs is mounted (only inside the monitor's mount
//! namespace), `config.json` (the OCI bundle), `userdata/` (hosts, hostname,
//! resolv.conf), `json.log` and `monitor.lock` (held by its monitor while it lives).
//! Removing the directory and the record removes the container.

use super::{Store, StoreError};
use rusqlite::{params, OptionalExtension, Row};
use std::path::PathBuf;

/// Where removed containers' exit codes are kept (see `Store::keep_exit_code`).
const EXITS: &str = "exits";
const EXIT_KEPT: std::time::Duration = std::time::Duration::from_secs(60);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Created,
    Running,
    Paused,
    /// Exited, and its monitor will start it again (`--restart`).
    Restarting,
    Exited,
}

impl Status {
    /// Docker's word for it (State.Status).
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Created => "created",
            Status::Running => "running",
            Status::Paused => "paused",
            Status::Restarting => "restarting",
            Status::Exited => "exited",
        }
    }

    fn parse(s: &str) -> Status {
        match s {
            "running" => Status::Running,
            "paused" => Status::Paused,
            "restarting" => Status::Restarting,
            "exited" => Status::Exited,
            _ => Status::Created,
        }
    }

    /// Whether a monitor should be alive for a container in this state.
    pub fn has_monitor(self) -> bool {
        matches!(self, Status::Running | Status::Paused | Status::Restarting)
    }
}

/// What the monitor records about a container's run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunState {
    pub status: Status,
    pub exit_code: Option<i32>,
    /// The container's init as the host sees it, while it runs.
    pub pid: Option<i32>,
    /// Its start time in clock ticks since boot (/proc/PID/stat), to tell it from a
    /// later process that reuses the pid.
    pub pid_start: Option<u64>,
    pub monitor_pid: Option<i32>,
    /// Unix milliseconds.
    pub started_ms: Option<i64>,
    pub finished_ms: Option<i64>,
    pub restarts: i64,
}

impl RunState {
    pub fn created() -> RunState {
        RunState {
            status: Status::Created,
            exit_code: None,
            pid: None,
            pid_start: None,
            monitor_pid: None,
            started_ms: None,
            finished_ms: None,
            restarts: 0,
        }
    }
}

#[derive(Debug, Clone)]
pub struct ContainerRecord {
    pub id: String,
    pub name: String,
    pub image_id: String,
    pub image_name: String,
    pub created: i64,
    pub config: String,
    pub state: RunState,
    /// `stop`/`kill` asked for the end: the monitor must not restart it.
    pub stop_requested: bool,
}

const COLUMNS: &str = "id, name, image_id, image_name, created, config, state, exit_code, pid,
     pid_start, monitor_pid, started_ms, finished_ms, restarts, stop_requested";

fn record(r: &Row) -> rusqlite::Result<ContainerRecord> {
    Ok(ContainerRecord {
        id: r.get(0)?,
        name: r.get(1)?,
        image_id: r.get(2)?,
        image_name: r.get(3)?,
        created: r.get(4)?,
        config: r.get(5)?,
        state: RunState {
            status: Status::parse(&r.get::<_, String>(6)?),
            exit_code: r.get(7)?,
            pid: r.get(8)?,
            pid_start: r.get::<_, Option<i64>>(9)?.map(|t| t as u64),
            monitor_pid: r.get(10)?,
            started_ms: r.get(11)?,
            finished_ms: r.get(12)?,
            restarts: r.get(13)?,
        },
        stop_requested: r.get(14)?,
    })
}

impl Store {
    pub fn container_dir(&self, id: &str) -> PathBuf {
        self.root.join("containers").join(id)
    }

    /// Records a new container; a name already taken is a conflict.
    pub fn add_container(&self, c: &ContainerRecord) -> Result<(), StoreError> {
        let inserted = self.db.execute(
            "INSERT INTO containers (id, name, image_id, image_name, created, state, config)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            params![
                c.id,
                c.name,
                c.image_id,
                c.image_name,
                c.created,
                c.state.status.as_str(),
                c.config
            ],
        );
        match inserted {
            Ok(_) => Ok(()),
            Err(rusqlite::Error::SqliteFailure(e, _))
                if e.code == rusqlite::ErrorCode::ConstraintViolation =>
            {
                Err(self.name_taken(&c.name))
            }
            Err(e) => Err(e.into()),
        }
    }

    fn name_taken(&self, name: &str) -> StoreError {
        let holder = self
            .container_id_by_name(name)
            .ok()
            .flatten()
            .unwrap_or_default();
        // Podman's words, which scripts grep for.
        StoreError::Conflict(format!(
            "the container name \"{name}\" is already in use by {holder}. You have to remove that container to be able to reuse that name: that name is already in use"
        ))
    }

    pub fn container(&self, id: &str) -> Result<Option<ContainerRecord>, StoreError> {
        Ok(self
            .db
            .prepare_cached(&format!("SELECT {COLUMNS} FROM containers WHERE id = ?1"))?
            .query_row([id], record)
            .optional()?)
    }

    /// Every container, newest first, in one query (`ps -a` lists thousands).
    pub fn containers(&self) -> Result<Vec<ContainerRecord>, StoreError> {
        Ok(self
            .db
            .prepare_cached(&format!(
                "SELECT {COLUMNS} FROM containers ORDER BY created DESC, rowid DESC"
            ))?
            .query_map([], record)?
            .collect::<Result<_, _>>()?)
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

    /// Writes what the monitor knows; the stop request and the name are left alone
    /// (other commands own them).
    pub fn set_run_state(&self, id: &str, s: &RunState) -> Result<(), StoreError> {
        self.db
            .prepare_cached(
                "UPDATE containers SET state = ?2, exit_code = ?3, pid = ?4, pid_start = ?5,
                 monitor_pid = ?6, started_ms = ?7, finished_ms = ?8, restarts = ?9 WHERE id = ?1",
            )?
            .execute(params![
                id,
                s.status.as_str(),
                s.exit_code,
                s.pid,
                s.pid_start.map(|t| t as i64),
                s.monitor_pid,
                s.started_ms,
                s.finished_ms,
                s.restarts
            ])?;
        Ok(())
    }

    pub fn set_stop_requested(&self, id: &str, requested: bool) -> Result<(), StoreError> {
        self.db.execute(
            "UPDATE containers SET stop_requested = ?2 WHERE id = ?1",
            params![id, requested],
        )?;
        Ok(())
    }

    /// Replaces the options a container was created with (`update`'s limits).
    pub fn set_container_config(&self, id: &str, config: &str) -> Result<(), StoreError> {
        self.db.execute(
            "UPDATE containers SET config = ?2 WHERE id = ?1",
            params![id, config],
        )?;
        Ok(())
    }

    pub fn rename_container(&self, id: &str, name: &str) -> Result<(), StoreError> {
        match self.db.execute(
            "UPDATE containers SET name = ?2 WHERE id = ?1",
            params![id, name],
        ) {
            Ok(_) => Ok(()),
            Err(rusqlite::Error::SqliteFailure(e, _))
                if e.code == rusqlite::ErrorCode::ConstraintViolation =>
            {
                Err(self.name_taken(name))
            }
            Err(e) => Err(e.into()),
        }
    }

    /// Names of the containers made from an image (which must not be removed).
    pub fn containers_using_image(&self, image_id: &str) -> Result<Vec<String>, StoreError> {
        Ok(self
            .db
            .prepare_cached("SELECT name FROM containers WHERE image_id = ?1 ORDER BY name")?
            .query_map([image_id], |r| r.get(0))?
            .collect::<Result<_, _>>()?)
    }

    /// Every container's ID.
    pub fn container_ids(&self) -> Result<Vec<String>, StoreError> {
        Ok(self
            .db
            .prepare("SELECT id FROM containers")?
            .query_map([], |r| r.get(0))?
            .collect::<Result<_, _>>()?)
    }

    /// Deletes a container's record, then its directory, moved out of sight
    /// first: a kill at any moment leaves the whole container or a directory no
    /// record names (which a prune removes), never a listed container with half
    /// its files.
    pub fn remove_container(&self, id: &str) -> Result<(), StoreError> {
        let dir = self.container_dir(id);
        // A rootfs `coracle mount` left mounted goes first, or removing the
        // directory would delete the image's files through it (as whiteouts).
        let _ = nix::mount::umount2(&dir.join("merged"), nix::mount::MntFlags::MNT_DETACH);
        self.db
            .execute("DELETE FROM containers WHERE id = ?1", [id])?;
        let doomed = self.temp_entry("doomed-container")?;
        match std::fs::rename(&dir, doomed.path()) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(StoreError::io(&dir, e)),
            _ => Ok(()),
        }
    }

    /// Keeps the exit code of a container that is removed as it exits (`run -d
    /// --rm`) for a while, so that a `wait` begun before the removal still gets
    /// it, as Docker's does. Codes kept longer than that go on the way.
    pub fn keep_exit_code(&self, id: &str, code: i32) -> Result<(), StoreError> {
        let dir = self.root.join(EXITS);
        if let Ok(entries) = std::fs::read_dir(&dir) {
            for entry in entries.flatten() {
                let old = entry
                    .metadata()
                    .and_then(|m| m.modified())
                    .is_ok_and(|t| t.elapsed().is_ok_and(|age| age > EXIT_KEPT));
                if old {
                    let _ = std::fs::remove_file(entry.path());
                }
            }
        }
        std::fs::create_dir_all(&dir).map_err(|e| StoreError::io(&dir, e))?;
        let path = dir.join(id);
        std::fs::write(&path, code.to_string()).map_err(|e| StoreError::io(&path, e))
    }

    /// The code `keep_exit_code` kept for a removed container, if it still has it.
    pub fn kept_exit_code(&self, id: &str) -> Option<i32> {
        std::fs::read_to_string(self.root.join(EXITS).join(id))
            .ok()?
            .parse()
            .ok()
    }
}
