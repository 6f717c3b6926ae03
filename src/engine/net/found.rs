//! The network helpers installed here, for `info` (Podman's `host.pasta` and
//! `host.slirp4netns`): where each is and what its `--version` says.

use serde::Serialize;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

#[derive(Debug, Serialize)]
pub struct FoundHelper {
    pub executable: String,
    pub version: String,
}

/// `name` from PATH, when it is there.
pub fn find(name: &str) -> Option<FoundHelper> {
    let path = search_path(name)?;
    let output = Command::new(&path)
        .arg("--version")
        .stdin(Stdio::null())
        .stderr(Stdio::null())
        .output()
        .ok()?;
    // pasta prints its copyright after the version line.
    let text = String::from_utf8_lossy(&output.stdout);
    Some(FoundHelper {
        executable: path.display().to_string(),
        version: text.lines().next().unwrap_or_default().trim().to_owned(),
    })
}

fn search_path(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(name))
        .find(|p| is_executable(p))
}

fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}
