//! The metadata database. One SQLite file in WAL mode: readers never block the
//! writer, and every change is one transaction, so concurrent coracle processes and a
//! kill -9 at any point leave it consistent.

use rusqlite::Connection;
use std::path::Path;
use std::time::Duration;

/// `MIGRATIONS[n]` takes a database from version n+1 to n+2; version 0 (a new file)
/// and 1 take the first, which creates everything that existed at version 2.
const MIGRATIONS: [&str; 8] = [
    SCHEMA_V2,
    CONTAINER_STATE,
    BUILD_CACHE,
    NETWORKS,
    VOLUMES,
    MANIFEST_LISTS,
    NAMES_HISTORY,
    PODS,
];

const SCHEMA_V2: &str = "
CREATE TABLE IF NOT EXISTS layers (
    diff_id TEXT PRIMARY KEY,          -- sha256:... of the uncompressed tar
    size INTEGER NOT NULL,             -- bytes of regular files unpacked
    blob_digest TEXT NOT NULL,         -- the compressed blob it was pulled as
    blob_size INTEGER NOT NULL,
    media_type TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS images (
    id TEXT PRIMARY KEY,               -- hex of the config digest
    manifest_digest TEXT,              -- sha256:... as served by the registry
    manifest_media_type TEXT,
    created TEXT,                      -- from the config, RFC 3339
    size INTEGER NOT NULL,
    added INTEGER NOT NULL             -- unix seconds when stored
);
CREATE TABLE IF NOT EXISTS image_layers (
    image_id TEXT NOT NULL REFERENCES images(id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    diff_id TEXT NOT NULL REFERENCES layers(diff_id),
    PRIMARY KEY (image_id, position)
);
CREATE INDEX IF NOT EXISTS image_layers_by_layer ON image_layers(diff_id);
CREATE TABLE IF NOT EXISTS tags (
    name TEXT PRIMARY KEY,             -- registry/repository:tag
    image_id TEXT NOT NULL REFERENCES images(id) ON DELETE CASCADE
);
CREATE TABLE IF NOT EXISTS repo_digests (
    name TEXT NOT NULL,                -- registry/repository@sha256:...
    image_id TEXT NOT NULL REFERENCES images(id) ON DELETE CASCADE,
    PRIMARY KEY (name, image_id)
);
CREATE TABLE IF NOT EXISTS containers (
    id TEXT PRIMARY KEY,               -- 64 hex digits
    name TEXT NOT NULL UNIQUE,
    image_id TEXT NOT NULL REFERENCES images(id),
    image_name TEXT NOT NULL,          -- as the user typed it
    created INTEGER NOT NULL,          -- unix seconds
    state TEXT NOT NULL,               -- created, running, exited
    exit_code INTEGER,
    config TEXT NOT NULL               -- the options it was created with, JSON
);
CREATE INDEX IF NOT EXISTS containers_by_image ON containers(image_id);
";

/// What a container's monitor records about its run, for commands run later.
const CONTAINER_STATE: &str = "
ALTER TABLE containers ADD COLUMN pid INTEGER;          -- the container's init, on the host
ALTER TABLE containers ADD COLUMN pid_start INTEGER;    -- its start time (clock ticks), against pid reuse
ALTER TABLE containers ADD COLUMN monitor_pid INTEGER;
ALTER TABLE containers ADD COLUMN started_ms INTEGER;   -- unix milliseconds
ALTER TABLE containers ADD COLUMN finished_ms INTEGER;
ALTER TABLE containers ADD COLUMN restarts INTEGER NOT NULL DEFAULT 0;
ALTER TABLE containers ADD COLUMN stop_requested INTEGER NOT NULL DEFAULT 0;
";

/// `build`'s step cache: which image a step made on which parent.
const BUILD_CACHE: &str = "
CREATE TABLE IF NOT EXISTS build_cache (
    parent TEXT NOT NULL,              -- image ID the step ran on, or 'scratch'
    key TEXT NOT NULL,                 -- the step after expansion, plus what it read
    image_id TEXT NOT NULL REFERENCES images(id) ON DELETE CASCADE,
    created INTEGER NOT NULL,          -- unix seconds
    PRIMARY KEY (parent, key)
);
CREATE INDEX IF NOT EXISTS build_cache_by_image ON build_cache(image_id);
";

/// User-defined networks (`network create`), and the addresses a running
/// container holds on them, which its monitor writes and inspect reads.
const NETWORKS: &str = "
CREATE TABLE IF NOT EXISTS networks (
    name TEXT PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,           -- 64 hex digits
    config TEXT NOT NULL               -- the whole record, JSON
);
CREATE TABLE IF NOT EXISTS endpoints (
    container_id TEXT NOT NULL REFERENCES containers(id) ON DELETE CASCADE,
    network TEXT NOT NULL,             -- the network's name
    ip TEXT NOT NULL,
    prefix INTEGER NOT NULL,
    gateway TEXT,
    mac TEXT NOT NULL,
    interface TEXT NOT NULL,           -- inside the container: eth0, eth1, ...
    PRIMARY KEY (container_id, network)
);
";

/// Named and anonymous volumes, and which containers use which: a volume a
/// container uses cannot be deleted (the foreign key says so even to a
/// command racing `volume rm`).
const VOLUMES: &str = "
CREATE TABLE IF NOT EXISTS volumes (
    name TEXT PRIMARY KEY,
    needs_copy_up INTEGER NOT NULL,    -- the first container to mount it copies the image's files in
    config TEXT NOT NULL               -- the whole record, JSON
);
CREATE TABLE IF NOT EXISTS container_volumes (
    container_id TEXT NOT NULL REFERENCES containers(id) ON DELETE CASCADE,
    volume TEXT NOT NULL REFERENCES volumes(name),
    PRIMARY KEY (container_id, volume)
);
CREATE INDEX IF NOT EXISTS container_volumes_by_volume ON container_volumes(volume);
";

/// Manifest lists made locally (`manifest create`), which name images by digest
/// but hold none of their data.
const MANIFEST_LISTS: &str = "
CREATE TABLE IF NOT EXISTS manifest_lists (
    name TEXT PRIMARY KEY,             -- registry/repository:tag, localhost/ for short names
    id TEXT NOT NULL UNIQUE,           -- 64 hex digits, kept while the list is edited
    created INTEGER NOT NULL,          -- unix seconds
    doc TEXT NOT NULL                  -- the list and where each entry comes from, JSON
);
";

/// Every name an image has had, as containers/storage keeps them for Podman's
/// `images --history` and NamesHistory: the highest `seq` is the latest given. An
/// existing store starts with each image's present names.
const NAMES_HISTORY: &str = "
CREATE TABLE IF NOT EXISTS names_history (
    image_id TEXT NOT NULL REFERENCES images(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    seq INTEGER NOT NULL,
    PRIMARY KEY (image_id, name)
);
INSERT OR IGNORE INTO names_history (image_id, name, seq) SELECT image_id, name, rowid FROM tags;
";

/// Pods: the record of each (its options and infra, as JSON). Which pod a
/// container is in is the container's config's to say.
const PODS: &str = "
CREATE TABLE IF NOT EXISTS pods (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    created INTEGER NOT NULL,
    config TEXT NOT NULL
);
";

pub fn open(path: &Path) -> rusqlite::Result<Connection> {
    let conn = Connection::open(path)?;
    // Concurrent CLI processes are normal: wait for a writer rather than fail.
    conn.busy_timeout(Duration::from_secs(30))?;
    use_wal(&conn)?;
    conn.pragma_update(None, "synchronous", "NORMAL")?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    // Every command opens and closes the database once. By default the last one to
    // close checkpoints the WAL into the database and deletes it, and the next one
    // recreates it: three fsyncs per command, which `coracle run` pays twice. Leave
    // checkpoints to SQLite's automatic ones instead, kept frequent (every 64
    // pages): each open reads the whole WAL to rebuild its index, so it must stay
    // small.
    conn.set_db_config(
        rusqlite::config::DbConfig::SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE,
        true,
    )?;
    conn.pragma_update(None, "wal_autocheckpoint", 64)?;
    migrate(&conn)?;
    Ok(conn)
}

/// Puts a new database in WAL mode. The switch needs the file to itself, and
/// SQLite runs no busy handler for it: commands opening a fresh store at once
/// would fail with "database is locked". So look first (a store already in WAL
/// mode needs no lock: the mode is the file's), then retry for as long as the
/// busy timeout would wait.
fn use_wal(conn: &Connection) -> rusqlite::Result<()> {
    let mode =
        |c: &Connection| c.pragma_query_value(None, "journal_mode", |r| r.get::<_, String>(0));
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    loop {
        if mode(conn)?.eq_ignore_ascii_case("wal") {
            return Ok(());
        }
        match conn.pragma_update(None, "journal_mode", "WAL") {
            Err(e) if is_busy(&e) && std::time::Instant::now() < deadline => {
                std::thread::sleep(Duration::from_millis(5));
            }
            // Where WAL cannot be had (some network file systems) SQLite keeps
            // the old mode without an error, as before.
            other => return other,
        }
    }
}

fn is_busy(e: &rusqlite::Error) -> bool {
    e.sqlite_error_code() == Some(rusqlite::ErrorCode::DatabaseBusy)
}

/// Brings the schema up to date, one migration per transaction. The version is read
/// again inside each transaction: concurrent commands may race to migrate.
fn migrate(conn: &Connection) -> rusqlite::Result<()> {
    let latest = MIGRATIONS.len() as i32 + 1;
    let version =
        |c: &Connection| c.pragma_query_value(None, "user_version", |r| r.get::<_, i32>(0));
    while version(conn)? < latest {
        conn.execute_batch("BEGIN IMMEDIATE")?;
        let current = version(conn)?.max(1);
        let step = if current >= latest {
            Ok(())
        } else {
            conn.execute_batch(&format!(
                "{} PRAGMA user_version = {};",
                MIGRATIONS[current as usize - 1],
                current + 1
            ))
        };
        match step {
            Ok(()) => conn.execute_batch("COMMIT")?,
            Err(e) => {
                let _ = conn.execute_batch("ROLLBACK");
                return Err(e);
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn many_commands_open_a_fresh_store_at_once() {
        for _ in 0..10 {
            let dir = tempfile::tempdir().unwrap();
            let path = dir.path().join("db.sqlite");
            let opens: Vec<_> = (0..16)
                .map(|_| {
                    let path = path.clone();
                    std::thread::spawn(move || super::open(&path).map(|_| ()))
                })
                .collect();
            for open in opens {
                open.join()
                    .unwrap()
                    .expect("open a fresh store beside others");
            }
        }
    }

    #[test]
    fn a_version_2_database_gains_the_container_state_columns() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("db.sqlite");
        let old = rusqlite::Connection::open(&path).unwrap();
        old.execute_batch(&format!("{} PRAGMA user_version = 2;", super::SCHEMA_V2))
            .unwrap();
        drop(old);
        let conn = super::open(&path).unwrap();
        let version: i32 = conn
            .pragma_query_value(None, "user_version", |r| r.get(0))
            .unwrap();
        assert_eq!(version, super::MIGRATIONS.len() as i32 + 1);
        conn.prepare("SELECT restarts, stop_requested, pid FROM containers")
            .unwrap();
        conn.prepare("SELECT config FROM networks").unwrap();
        conn.prepare("SELECT mac FROM endpoints").unwrap();
        conn.prepare("SELECT volume FROM container_volumes")
            .unwrap();
        conn.prepare("SELECT doc FROM manifest_lists").unwrap();
        drop(conn);
        super::open(&path).unwrap();
    }

    #[test]
    fn a_store_from_before_names_history_starts_it_with_the_present_names() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("db.sqlite");
        let old = rusqlite::Connection::open(&path).unwrap();
        let before = super::MIGRATIONS
            .iter()
            .position(|m| *m == super::NAMES_HISTORY)
            .unwrap();
        old.execute_batch(&format!(
            "{} PRAGMA user_version = {};",
            super::MIGRATIONS[..before].join(""),
            before + 1
        ))
        .unwrap();
        old.execute_batch(
            "INSERT INTO images (id, size, added) VALUES ('a', 0, 0);
             INSERT INTO tags (name, image_id) VALUES ('x/a:1', 'a');",
        )
        .unwrap();
        drop(old);
        let conn = super::open(&path).unwrap();
        let names: String = conn
            .query_row(
                "SELECT group_concat(name) FROM names_history WHERE image_id = 'a'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(names, "x/a:1");
    }
}
