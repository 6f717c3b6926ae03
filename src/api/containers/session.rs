//! Where an attach and the requests meant for it meet. Every request is a
//! process of its own, so Docker's `run` (attach, then start in another
//! request) needs a rendezvous for no output to be lost: the attach process
//! listens on a socket under the run root named for the container; the start
//! request, finding it, asks it to start the container with its client
//! attached and waits for its answer; resize requests reach the attached
//! session the same way.
//!
//! One line each way: `start` or `resize ROWS COLS`, answered `ok` or with
//! Docker's error as `{"status":…,"message":…}`.

use super::super::error::Error;
use crate::engine::monitor::socket;
use crate::engine::streams::{Control, Controls, Session as Relayed};
use nix::poll::{poll, PollFd, PollFlags, PollTimeout};
use std::io::{BufRead, BufReader, Write};
use std::os::fd::{AsFd, BorrowedFd};
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// How long a request waits for the attach process to answer a start: the
/// whole of a container's start, monitor included.
const ANSWER_TIMEOUT: Duration = Duration::from_secs(120);

fn dir(run_root: &Path) -> PathBuf {
    run_root.join("api-attach")
}

fn name(id: &str) -> String {
    format!("{id}.sock")
}

/// The attach process's end; removes its socket when dropped.
pub struct Session {
    listener: UnixListener,
    path: PathBuf,
    /// The start request's connection, answered once the relay begins.
    start: Option<UnixStream>,
    /// A size asked for before the start, for the pty from the first.
    size: Option<(u16, u16)>,
    pending: Vec<Control>,
}

/// What came to the session while its client waited.
pub enum Waited {
    /// A start request: answer it through the returned connection if the
    /// start fails.
    Start(UnixStream),
    /// The client hung up first.
    Gone,
}

impl Session {
    /// Listens for container `id`; a live session of another attach is a
    /// conflict, a dead one's socket is replaced.
    pub fn bind(run_root: &Path, id: &str) -> Result<Session, Error> {
        let (dir, name) = (dir(run_root), name(id));
        std::fs::create_dir_all(&dir)?;
        let path = dir.join(&name);
        if socket::connect_in(&dir, &name).is_ok() {
            return Err(Error::new(
                409,
                "another client is already attached and waiting for this container to start",
            ));
        }
        let listener = socket::bind_in(&dir, &name)?;
        Ok(Session {
            listener,
            path,
            start: None,
            size: None,
            pending: Vec::new(),
        })
    }

    /// Serves resizes until a start request comes or `client` hangs up.
    pub fn wait_for_start(&mut self, client: BorrowedFd) -> Result<Waited, Error> {
        loop {
            // No events asked of the client: only its hang-up (both halves
            // closed) wakes us; its input stays unread for the container.
            let mut fds = [
                PollFd::new(self.listener.as_fd(), PollFlags::POLLIN),
                PollFd::new(client, PollFlags::empty()),
            ];
            match poll(&mut fds, PollTimeout::NONE) {
                Err(nix::errno::Errno::EINTR) => continue,
                r => r.map_err(|e| Error::new(500, e.desc()))?,
            };
            if fds[1].revents().is_some_and(|r| !r.is_empty()) {
                return Ok(Waited::Gone);
            }
            let Ok((conn, _)) = self.listener.accept() else {
                continue;
            };
            match read_request(&conn) {
                Some(Request::Start) => {
                    let answer = conn.try_clone()?;
                    self.start = Some(conn);
                    return Ok(Waited::Start(answer));
                }
                Some(Request::Resize(rows, cols)) => {
                    self.size = Some((rows, cols));
                    answer(&conn, Ok(()));
                }
                None => {}
            }
        }
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

impl Controls for Session {
    /// The container runs: the start request is answered.
    fn begin(&mut self, _session: Relayed) -> std::io::Result<()> {
        if let Some(conn) = self.start.take() {
            answer(&conn, Ok(()));
        }
        Ok(())
    }

    fn fd(&self) -> Option<BorrowedFd<'_>> {
        Some(self.listener.as_fd())
    }

    fn take(&mut self) -> Vec<Control> {
        if let Ok((conn, _)) = self.listener.accept() {
            match read_request(&conn) {
                Some(Request::Resize(rows, cols)) => {
                    self.pending.push(Control::Resize { rows, cols });
                    answer(&conn, Ok(()));
                }
                Some(Request::Start) => answer(
                    &conn,
                    Err(&Error::new(304, "the container is already started")),
                ),
                None => {}
            }
        }
        std::mem::take(&mut self.pending)
    }

    fn size(&self) -> Option<(u16, u16)> {
        self.size
    }
}

enum Request {
    Start,
    Resize(u16, u16),
}

fn read_request(conn: &UnixStream) -> Option<Request> {
    let _ = conn.set_read_timeout(Some(Duration::from_secs(5)));
    let mut line = String::new();
    BufReader::new(conn).read_line(&mut line).ok()?;
    let words: Vec<&str> = line.split_whitespace().collect();
    match words.as_slice() {
        ["start"] => Some(Request::Start),
        ["resize", rows, cols] => Some(Request::Resize(rows.parse().ok()?, cols.parse().ok()?)),
        _ => None,
    }
}

/// Answers a request: `ok`, or the error.
pub fn answer(mut conn: &UnixStream, result: Result<(), &Error>) {
    let line = match result {
        Ok(()) => "ok".to_owned(),
        Err(e) => serde_json::json!({ "status": e.status, "message": e.message }).to_string(),
    };
    let _ = conn.write_all(format!("{line}\n").as_bytes());
}

/// Sends `request` to the session of container `id`, if one listens, and
/// returns its answer; `None` when there is no session to answer.
pub fn ask(run_root: &Path, id: &str, request: &str) -> Option<Result<(), Error>> {
    let mut conn = socket::connect_in(&dir(run_root), &name(id)).ok()?;
    conn.write_all(format!("{request}\n").as_bytes()).ok()?;
    let _ = conn.set_read_timeout(Some(ANSWER_TIMEOUT));
    let mut line = String::new();
    let _ = BufReader::new(&conn).read_line(&mut line);
    Some(match line.trim() {
        "ok" => Ok(()),
        // The session ended unanswered (its client hung up as we came): as
        // if there were none.
        "" => return None,
        text => {
            let v: serde_json::Value = serde_json::from_str(text).unwrap_or_default();
            Err(Error::new(
                v["status"].as_u64().unwrap_or(500) as u16,
                v["message"].as_str().unwrap_or(text),
            ))
        }
    })
}
