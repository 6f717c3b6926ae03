//! The caller's end of a container's stdio, whatever it is: the CLI's own
//! terminal, pipes or files, or an API client's socket. The engine relays bytes
//! between these and the container; raw mode, window sizes and signals are the
//! caller's business and reach the engine as `Control`s.

use std::io::Write;
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};

pub struct Streams {
    /// Input for the container (`-i`). A descriptor, because it is polled beside
    /// the container's output (and may be handed to the container as it is): a
    /// terminal, pipe, file or socket.
    pub stdin: Option<OwnedFd>,
    pub stdout: Output,
    pub stderr: Output,
    /// Window sizes and signals from the caller, when it has any to give.
    pub controls: Option<Box<dyn Controls>>,
}

/// Where the container's output goes.
pub enum Output {
    /// A descriptor, which a container's process may be given to write to itself
    /// (a foreground `run --rm`, an `exec` without `-t`): nothing to relay.
    Fd(std::fs::File),
    /// Anything else; the engine relays into it.
    Writer(Box<dyn Write + Send>),
}

impl Output {
    pub fn fd(fd: OwnedFd) -> Output {
        Output::Fd(fd.into())
    }

    /// The descriptor to hand a process, if this is one.
    pub fn as_fd(&self) -> Option<BorrowedFd<'_>> {
        match self {
            Output::Fd(file) => Some(file.as_fd()),
            Output::Writer(_) => None,
        }
    }
}

impl Write for Output {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        match self {
            Output::Fd(file) => file.write(buf),
            Output::Writer(w) => w.write(buf),
        }
    }

    fn flush(&mut self) -> std::io::Result<()> {
        match self {
            Output::Fd(file) => file.flush(),
            Output::Writer(w) => w.flush(),
        }
    }
}

/// Something the caller asks of the container besides input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Control {
    /// The caller's terminal has this size now (rows, columns).
    Resize { rows: u16, cols: u16 },
    /// Pass this signal on to the container (Docker's sig-proxy).
    Signal(i32),
}

/// What a session relays, as the engine tells the caller when it begins.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Session {
    /// The container's side is a terminal.
    pub tty: bool,
    /// The caller's input is passed on.
    pub stdin: bool,
    /// Signals sent to the caller are passed on (Docker's sig-proxy).
    pub signals: bool,
}

/// A source of controls that a relay polls beside the streams.
pub trait Controls: Send {
    /// The relay begins: the caller sets its side up as `session` needs (a
    /// terminal in raw mode, signals caught). Called once the container's
    /// process exists, which must not inherit what the caller blocks.
    fn begin(&mut self, session: Session) -> std::io::Result<()>;
    /// Readable when controls are waiting (once begun).
    fn fd(&self) -> Option<BorrowedFd<'_>>;
    /// The controls waiting now.
    fn take(&mut self) -> Vec<Control>;
    /// The terminal size to start with (rows, columns), if the caller has one.
    fn size(&self) -> Option<(u16, u16)>;
}

/// The signals a relay passes on to the container when the caller asks for
/// Docker's sig-proxy: a caller catches these and hands them over as controls.
pub use crate::engine::monitor::wait::FORWARDED as PROXIED_SIGNALS;
