//! Relaying a hijacked connection to the caller's streams: frames (or raw
//! bytes with a TTY) out to stdout and stderr, the caller's input in, and its
//! window sizes and signals passed on as API calls, as Docker's CLI does.

use super::client::Hijacked;
use super::RemoteError;
use crate::engine::streams::{Control, Session, Streams};
use crate::wire::frames::{self, STDERR};
use nix::poll::{poll, PollFd, PollFlags, PollTimeout};
use std::io::{Read, Write};
use std::net::Shutdown;

/// Relays until the service ends the stream (the process's output is done).
/// `control` passes a resize or a signal on.
pub fn relay(
    conn: Hijacked,
    streams: Streams,
    tty: bool,
    control: impl Fn(Control) + Send + 'static,
) -> Result<(), RemoteError> {
    let Streams {
        stdin,
        mut stdout,
        mut stderr,
        controls,
    } = streams;
    // Set up (raw mode, signals blocked) before any thread starts, so that
    // every thread inherits the blocked signals.
    if let Some(mut controls) = controls {
        controls.begin(Session {
            tty,
            stdin: stdin.is_some(),
            signals: !tty,
        })?;
        if let Some((rows, cols)) = controls.size().filter(|_| tty) {
            control(Control::Resize { rows, cols });
        }
        std::thread::spawn(move || loop {
            let Some(fd) = controls.fd() else { return };
            let mut fds = [PollFd::new(fd, PollFlags::POLLIN)];
            if poll(&mut fds, PollTimeout::NONE).is_err() {
                return;
            }
            controls.take().into_iter().for_each(&control);
        });
    }
    let socket = conn.reader.get_ref().try_clone()?;
    if let Some(stdin) = stdin {
        // Input ends with a half-close, which closes the process's stdin.
        std::thread::spawn(move || {
            let mut input = std::fs::File::from(stdin);
            let mut out = &socket;
            let _ = std::io::copy(&mut input, &mut out);
            let _ = socket.shutdown(Shutdown::Write);
        });
    }
    let mut input = conn.reader;
    if !conn.multiplexed {
        copy_out(&mut input, &mut stdout)?;
        return Ok(());
    }
    while let Some((stream, bytes)) = frames::read_frame(&mut input)? {
        let out = match stream {
            STDERR => &mut stderr,
            _ => &mut stdout,
        };
        out.write_all(&bytes)?;
        out.flush()?;
    }
    Ok(())
}

/// A TTY's raw bytes as they come, flushed at once (a prompt has no newline).
fn copy_out(input: &mut impl Read, out: &mut impl Write) -> std::io::Result<()> {
    let mut buf = [0; 16 * 1024];
    loop {
        let n = input.read(&mut buf)?;
        if n == 0 {
            return Ok(());
        }
        out.write_all(&buf[..n])?;
        out.flush()?;
    }
}
