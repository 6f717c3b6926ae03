//! The metadata database. One SQLite file in WAL mode: readers never block the
//! writer, and every change is one transaction, so concurrent coracle processes and a
//! kill -9 at any point leave it consistent.

use rusqlite::Connection;
use std::path::Path;
use std::time::Duration;

const SCHEMA_VERSION: i32 = 3;

const SCHEMA: &str = "
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
CREATE TABLE IF NOT EXISTS build_cache (
    parent TEXT NOT NULL,              -- image ID the step ran on, or 'scratch'
    key TEXT NOT NULL,                 -- the step after expansion, plus what it read
    image_id TEXT NOT NULL REFERENCES images(id) ON DELETE CASCADE,
    created INTEGER NOT NULL,          -- unix seconds
    PRIMARY KEY (parent, key)
);
CREATE INDEX IF NOT EXISTS build_cache_by_image ON build_cache(image_id);
";

pub fn open(path: &Path) -> rusqlite::Result<Connection> {
    let conn = Connection::open(path)?;
    // Concurrent CLI processes are normal: wait for a writer rather than fail.
    conn.busy_timeout(Duration::from_secs(30))?;
    conn.pragma_update(None, "journal_mode", "WAL")?;
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
    let version: i32 = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
    if version < SCHEMA_VERSION {
        conn.execute_batch(&format!(
            "BEGIN IMMEDIATE; {SCHEMA} PRAGMA user_version = {SCHEMA_VERSION}; COMMIT;"
        ))?;
    }
    Ok(conn)
}
