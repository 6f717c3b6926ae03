//! The names a shell completes (`coracle rm <TAB>`). Read straight from the
//! metadata database, read-only: no user namespace, no migration, no store made
//! where there is none, so a tab press costs a few milliseconds.

use super::secrets::record::SecretRecord;
use super::store::StoreError;
use rusqlite::{Connection, OpenFlags};
use std::path::Path;
use std::time::Duration;

/// What kind of thing an argument names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NameKind {
    Containers,
    Images,
    Volumes,
    Networks,
    Secrets,
}

/// Names, and the full IDs of the things that have them (containers, images).
#[derive(Debug, Default)]
pub struct Names {
    pub names: Vec<String>,
    pub ids: Vec<String>,
}

pub fn names(root: &Path, kind: NameKind) -> Result<Names, StoreError> {
    if kind == NameKind::Secrets {
        return Ok(secrets(root));
    }
    let db = root.join("db.sqlite");
    if !db.exists() {
        return Ok(Names::default());
    }
    let conn = Connection::open_with_flags(&db, OpenFlags::SQLITE_OPEN_READ_ONLY)?;
    // A writer holds the database only for a transaction's length; a tab press
    // should not hang behind a long one, so wait briefly.
    conn.busy_timeout(Duration::from_millis(200))?;
    let (names, ids) = match kind {
        NameKind::Containers => (
            "SELECT name FROM containers ORDER BY name",
            Some("SELECT id FROM containers"),
        ),
        NameKind::Images => (
            "SELECT name FROM tags ORDER BY name",
            Some("SELECT id FROM images"),
        ),
        NameKind::Volumes => ("SELECT name FROM volumes ORDER BY name", None),
        NameKind::Networks => ("SELECT name FROM networks ORDER BY name", None),
        NameKind::Secrets => unreachable!("secrets are read above"),
    };
    Ok(Names {
        names: column(&conn, names)?,
        ids: ids
            .map(|q| column(&conn, q))
            .transpose()?
            .unwrap_or_default(),
    })
}

fn column(conn: &Connection, query: &str) -> rusqlite::Result<Vec<String>> {
    let mut stmt = conn.prepare(query)?;
    let rows = stmt.query_map([], |r| r.get(0))?;
    rows.collect()
}

/// The file driver's records (see secrets/store.rs); none when it has none.
fn secrets(root: &Path) -> Names {
    let records: Vec<SecretRecord> = std::fs::read(root.join("secrets/secrets.json"))
        .ok()
        .and_then(|bytes| serde_json::from_slice(&bytes).ok())
        .unwrap_or_default();
    Names {
        names: records.into_iter().map(|r| r.name).collect(),
        ids: Vec::new(),
    }
}
