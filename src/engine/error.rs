//! What went wrong, by kind: the CLI maps kinds to exit codes, the API server to
//! HTTP status codes. Every module keeps its own error type and says which kind
//! each of its errors is; the engine's interface returns them as one `Error`.

use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// No such container, image, network, volume...
    NotFound,
    /// The thing is in a state that forbids this (running, in use, exists).
    Conflict,
    /// The caller asked for something malformed or impossible.
    Invalid,
    /// The system refuses us (permissions, missing privileges or kernel support).
    NotPermitted,
    /// Our own failure, or the world's (disk, network, a broken store).
    Internal,
}

/// A module's error that knows its kind.
pub trait Kinded: std::error::Error + Send + Sync + 'static {
    fn kind(&self) -> ErrorKind;

    /// Docker's exit code when the failure was the container's command's, not
    /// ours: 126 (cannot be run), 127 (not found), or a failed build step's code.
    fn command_code(&self) -> Option<i32> {
        None
    }
}

/// An error from the engine's interface: a module's error with its kind.
pub struct Error {
    kind: ErrorKind,
    command_code: Option<i32>,
    inner: Box<dyn std::error::Error + Send + Sync>,
}

impl Error {
    pub fn new(
        kind: ErrorKind,
        inner: impl Into<Box<dyn std::error::Error + Send + Sync>>,
    ) -> Error {
        Error {
            kind,
            command_code: None,
            inner: inner.into(),
        }
    }

    pub fn kind(&self) -> ErrorKind {
        self.kind
    }

    /// See [`Kinded::command_code`].
    pub fn command_code(&self) -> Option<i32> {
        self.command_code
    }
}

impl<E: Kinded> From<E> for Error {
    fn from(e: E) -> Error {
        Error {
            kind: e.kind(),
            command_code: e.command_code(),
            inner: Box::new(e),
        }
    }
}

// Transparent: the module's error speaks for itself.
impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.inner.fmt(f)
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?} error: {:?}", self.kind, self.inner)
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.inner.source()
    }
}
