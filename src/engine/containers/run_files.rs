//! The files a new container leaves for others, as Podman's flags ask:
//! `--cidfile`, `--log-opt path=`, and systemd's notify socket passed in
//! (`--sdnotify=container`).

use super::ContainersError;
use crate::engine::runtime::RuntimeError;
use std::path::Path;

/// Who tells systemd (`NOTIFY_SOCKET`) the container is ready (`--sdnotify`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum SdNotify {
    /// The container's own program, through the socket passed in (the CLI's
    /// default, as Podman's).
    Container,
    /// The monitor, once the container has started.
    Conmon,
    /// Nobody: the API's containers, a build's steps and older records.
    #[default]
    Ignore,
}

impl std::str::FromStr for SdNotify {
    type Err = RuntimeError;

    fn from_str(s: &str) -> Result<SdNotify, RuntimeError> {
        match s {
            "container" => Ok(SdNotify::Container),
            "conmon" => Ok(SdNotify::Conmon),
            "ignore" => Ok(SdNotify::Ignore),
            _ => Err(RuntimeError::Invalid(format!(
                "invalid argument: invalid sdnotify value {s:?}: must be container, conmon or ignore"
            ))),
        }
    }
}

/// Where the container finds systemd's socket (`--sdnotify=container`).
const NOTIFY_SOCKET: &str = "/run/notify/notify.sock";

/// `--sdnotify=container`, as Podman's: the caller's `NOTIFY_SOCKET`, when it
/// has one, bound into the container and named in its environment, so that
/// its program says when it is ready. An abstract socket cannot be bound.
pub fn notify_socket(
    mode: SdNotify,
    env: &mut Vec<String>,
) -> Result<Option<oci_spec::runtime::Mount>, ContainersError> {
    let socket =
        std::env::var_os("NOTIFY_SOCKET").filter(|s| !s.as_encoded_bytes().starts_with(b"@"));
    let Some(socket) = socket.filter(|_| mode == SdNotify::Container) else {
        return Ok(None);
    };
    env.retain(|e| !e.starts_with("NOTIFY_SOCKET="));
    env.push(format!("NOTIFY_SOCKET={NOTIFY_SOCKET}"));
    let mount = oci_spec::runtime::MountBuilder::default()
        .destination(NOTIFY_SOCKET)
        .typ("bind")
        .source(socket)
        .options(vec![
            "rbind".to_owned(),
            "nosuid".to_owned(),
            "nodev".to_owned(),
        ])
        .build()
        .map_err(|e| ContainersError::Invalid(format!("the NOTIFY_SOCKET mount: {e}")))?;
    Ok(Some(mount))
}

/// `--log-opt path=`: the monitor and `logs` reach it through the usual name.
pub fn link_log(dir: &Path, log: &super::log_config::LogConfig) -> Result<(), ContainersError> {
    let Some(path) = log.path.as_ref().filter(|_| log.driver.keeps_file()) else {
        return Ok(());
    };
    let link = dir.join(crate::engine::monitor::LOG_FILE);
    std::os::unix::fs::symlink(path, &link)
        .map_err(|source| ContainersError::Write { path: link, source })
}

/// Created, never overwritten: two containers must not share one file.
pub fn write_cidfile(file: &Path, id: &str) -> Result<(), ContainersError> {
    use std::io::Write;
    std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(file)
        .and_then(|mut f| f.write_all(id.as_bytes()))
        .map_err(|source| ContainersError::Write {
            path: file.to_owned(),
            source,
        })
}
