//! Containers' networks: the mode a container asks for (mode.rs), the ports it
//! publishes (ports.rs), how it finds names (names.rs, addresses.rs), and, rootless, the helper (pasta or slirp4netns) that
//! connects its namespace to the host's network for as long as it runs.

pub mod addresses;
pub mod mode;
pub mod names;
pub mod ports;

pub use mode::Network;

use crate::engine::error::{ErrorKind, Kinded};

#[derive(Debug, thiserror::Error)]
pub enum NetError {
    /// A malformed or impossible request (a bad `--network`, `-p`, `--dns`).
    #[error("{0}")]
    Invalid(String),
    /// A host port to publish is taken.
    #[error("{0}")]
    PortInUse(String),
    /// The host will not let us listen on a port (a privileged one, rootless).
    #[error("{0}")]
    NotPermitted(String),
    /// Listening on a host port failed otherwise.
    #[error("{0}")]
    Bind(String),
}

impl Kinded for NetError {
    fn kind(&self) -> ErrorKind {
        match self {
            NetError::Invalid(_) => ErrorKind::Invalid,
            NetError::PortInUse(_) => ErrorKind::Conflict,
            NetError::NotPermitted(_) => ErrorKind::NotPermitted,
            NetError::Bind(_) => ErrorKind::Internal,
        }
    }
}
