//! The caller's end of a container's stdio, whatever it is: the CLI's own
//! terminal, pipes or files, or an API client's socket. The engine relays bytes
//! between these and the container; raw mode, window sizes and signals are the
//! caller's business and reach the engine as `Control`s.

use std::io::Write;
use std::os::fd::{BorrowedFd, OwnedFd};

pub struct Streams {
    /// Input for the container (`-i`). A descriptor, because it is polled beside
    /// the container's output: a terminal, pipe, file or socket.
    pub stdin: Option<OwnedFd>,
    pub stdout: Box<dyn Write + Send>,
    pub stderr: Box<dyn Write + Send>,
    /// Window sizes and signals from the caller, when it has any to give.
    pub controls: Option<Box<dyn Controls>>,
}

/// Something the caller asks of the container besides input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Control {
    /// The caller's terminal has this size now (rows, columns).
    Resize { rows: u16, cols: u16 },
    /// Pass this signal on to the container (Docker's sig-proxy).
    Signal(i32),
}

/// A source of controls that a relay polls beside the streams.
pub trait Controls: Send {
    /// Readable when controls are waiting.
    fn fd(&self) -> BorrowedFd<'_>;
    /// The controls waiting now.
    fn take(&mut self) -> Vec<Control>;
    /// The terminal size to start with (rows, columns), if the caller has one.
    fn size(&self) -> Option<(u16, u16)>;
}
