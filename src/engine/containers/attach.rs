//! The client side of attaching (`attach`, `start -a`): the container's output from
//! its monitor to our stdout and stderr, our stdin to it, our window size and
//! signals passed on, until it exits or the user types the detach keys.

use super::ContainersError;
use crate::engine::monitor::frame::{Decoder, Frame};
use crate::engine::monitor::tty::{caller_terminal, window_size, RawMode};
use crate::engine::monitor::wait::FORWARDED;
use nix::errno::Errno;
use nix::poll::{poll, PollFd, PollFlags, PollTimeout};
use nix::sys::signal::{SigSet, Signal};
use nix::sys::signalfd::{SfdFlags, SignalFd};
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

/// Relays between the caller and the monitor at the other end of `sock`.
pub fn relay(sock: UnixStream, opts: &AttachOptions) -> Result<AttachEnd, ContainersError> {
    let io = |e: std::io::Error| ContainersError::Attach(e.to_string());
    let nix_io = |e: Errno| ContainersError::Attach(e.desc().to_owned());
    let mut set = SigSet::empty();
    set.add(Signal::SIGWINCH);
    if opts.sig_proxy {
        FORWARDED.iter().for_each(|s| set.add(*s));
    }
    set.thread_block().map_err(nix_io)?;
    let signals = SignalFd::with_flags(&set, SfdFlags::SFD_NONBLOCK).map_err(nix_io)?;
    let _raw = match opts.tty && opts.stdin {
        true => RawMode::enter().map_err(nix_io)?,
        false => None,
    };
    let mut sock_w = sock.try_clone().map_err(io)?;
    if opts.tty {
        send_size(&mut sock_w);
    }
    let mut keys = DetachMatcher::new(&opts.detach_keys, opts.tty && opts.stdin);
    let mut decoder = Decoder::default();
    let mut stdin_open = opts.stdin;
    let stdin = std::io::stdin();
    let mut buf = [0u8; 16384];
    loop {
        let mut fds = vec![
            PollFd::new(signals.as_fd(), PollFlags::POLLIN),
            PollFd::new(sock.as_fd(), PollFlags::POLLIN),
        ];
        if stdin_open {
            fds.push(PollFd::new(stdin.as_fd(), PollFlags::POLLIN));
        }
        match poll(&mut fds, PollTimeout::NONE) {
            Err(Errno::EINTR) => continue,
            r => r.map_err(nix_io)?,
        };
        let ready: Vec<bool> = fds
            .iter()
            .map(|f| !f.revents().unwrap_or(PollFlags::empty()).is_empty())
            .collect();
        drop(fds);
        if ready[0] {
            while let Ok(Some(info)) = signals.read_signal() {
                let frame = match Signal::try_from(info.ssi_signo as i32) {
                    Ok(Signal::SIGWINCH) => {
                        send_size(&mut sock_w);
                        continue;
                    }
                    _ => Frame::Signal(info.ssi_signo as i32),
                };
                let _ = sock_w.write_all(&frame.encode());
            }
        }
        if ready[1] {
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
                    Frame::Stdout(d) => write_out(&mut std::io::stdout().lock(), &d),
                    Frame::Stderr(d) => write_out(&mut std::io::stderr().lock(), &d),
                    Frame::Exit(code) => return Ok(AttachEnd::Exited(code)),
                    _ => {}
                }
            }
        }
        if stdin_open && ready[2] {
            let n = match nix::unistd::read(stdin.as_raw_fd(), &mut buf) {
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

fn send_size(sock: &mut UnixStream) {
    if let Some(size) = caller_terminal().and_then(window_size) {
        let frame = Frame::Resize {
            rows: size.ws_row,
            cols: size.ws_col,
        };
        let _ = sock.write_all(&frame.encode());
    }
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
