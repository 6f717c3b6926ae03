//! The built-in init for `run --init`: a static executable embedded in coracle
//! (built from init/coracle-init.rs by build.rs), written once per version to the
//! run root and bind-mounted read-only into the container as its PID 1 (see
//! `runtime::spec`).

use sha2::{Digest, Sha256};
use std::io::Write;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

const BINARY: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/coracle-init"));

/// Where it is kept on the host: named after its content, so that coracle versions
/// never overwrite each other's while their containers run.
pub fn host_path(runroot: &Path) -> PathBuf {
    let digest = hex::encode(Sha256::digest(BINARY));
    runroot
        .join("init")
        .join(format!("coracle-init-{}", &digest[..16]))
}

/// Where it is kept for a container: the run root, shared; a container with a
/// user namespace of its own keeps a copy in its directory, as its root may
/// not be one who can reach the run root (`--userns=auto`).
pub fn home<'a>(runroot: &'a Path, container_dir: &'a Path, own_userns: bool) -> &'a Path {
    match own_userns {
        true => container_dir,
        false => runroot,
    }
}

/// Writes it to `host_path` unless it is there already. Concurrent runs each write
/// a file of their own and rename it into place, so no one sees half a file.
pub fn install(runroot: &Path) -> std::io::Result<PathBuf> {
    let path = host_path(runroot);
    if path.exists() {
        return Ok(path);
    }
    let dir = runroot.join("init");
    std::fs::create_dir_all(&dir)?;
    let temp = dir.join(format!(".coracle-init-{}", std::process::id()));
    let written = write_executable(&temp).and_then(|()| std::fs::rename(&temp, &path));
    if written.is_err() {
        let _ = std::fs::remove_file(&temp);
    }
    written.map(|()| path)
}

/// Any user the container runs as must be able to run it, whatever the umask.
fn write_executable(path: &Path) -> std::io::Result<()> {
    let mut file = std::fs::File::create(path)?;
    file.write_all(BINARY)?;
    file.set_permissions(std::fs::Permissions::from_mode(0o755))?;
    file.sync_all()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn install_writes_an_executable_once() {
        let runroot = tempfile::tempdir().unwrap();
        let path = install(runroot.path()).unwrap();
        assert_eq!(path, host_path(runroot.path()));
        assert_eq!(std::fs::read(&path).unwrap(), BINARY);
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o755);
        assert_eq!(install(runroot.path()).unwrap(), path);
        let names = std::fs::read_dir(runroot.path().join("init")).unwrap();
        assert_eq!(names.count(), 1);
    }
}
