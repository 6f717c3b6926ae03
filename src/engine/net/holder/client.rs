//! A connection to the holder, from a command or a monitor: it keeps the holder
//! (and so the bridges and the user namespace the containers share) alive for
//! as long as it is open, and carries the monitor's attach and detach, and
//! `network connect`'s and `disconnect`'s changes to a running container.

use super::protocol::{AttachRequest, Endpoint, Failure, Reply, Request};
use super::{paths, HolderError};
use nix::sys::socket::{sendmsg, ControlMessage, MsgFlags};
use std::io::{BufRead, BufReader, IoSlice, Write};
use std::os::fd::{AsRawFd, BorrowedFd, OwnedFd};
use std::os::unix::net::UnixStream;
use std::path::Path;
use std::process::{Command, Stdio};

/// An open connection to the holder.
#[derive(Debug)]
pub struct Link {
    stream: UnixStream,
    reader: BufReader<UnixStream>,
    /// The holder's pid: its /proc/PID/ns/user is the namespace to join.
    pub pid: i32,
}

impl Link {
    /// Connects to the holder of `runroot`, starting one if none runs. A holder
    /// that is on its way out (its last user just left) closes the connection
    /// before it answers: then a new one is started.
    pub fn connect(runroot: &Path) -> Result<Link, HolderError> {
        let mut started = false;
        for _ in 0..5 {
            match Link::hello(runroot) {
                Ok(link) => return Ok(link),
                Err(HolderError::NotRunning) if !started => {
                    spawn(runroot)?;
                    started = true;
                }
                Err(HolderError::NotRunning) => started = false,
                Err(e) => return Err(e),
            }
        }
        Err(HolderError::NotRunning)
    }

    /// Connects to the holder of `runroot`, which must run already (as it does
    /// while any container on a bridge runs).
    pub fn existing(runroot: &Path) -> Result<Link, HolderError> {
        Link::hello(runroot)
    }

    /// A connection that a monitor passed on to its own next image (handoff).
    pub fn adopt(fd: OwnedFd, pid: i32) -> Result<Link, HolderError> {
        let stream = UnixStream::from(fd);
        let reader = BufReader::new(stream.try_clone().map_err(io("keep the connection"))?);
        Ok(Link {
            stream,
            reader,
            pid,
        })
    }

    pub fn fd(&self) -> BorrowedFd<'_> {
        use std::os::fd::AsFd;
        self.stream.as_fd()
    }

    fn hello(runroot: &Path) -> Result<Link, HolderError> {
        let stream = match UnixStream::connect(paths::socket(runroot)) {
            Ok(s) => s,
            Err(e) if matches!(e.raw_os_error(), Some(libc::ENOENT | libc::ECONNREFUSED)) => {
                return Err(HolderError::NotRunning)
            }
            Err(e) => return Err(io("connect to the network holder")(e)),
        };
        let reader = BufReader::new(
            stream
                .try_clone()
                .map_err(io("connect to the network holder"))?,
        );
        let mut link = Link {
            stream,
            reader,
            pid: 0,
        };
        match link.ask(&Request::Hello, None) {
            Ok(Reply::Hello { pid }) => {
                link.pid = pid;
                Ok(link)
            }
            Ok(other) => Err(unexpected(other)),
            Err(HolderError::Gone) => Err(HolderError::NotRunning),
            Err(e) => Err(e),
        }
    }

    /// Puts the container whose network namespace is `netns` on the networks
    /// `request` names; returns its interfaces in the order asked.
    pub fn attach(
        &mut self,
        request: AttachRequest,
        netns: BorrowedFd,
    ) -> Result<Vec<Endpoint>, HolderError> {
        match self.ask(&Request::Attach(request), Some(netns))? {
            Reply::Attached(endpoints) => Ok(endpoints),
            other => Err(unexpected(other)),
        }
    }

    /// Takes the container off its networks (the end of a run).
    pub fn detach(&mut self) -> Result<(), HolderError> {
        match self.ask(&Request::Detach, None)? {
            Reply::Detached => Ok(()),
            other => Err(unexpected(other)),
        }
    }

    /// Puts the running container whose network namespace is `netns` on more
    /// networks, as part of what its monitor attached; returns the new
    /// interfaces in the order asked.
    pub fn add_networks(
        &mut self,
        request: AttachRequest,
        netns: BorrowedFd,
    ) -> Result<Vec<Endpoint>, HolderError> {
        match self.ask(&Request::Connect(request), Some(netns))? {
            Reply::Attached(endpoints) => Ok(endpoints),
            other => Err(unexpected(other)),
        }
    }

    /// Takes the running `container` off `network`.
    pub fn remove_network(&mut self, container: &str, network: &str) -> Result<(), HolderError> {
        let request = Request::Disconnect {
            container: container.to_owned(),
            network: network.to_owned(),
        };
        match self.ask(&request, None)? {
            Reply::Detached => Ok(()),
            other => Err(unexpected(other)),
        }
    }

    fn ask(&mut self, request: &Request, fd: Option<BorrowedFd>) -> Result<Reply, HolderError> {
        let mut line =
            serde_json::to_vec(request).map_err(|e| HolderError::Protocol(e.to_string()))?;
        line.push(b'\n');
        match fd {
            Some(fd) => {
                let fds = [fd.as_raw_fd()];
                sendmsg::<()>(
                    self.stream.as_raw_fd(),
                    &[IoSlice::new(&line)],
                    &[ControlMessage::ScmRights(&fds)],
                    MsgFlags::MSG_NOSIGNAL,
                    None,
                )
                .map_err(|e| gone_or(e.into()))?;
            }
            None => self.stream.write_all(&line).map_err(gone_or)?,
        }
        let mut answer = String::new();
        match self.reader.read_line(&mut answer) {
            Ok(0) => return Err(HolderError::Gone),
            Ok(_) => {}
            Err(e) => return Err(gone_or(e)),
        }
        match serde_json::from_str(&answer).map_err(|e| HolderError::Protocol(e.to_string()))? {
            Reply::Error { kind, message } => Err(HolderError::Refused { kind, message }),
            reply => Ok(reply),
        }
    }
}

/// Starts a holder for `runroot` and waits until it listens (its first process
/// exits 0 once its daemon is ready, or says why not on stderr).
fn spawn(runroot: &Path) -> Result<(), HolderError> {
    let exe = std::env::current_exe().map_err(io("find coracle's own binary"))?;
    let out = Command::new(exe)
        .arg("--runroot")
        .arg(runroot)
        .arg(super::COMMAND)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .output()
        .map_err(io("start the network holder"))?;
    if out.status.success() {
        return Ok(());
    }
    let said = String::from_utf8_lossy(&out.stderr);
    let last = said
        .lines()
        .last()
        .unwrap_or("")
        .trim_start_matches("Error: ")
        .trim_start_matches("cannot start the network holder: ");
    Err(HolderError::Start(match last.is_empty() {
        true => out.status.to_string(),
        false => last.to_owned(),
    }))
}

fn unexpected(reply: Reply) -> HolderError {
    HolderError::Protocol(format!("unexpected answer {reply:?}"))
}

/// A broken connection means the holder went away.
fn gone_or(e: std::io::Error) -> HolderError {
    match e.raw_os_error() {
        Some(libc::EPIPE | libc::ECONNRESET) => HolderError::Gone,
        _ => io("talk to the network holder")(e),
    }
}

fn io(what: &'static str) -> impl Fn(std::io::Error) -> HolderError {
    move |source| HolderError::Io { what, source }
}

impl From<Failure> for crate::engine::error::ErrorKind {
    fn from(f: Failure) -> Self {
        use crate::engine::error::ErrorKind;
        match f {
            Failure::Conflict => ErrorKind::Conflict,
            Failure::Invalid => ErrorKind::Invalid,
            Failure::Internal => ErrorKind::Internal,
        }
    }
}
