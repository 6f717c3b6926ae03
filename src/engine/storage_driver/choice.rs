//! Which driver a store uses. The first command on a new store records its
//! choice in it (what was asked for, else what the probe found to work), and
//! every later one uses that: a store is never opened with another driver, as
//! Podman refuses to.

use super::{config, probe, Driver, Storage, StorageDriverError};
use std::path::{Path, PathBuf};

const RECORD: &str = "storage-driver.json";

/// What the user asked for: `--storage-driver`, else storage.conf. A mount
/// program in storage.conf goes with overlay asked for by the flag too.
pub fn configured(
    flag: Option<&str>,
    rootless: bool,
) -> Result<Option<Storage>, StorageDriverError> {
    let conf = config::load(rootless)?;
    let Some(name) = flag else {
        return Ok(conf);
    };
    let driver = Driver::parse(name)?;
    let mount_program = conf
        .filter(|c| c.driver == driver)
        .and_then(|c| c.mount_program);
    Ok(Some(Storage {
        driver,
        mount_program,
    }))
}

/// The store's driver at `root` (which exists): the recorded one, which must be
/// the one asked for if any; on a new store, the one asked for, else the first
/// that works here, recorded.
pub fn resolve(
    root: &Path,
    wanted: Option<&Storage>,
    rootless: bool,
) -> Result<Storage, StorageDriverError> {
    let path = root.join(RECORD);
    if let Some(recorded) = read(&path)? {
        return match wanted {
            Some(w) if w.driver != recorded.driver => Err(StorageDriverError::Mismatch {
                recorded: recorded.driver.name().to_owned(),
                wanted: w.driver.name().to_owned(),
            }),
            Some(w) if w.mount_program.is_some() => Ok(w.clone()),
            _ => Ok(recorded),
        };
    }
    let storage = match wanted {
        Some(w) => w.clone(),
        None => probe::pick(root, rootless),
    };
    write(&path, &storage)?;
    Ok(storage)
}

fn read(path: &Path) -> Result<Option<Storage>, StorageDriverError> {
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(record_error(path, e)),
    };
    serde_json::from_str(&text)
        .map(Some)
        .map_err(|e| record_error(path, e.into()))
}

/// Written whole under a temporary name and renamed, so that two first
/// commands racing leave one whole record.
fn write(path: &Path, storage: &Storage) -> Result<(), StorageDriverError> {
    let text = serde_json::to_string(storage).map_err(|e| record_error(path, e.into()))?;
    let temp = PathBuf::from(format!("{}.{}", path.display(), std::process::id()));
    std::fs::write(&temp, text)
        .and_then(|()| std::fs::rename(&temp, path))
        .map_err(|e| record_error(path, e))
}

fn record_error(path: &Path, source: std::io::Error) -> StorageDriverError {
    StorageDriverError::Record {
        path: path.to_owned(),
        source,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_store_keeps_the_driver_it_was_made_with() {
        let root = tempfile::tempdir().unwrap();
        let vfs = Storage::new(Driver::Vfs);
        assert_eq!(resolve(root.path(), Some(&vfs), true).unwrap(), vfs);
        assert_eq!(resolve(root.path(), None, true).unwrap(), vfs);
        let overlay = Storage::new(Driver::Overlay);
        let err = resolve(root.path(), Some(&overlay), true).unwrap_err();
        assert_eq!(
            err.to_string(),
            "database storage graph driver \"vfs\" does not match our storage graph driver \"overlay\": \
             database configuration mismatch (use --storage-driver vfs, or remove the store with `coracle system reset`)"
        );
    }
}
