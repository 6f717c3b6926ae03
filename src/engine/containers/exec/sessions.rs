//! Exec sessions, as Docker's API has them: made by one request, started by
//! another, inspected by a third. No process lives between those requests, so a
//! session is a record in a file under the run root (written to a temp name and
//! renamed, so a reader never sees half of one). A session is gone with its
//! container: records whose container has been removed are cleared when the
//! next one is made.
//!
//! While its command runs with a terminal, the process running it listens on a
//! datagram socket beside the record, where another request's resize arrives.

use super::super::attach::parse_detach_keys;
use super::super::{join, lookup::lookup, ContainersError};
use super::ExecOptions;
use crate::engine::monitor::socket;
use crate::engine::store::Store;
use crate::engine::streams::{Control, Controls, Session};
use serde::{Deserialize, Serialize};
use std::os::fd::{AsFd, BorrowedFd};
use std::os::unix::net::UnixDatagram;
use std::path::{Path, PathBuf};

/// One session: what to run and how it went.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ExecSession {
    pub id: String,
    pub container_id: String,
    pub opts: ExecOptions,
    /// Which outputs the caller wants relayed (Docker's AttachStdout/-err).
    pub stdout: bool,
    pub stderr: bool,
    pub detach_keys: String,
    pub running: bool,
    /// Set when the command has ended (or could not be started).
    pub exit_code: Option<i32>,
}

/// What a new session is to run.
#[derive(Debug, Clone, Default)]
pub struct ExecConfig {
    pub opts: ExecOptions,
    pub stdout: bool,
    pub stderr: bool,
    pub detach_keys: String,
}

/// The sessions' directory in the run root.
pub fn dir(runroot: &Path) -> PathBuf {
    runroot.join("exec-sessions")
}

/// Records a session for running container `input`; returns it.
pub fn create(
    runroot: &Path,
    store: &Store,
    input: &str,
    config: ExecConfig,
) -> Result<ExecSession, ContainersError> {
    if config.opts.command.is_empty() {
        return Err(ContainersError::Invalid("no exec command specified".into()));
    }
    if let Some(user) = &config.opts.user {
        crate::engine::runtime::user::check_syntax(user)?;
    }
    if !config.detach_keys.is_empty() {
        parse_detach_keys(&config.detach_keys)?;
    }
    let record = lookup(store, input)?;
    join::running_init(&record, input)?;
    clear_orphans(runroot, store);
    let session = ExecSession {
        id: hex_id(),
        container_id: record.id,
        opts: config.opts,
        stdout: config.stdout,
        stderr: config.stderr,
        detach_keys: config.detach_keys,
        running: false,
        exit_code: None,
    };
    save(runroot, &session)?;
    Ok(session)
}

/// The session with ID `id` (the whole ID, as Docker takes it).
pub fn load(runroot: &Path, id: &str) -> Result<ExecSession, ContainersError> {
    let missing = || ContainersError::NoSuchExec(id.to_owned());
    // Anything but an ID never names a file (no `../` into the run root).
    if id.len() != 64 || !id.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(missing());
    }
    let text = std::fs::read(record_path(runroot, id)).map_err(|_| missing())?;
    serde_json::from_slice(&text).map_err(|_| missing())
}

/// Writes the session's record whole, in place of the old one.
pub fn save(runroot: &Path, session: &ExecSession) -> Result<(), ContainersError> {
    let dir = dir(runroot);
    let path = record_path(runroot, &session.id);
    let temp = dir.join(format!(".{}.tmp", session.id));
    let write = || -> std::io::Result<()> {
        std::fs::create_dir_all(&dir)?;
        std::fs::write(&temp, serde_json::to_vec(session)?)?;
        std::fs::rename(&temp, &path)
    };
    write().map_err(|source| ContainersError::Write { path, source })
}

/// Marks the session started, refusing one that runs or has run (Docker
/// starts a session once).
pub fn begin(runroot: &Path, session: &mut ExecSession) -> Result<(), ContainersError> {
    if session.running {
        return Err(ContainersError::Conflict(format!(
            "exec instance {} is already running",
            session.id
        )));
    }
    if session.exit_code.is_some() {
        return Err(ContainersError::Conflict(format!(
            "exec instance {} has already run",
            session.id
        )));
    }
    session.running = true;
    save(runroot, session)
}

/// Records the command's end.
pub fn end(runroot: &Path, session: &mut ExecSession, code: i32) -> Result<(), ContainersError> {
    session.running = false;
    session.exit_code = Some(code);
    save(runroot, session)
}

/// Passes a new terminal size to the process running the session.
pub fn resize(
    runroot: &Path,
    session: &ExecSession,
    rows: u16,
    cols: u16,
) -> Result<(), ContainersError> {
    let not_running = || {
        ContainersError::Conflict(format!(
            "exec instance {} is not running with a terminal",
            session.id
        ))
    };
    if !session.running || !session.opts.tty {
        return Err(not_running());
    }
    let mut message = [0u8; 4];
    message[..2].copy_from_slice(&rows.to_be_bytes());
    message[2..].copy_from_slice(&cols.to_be_bytes());
    socket::send_in(&dir(runroot), &control_name(&session.id), &message).map_err(|_| not_running())
}

/// Where resizes for a running session arrive.
pub struct ResizeSocket {
    sock: UnixDatagram,
    path: PathBuf,
}

impl ResizeSocket {
    pub fn bind(runroot: &Path, id: &str) -> Result<ResizeSocket, ContainersError> {
        let path = dir(runroot).join(control_name(id));
        let sock = socket::bind_datagram_in(&dir(runroot), &control_name(id))
            .and_then(|sock| sock.set_nonblocking(true).map(|()| sock))
            .map_err(|source| ContainersError::Write {
                path: path.clone(),
                source,
            })?;
        Ok(ResizeSocket { sock, path })
    }
}

impl Drop for ResizeSocket {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

impl Controls for ResizeSocket {
    fn begin(&mut self, _session: Session) -> std::io::Result<()> {
        Ok(())
    }

    fn fd(&self) -> Option<BorrowedFd<'_>> {
        Some(self.sock.as_fd())
    }

    fn take(&mut self) -> Vec<Control> {
        let mut controls = Vec::new();
        let mut message = [0u8; 4];
        while let Ok(4) = self.sock.recv(&mut message) {
            controls.push(Control::Resize {
                rows: u16::from_be_bytes([message[0], message[1]]),
                cols: u16::from_be_bytes([message[2], message[3]]),
            });
        }
        controls
    }

    fn size(&self) -> Option<(u16, u16)> {
        None
    }
}

/// Removes the records (and sockets) of sessions whose container is gone.
fn clear_orphans(runroot: &Path, store: &Store) {
    let Ok(entries) = std::fs::read_dir(dir(runroot)) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        let Some(id) = path
            .file_name()
            .and_then(|n| n.to_str())
            .and_then(|n| n.strip_suffix(".json"))
        else {
            continue;
        };
        let gone = load(runroot, id)
            .map(|s| matches!(store.container(&s.container_id), Ok(None)))
            .unwrap_or(true);
        if gone {
            let _ = std::fs::remove_file(&path);
            let _ = std::fs::remove_file(dir(runroot).join(control_name(id)));
        }
    }
}

fn record_path(runroot: &Path, id: &str) -> PathBuf {
    dir(runroot).join(format!("{id}.json"))
}

/// Short, as a socket's path must be (108 bytes with the run root's).
fn control_name(id: &str) -> String {
    format!("{}.ctl", &id[..12])
}

fn hex_id() -> String {
    (0..4)
        .map(|_| format!("{:016x}", rand::random::<u64>()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_round_trip_and_start_once() {
        let run = tempfile::tempdir().unwrap();
        let mut s = ExecSession {
            id: hex_id(),
            container_id: "c".repeat(64),
            opts: ExecOptions {
                command: vec!["true".into()],
                ..ExecOptions::default()
            },
            stdout: true,
            stderr: true,
            detach_keys: String::new(),
            running: false,
            exit_code: None,
        };
        save(run.path(), &s).unwrap();
        begin(run.path(), &mut s).unwrap();
        assert!(load(run.path(), &s.id).unwrap().running);
        assert!(begin(run.path(), &mut s).is_err());
        end(run.path(), &mut s, 3).unwrap();
        let back = load(run.path(), &s.id).unwrap();
        assert_eq!((back.running, back.exit_code), (false, Some(3)));
        assert!(begin(run.path(), &mut s).is_err());
        assert!(matches!(
            load(run.path(), "../../etc/passwd"),
            Err(ContainersError::NoSuchExec(_))
        ));
    }

    #[test]
    fn resizes_reach_the_running_session() {
        let run = tempfile::tempdir().unwrap();
        let id = hex_id();
        std::fs::create_dir_all(dir(run.path())).unwrap();
        let mut sock = ResizeSocket::bind(run.path(), &id).unwrap();
        let s = ExecSession {
            id,
            container_id: String::new(),
            opts: ExecOptions {
                tty: true,
                ..ExecOptions::default()
            },
            stdout: true,
            stderr: true,
            detach_keys: String::new(),
            running: true,
            exit_code: None,
        };
        resize(run.path(), &s, 30, 100).unwrap();
        assert_eq!(
            sock.take(),
            vec![Control::Resize {
                rows: 30,
                cols: 100
            }]
        );
    }
}
