//! The file driver's store, under the graph root: `secrets/secrets.json` (the
//! records) and `secrets/filedriver/ID` (each secret's data), the directories
//! 0700 and the files 0600, so that only the caller reads them. Every change
//! holds `secrets/lock`, as concurrent commands are normal.

use super::record::{CreateOptions, FILE_DRIVER};
use super::{SecretRecord, SecretsError};
use crate::engine::store::lock::{Kind, Lock};
use std::fs::{DirBuilder, OpenOptions};
use std::io::Write;
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
use std::path::{Path, PathBuf};

pub struct SecretStore {
    dir: PathBuf,
}

impl SecretStore {
    /// The store under `graph_root`, made on first use.
    pub fn open(graph_root: &Path) -> Result<SecretStore, SecretsError> {
        let dir = graph_root.join("secrets");
        DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(dir.join("filedriver"))
            .map_err(SecretsError::io(format!("cannot create {}", dir.display())))?;
        Ok(SecretStore { dir })
    }

    /// Where the data lives, as Podman's inspect says (`Spec.Driver.Options.path`).
    pub fn data_dir(&self) -> PathBuf {
        self.dir.join("filedriver")
    }

    fn lock(&self, kind: Kind) -> Result<Lock, SecretsError> {
        Lock::acquire(&self.dir.join("lock"), kind)
            .map_err(|e| SecretsError::Invalid(format!("cannot lock the secrets: {e}")))
    }

    /// Every secret, oldest first.
    pub fn list(&self) -> Result<Vec<SecretRecord>, SecretsError> {
        let _lock = self.lock(Kind::Shared)?;
        self.load()
    }

    fn load(&self) -> Result<Vec<SecretRecord>, SecretsError> {
        let path = self.dir.join("secrets.json");
        match std::fs::read(&path) {
            Ok(bytes) => {
                let mut records: Vec<SecretRecord> =
                    serde_json::from_slice(&bytes).map_err(|e| {
                        SecretsError::Invalid(format!("{} is damaged: {e}", path.display()))
                    })?;
                records
                    .iter_mut()
                    .for_each(|r| r.data_dir = self.data_dir());
                Ok(records)
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Vec::new()),
            Err(e) => Err(SecretsError::io(format!("cannot read {}", path.display()))(
                e,
            )),
        }
    }

    fn save(&self, records: &[SecretRecord]) -> Result<(), SecretsError> {
        let json =
            serde_json::to_vec_pretty(records).map_err(|e| SecretsError::Invalid(e.to_string()))?;
        write_private(&self.dir.join("secrets.json"), &json)
    }

    /// The secret named `name_or_id`: its name, its ID, or a unique prefix of it.
    pub fn lookup(&self, name_or_id: &str) -> Result<SecretRecord, SecretsError> {
        let _lock = self.lock(Kind::Shared)?;
        find(&self.load()?, name_or_id).cloned()
    }

    /// The secret and its data.
    pub fn read(&self, name_or_id: &str) -> Result<(SecretRecord, Vec<u8>), SecretsError> {
        let _lock = self.lock(Kind::Shared)?;
        let record = find(&self.load()?, name_or_id)?.clone();
        let path = self.data_dir().join(&record.id);
        let data = std::fs::read(&path)
            .map_err(SecretsError::io(format!("cannot read {}", path.display())))?;
        Ok((record, data))
    }

    /// Stores a new secret; returns its ID.
    pub fn create(&self, opts: &CreateOptions, data: &[u8]) -> Result<String, SecretsError> {
        opts.validate(data)?;
        let _lock = self.lock(Kind::Exclusive)?;
        let mut records = self.load()?;
        if records.iter().any(|r| r.name == opts.name) {
            return Err(SecretsError::Exists(opts.name.clone()));
        }
        let id = hex::encode(rand::random::<[u8; 13]>())[..25].to_owned();
        // The data first: a record never names data that is not there.
        write_private(&self.data_dir().join(&id), data)?;
        let now = chrono::Utc::now();
        records.push(SecretRecord {
            id: id.clone(),
            name: opts.name.clone(),
            driver: FILE_DRIVER.into(),
            created: now,
            updated: now,
            labels: opts.labels.iter().cloned().collect(),
            data_dir: self.data_dir(),
        });
        self.save(&records)?;
        Ok(id)
    }

    /// Removes the secret; returns its ID.
    pub fn remove(&self, name_or_id: &str) -> Result<String, SecretsError> {
        let _lock = self.lock(Kind::Exclusive)?;
        let mut records = self.load()?;
        let id = find(&records, name_or_id)?.id.clone();
        records.retain(|r| r.id != id);
        self.save(&records)?;
        let path = self.data_dir().join(&id);
        match std::fs::remove_file(&path) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(SecretsError::io(format!(
                "cannot remove {}",
                path.display()
            ))(e)),
            _ => Ok(id),
        }
    }
}

fn find<'a>(
    records: &'a [SecretRecord],
    name_or_id: &str,
) -> Result<&'a SecretRecord, SecretsError> {
    let not_found = || SecretsError::NotFound(name_or_id.to_owned());
    if let Some(r) = records
        .iter()
        .find(|r| r.name == name_or_id || r.id == name_or_id)
    {
        return Ok(r);
    }
    let mut prefixed = records.iter().filter(|r| r.id.starts_with(name_or_id));
    match (prefixed.next(), prefixed.next()) {
        (Some(r), None) if !name_or_id.is_empty() => Ok(r),
        _ => Err(not_found()),
    }
}

/// Written to a temporary name, 0600 from the start, then renamed: a crash
/// never leaves a half file, and nobody else ever reads one.
fn write_private(path: &Path, bytes: &[u8]) -> Result<(), SecretsError> {
    let tmp = path.with_extension("tmp");
    let failed = SecretsError::io(format!("cannot write {}", path.display()));
    let written = OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(&tmp)
        .and_then(|mut f| f.write_all(bytes).and_then(|()| f.sync_all()))
        .and_then(|()| std::fs::rename(&tmp, path));
    written.map_err(failed)
}
