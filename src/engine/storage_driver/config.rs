//! storage.conf, read as containers/storage reads it: `CONTAINERS_STORAGE_CONF`
//! when set, else (rootless) the user's own file when it exists, else the
//! system's. Only the driver and overlay's mount program are taken from it.

use super::{Driver, Storage, StorageDriverError};
use serde::Deserialize;
use std::path::{Path, PathBuf};

#[derive(Deserialize, Default)]
struct File {
    #[serde(default)]
    storage: Section,
}

#[derive(Deserialize, Default)]
struct Section {
    driver: Option<String>,
    #[serde(default)]
    options: Options,
}

#[derive(Deserialize, Default)]
struct Options {
    /// The older place for it, still read by containers/storage.
    mount_program: Option<PathBuf>,
    #[serde(default)]
    overlay: OverlayOptions,
}

#[derive(Deserialize, Default)]
struct OverlayOptions {
    mount_program: Option<PathBuf>,
}

const SYSTEM_FILES: [&str; 2] = [
    "/etc/containers/storage.conf",
    "/usr/share/containers/storage.conf",
];

/// What storage.conf asks for, if it names a driver.
pub fn load(rootless: bool) -> Result<Option<Storage>, StorageDriverError> {
    match file(rootless, |k| std::env::var_os(k).map(PathBuf::from)) {
        Some(path) => read(&path),
        None => Ok(None),
    }
}

/// The one file containers/storage reads: the first of these that exists.
fn file(rootless: bool, env: impl Fn(&str) -> Option<PathBuf>) -> Option<PathBuf> {
    if let Some(only) = env("CONTAINERS_STORAGE_CONF") {
        return Some(only);
    }
    let user = rootless
        .then(|| env("XDG_CONFIG_HOME").or_else(|| env("HOME").map(|h| h.join(".config"))))
        .flatten()
        .map(|c| c.join("containers/storage.conf"));
    user.into_iter()
        .chain(SYSTEM_FILES.iter().map(PathBuf::from))
        .find(|p| p.is_file())
}

fn read(path: &Path) -> Result<Option<Storage>, StorageDriverError> {
    let failed = |message: String| StorageDriverError::Config {
        path: path.to_owned(),
        message,
    };
    let text = std::fs::read_to_string(path).map_err(|e| failed(e.to_string()))?;
    let file: File = toml::from_str(&text).map_err(|e| failed(e.message().to_owned()))?;
    let section = file.storage;
    let Some(name) = section.driver.filter(|d| !d.is_empty()) else {
        return Ok(None);
    };
    let driver = Driver::parse(&name)?;
    let mount_program = section
        .options
        .overlay
        .mount_program
        .or(section.options.mount_program)
        .filter(|_| driver == Driver::Overlay);
    Ok(Some(Storage {
        driver,
        mount_program,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parsed(text: &str) -> Result<Option<Storage>, StorageDriverError> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("storage.conf");
        std::fs::write(&path, text).unwrap();
        read(&path)
    }

    #[test]
    fn the_driver_and_overlays_mount_program_are_read() {
        let storage = parsed(
            "[storage]\ndriver = \"overlay\"\n[storage.options.overlay]\nmount_program = \"/usr/bin/fuse-overlayfs\"\n",
        )
        .unwrap()
        .unwrap();
        assert_eq!(storage.driver, Driver::Overlay);
        assert_eq!(
            storage.mount_program.as_deref(),
            Some(Path::new("/usr/bin/fuse-overlayfs"))
        );
    }

    #[test]
    fn no_driver_leaves_the_choice_open() {
        assert!(parsed("[storage]\ndriver = \"\"\n").unwrap().is_none());
        assert!(parsed("").unwrap().is_none());
    }

    #[test]
    fn an_unknown_driver_is_refused() {
        assert!(matches!(
            parsed("[storage]\ndriver = \"zfs\"\n"),
            Err(StorageDriverError::Unknown(_))
        ));
    }

    #[test]
    fn the_users_file_replaces_the_systems_and_the_variable_replaces_both() {
        let dir = tempfile::tempdir().unwrap();
        let user = dir.path().join("containers/storage.conf");
        std::fs::create_dir_all(user.parent().unwrap()).unwrap();
        std::fs::write(&user, "").unwrap();
        let home = |k: &str| (k == "XDG_CONFIG_HOME").then(|| dir.path().to_owned());
        assert_eq!(file(true, home), Some(user));
        let only = |k: &str| (k == "CONTAINERS_STORAGE_CONF").then(|| PathBuf::from("/x.conf"));
        assert_eq!(file(true, only), Some(PathBuf::from("/x.conf")));
    }
}
