//! The client side of attaching (`attach`, `start -a`, `run -t`): the container's
//! output from its monitor to the caller's streams, the caller's input to it, its
//! window sizes and signals passed on, until it exits or the caller types the
//! detach keys (matched here, as Docker's API matches its detachKeys).

use super::lookup::{config_of, lookup};
use super::ContainersError;
use crate::engine::monitor::frame::{Decoder, Frame};
use crate::engine::monitor::{socket, ATTACH_SOCKET};
use crate::engine::store::containers::{ContainerRecord, Status};
use crate::engine::store::Store;
use crate::engine::streams::{Control, Session, Streams};
use nix::errno::Errno;
use nix::poll::{poll, PollFd, PollFlags, PollTimeout};
use std::io::{Read, Write};
use std::os::fd::{AsFd, AsRawFd};
use std::os::unix::net::UnixStream;

/// Docker's default: ctrl-p ctrl-q.
pub const DEFAULT_DETACH_KEYS: &str = "ctrl-p,ctrl-q";

pub struct AttachOptions {
    /// Pass our stdin on (`-i`, when the container keeps its stdin open).
    pub stdin: bool,
    /// The container has a pty: our terminal goes raw and its size follows ours.
    pub tty: bool,
    /// The sequence that detaches, from `parse_detach_keys`.
    pub detach_keys: Vec<u8>,
    /// Pass the signals a foreground run passes on (Docker's sig-proxy).
    pub sig_proxy: bool,
}

/// What the caller of `attach` or `start -a` asks for; the container's config
/// decides the rest.
#[derive(Debug, Clone)]
pub struct AttachRequest {
    /// Pass the caller's input on, if the container keeps its stdin open.
    pub stdin: bool,
    /// From `parse_detach_keys`.
    pub detach_keys: Vec<u8>,
    /// Pass signals on, if the container has no terminal (with one, keys such
    /// as Ctrl-C travel as input: Docker's rule).
    pub sig_proxy: bool,
}

impl AttachRequest {
    /// The session with container `record`.
    pub fn options(&self, record: &ContainerRecord) -> Result<AttachOptions, ContainersError> {
        let config = config_of(record)?;
        Ok(AttachOptions {
            stdin: self.stdin && config.interactive,
            tty: config.tty,
            detach_keys: self.detach_keys.clone(),
            sig_proxy: self.sig_proxy && !config.tty,
        })
    }
}

#[derive(Debug, PartialEq, Eq)]
pub enum AttachEnd {
    Exited(i32),
    Detached,
}

/// Docker's `--detach-keys` syntax: comma-separated `ctrl-X` or single characters.
pub fn parse_detach_keys(spec: &str) -> Result<Vec<u8>, ContainersError> {
    let invalid = || {
        ContainersError::Invalid(format!(
            "invalid detach keys {spec:?}: use a comma-separated list such as ctrl-p,ctrl-q"
        ))
    };
    spec.split(',')
        .map(|key| match key.strip_prefix("ctrl-") {
            Some(c) if c.len() == 1 => match c.as_bytes()[0].to_ascii_lowercase() {
                b @ b'a'..=b'z' => Ok(b - b'a' + 1),
                b'@' => Ok(0),
                b'[' => Ok(27),
                b'\\' => Ok(28),
                b']' => Ok(29),
                b'^' => Ok(30),
                b'_' => Ok(31),
                _ => Err(invalid()),
            },
            None if key.len() == 1 => Ok(key.as_bytes()[0]),
            _ => Err(invalid()),
        })
        .collect()
}

/// Attaches the caller's `streams` to running container `input` through its
/// monitor, until it exits or the caller detaches.
pub fn attach(
    store: &Store,
    input: &str,
    request: &AttachRequest,
    streams: Streams,
) -> Result<AttachEnd, ContainersError> {
    let record = lookup(store, input)?;
    if !matches!(record.state.status, Status::Running | Status::Paused) {
        return Err(ContainersError::Conflict(
            "you cannot attach to a stopped container, start it first".into(),
        ));
    }
    let opts = request.options(&record)?;
    let sock = socket::connect_in(&store.container_dir(&record.id), ATTACH_SOCKET).map_err(|e| {
        ContainersError::Conflict(format!(
            "cannot attach to container {input}: {e} (a foreground `run --rm` gives its output to its caller alone)"
        ))
    })?;
    store.record(super::events::event(&record, "attach"));
    relay(sock, &opts, streams)
}

/// Relays between the caller's `streams` and the monitor at the other end of
/// `sock`.
pub fn relay(
    sock: UnixStream,
    opts: &AttachOptions,
    mut streams: Streams,
) -> Result<AttachEnd, ContainersError> {
    let io = |e: std::io::Error| ContainersError::Attach(e.to_string());
    let nix_io = |e: Errno| ContainersError::Attach(e.desc().to_owned());
    let session = Session {
        tty: opts.tty,
        stdin: opts.stdin,
        signals: opts.sig_proxy,
    };
    if let Some(controls) = &mut streams.controls {
        controls.begin(session).map_err(io)?;
    }
    let mut sock_w = sock.try_clone().map_err(io)?;
    if opts.tty {
        if let Some((rows, cols)) = streams.controls.as_ref().and_then(|c| c.size()) {
            let _ = sock_w.write_all(&Frame::Resize { rows, cols }.encode());
        }
    }
    let mut keys = DetachMatcher::new(&opts.detach_keys, opts.tty && opts.stdin);
    let mut decoder = Decoder::default();
    let stdin = streams.stdin.take().filter(|_| opts.stdin);
    let mut stdin_open = stdin.is_some();
    let mut buf = [0u8; 16384];
    loop {
        let controls = streams.controls.as_ref().and_then(|c| c.fd());
        let mut fds = vec![PollFd::new(sock.as_fd(), PollFlags::POLLIN)];
        let controls_at = controls.map(|fd| {
            fds.push(PollFd::new(fd, PollFlags::POLLIN));
            fds.len() - 1
        });
        let stdin_at = stdin.as_ref().filter(|_| stdin_open).map(|fd| {
            fds.push(PollFd::new(fd.as_fd(), PollFlags::POLLIN));
            fds.len() - 1
        });
        match poll(&mut fds, PollTimeout::NONE) {
            Err(Errno::EINTR) => continue,
            r => r.map_err(nix_io)?,
        };
        let ready = |at: Option<usize>| {
            at.is_some_and(|i| !fds[i].revents().unwrap_or(PollFlags::empty()).is_empty())
        };
        let (sock_ready, controls_ready, stdin_ready) =
            (ready(Some(0)), ready(controls_at), ready(stdin_at));
        drop(fds);
        if controls_ready {
            for control in streams
                .controls
                .as_mut()
                .map(|c| c.take())
                .unwrap_or_default()
            {
                let frame = match control {
                    Control::Resize { rows, cols } => Frame::Resize { rows, cols },
                    Control::Signal(n) => Frame::Signal(n),
                };
                let _ = sock_w.write_all(&frame.encode());
            }
        }
        if sock_ready {
            let n = (&sock).read(&mut buf).map_err(io)?;
            if n == 0 {
                return Err(ContainersError::Attach(
                    "the container's monitor went away".into(),
                ));
            }
            decoder.push(&buf[..n]);
            while let Some(frame) = decoder
                .next_frame()
                .map_err(|e| ContainersError::Attach(e.to_string()))?
            {
                match frame {
                    Frame::Stdout(d) => write_out(&mut streams.stdout, &d),
                    Frame::Stderr(d) => write_out(&mut streams.stderr, &d),
                    Frame::Exit(code) => return Ok(AttachEnd::Exited(code)),
                    _ => {}
                }
            }
        }
        if let (true, Some(fd)) = (stdin_ready, &stdin) {
            let n = match nix::unistd::read(fd.as_raw_fd(), &mut buf) {
                Ok(n) => n,
                Err(Errno::EINTR | Errno::EAGAIN) => continue,
                Err(_) => 0,
            };
            if n == 0 {
                stdin_open = false;
                let _ = sock_w.write_all(&Frame::StdinEof.encode());
                continue;
            }
            let Some(data) = keys.filter(&buf[..n]) else {
                return Ok(AttachEnd::Detached);
            };
            if !data.is_empty() {
                sock_w.write_all(&Frame::Stdin(data).encode()).map_err(io)?;
            }
        }
    }
}

fn write_out(out: &mut dyn Write, data: &[u8]) {
    let _ = out.write_all(data).and_then(|()| out.flush());
}

/// Holds back input that may be the start of the detach sequence.
struct DetachMatcher<'a> {
    keys: &'a [u8],
    matched: usize,
    active: bool,
}

impl<'a> DetachMatcher<'a> {
    fn new(keys: &'a [u8], active: bool) -> DetachMatcher<'a> {
        DetachMatcher {
            keys,
            matched: 0,
            active: active && !keys.is_empty(),
        }
    }

    /// The input to pass on, or `None` when the sequence is complete.
    fn filter(&mut self, input: &[u8]) -> Option<Vec<u8>> {
        if !self.active {
            return Some(input.to_vec());
        }
        let mut out = Vec::with_capacity(input.len());
        for &b in input {
            if b == self.keys[self.matched] {
                self.matched += 1;
                if self.matched == self.keys.len() {
                    return None;
                }
            } else {
                out.extend_from_slice(&self.keys[..self.matched]);
                self.matched = usize::from(b == self.keys[0]);
                if self.matched == 0 {
                    out.push(b);
                }
            }
        }
        Some(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detach_keys_parse_as_docker_spells_them() {
        assert_eq!(parse_detach_keys("ctrl-p,ctrl-q").unwrap(), [16, 17]);
        assert_eq!(parse_detach_keys("a,ctrl-[").unwrap(), [b'a', 27]);
        assert!(parse_detach_keys("ctrl-").is_err());
        assert!(parse_detach_keys("meta-x").is_err());
    }

    #[test]
    fn the_detach_sequence_is_held_back_until_it_completes_or_breaks() {
        let keys = [16, 17];
        let mut m = DetachMatcher::new(&keys, true);
        assert_eq!(m.filter(b"ab\x10").unwrap(), b"ab");
        assert_eq!(m.filter(b"c").unwrap(), b"\x10c");
        assert_eq!(m.filter(b"\x10\x10").unwrap(), b"\x10");
        assert_eq!(m.filter(b"\x11"), None);
        let mut off = DetachMatcher::new(&keys, false);
        assert_eq!(off.filter(b"\x10\x11").unwrap(), b"\x10\x11");
    }
}
