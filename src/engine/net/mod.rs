//! Containers' networks: the mode a container asks for (mode.rs, and
//! attachments.rs for user-defined networks), the ports it publishes
//! (ports.rs), how it finds names (names.rs, addresses.rs), and, rootless, the
//! helper (pasta or slirp4netns) that connects its namespace to the host's
//! network for as long as it runs. User-defined networks are bridges in the
//! holder's namespace (holder/), made over netlink (link/), with a DNS
//! server on each gateway (dns/).

pub mod addresses;
pub mod attachments;
mod default;
pub mod dns;
pub mod found;
pub mod helper;
pub mod holder;
pub mod link;
pub mod mode;
pub mod names;
pub mod network;
pub mod pasta;
pub mod ports;
mod slirp;

pub use default::default_network;
pub use mode::{Attachment, Network};

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
    /// The helper's binary is not installed.
    #[error("cannot connect the container's network: {helper} is not installed (apt-get install {package}), or use --network none")]
    Missing { helper: String, package: String },
    #[error("cannot connect the container's network: neither pasta nor slirp4netns is installed (apt-get install passt), or use --network none")]
    NoHelper,
    #[error("cannot connect the container's network: cannot open /dev/net/tun: {0} (as root: chmod 0666 /dev/net/tun)")]
    Tun(std::io::Error),
    #[error("cannot connect the container's network: {helper}: {message}")]
    Helper { helper: String, message: String },
    #[error("cannot connect the container's network: {what}: {source}")]
    Io {
        what: &'static str,
        source: std::io::Error,
    },
}

impl Kinded for NetError {
    fn kind(&self) -> ErrorKind {
        match self {
            NetError::Invalid(_) => ErrorKind::Invalid,
            NetError::PortInUse(_) => ErrorKind::Conflict,
            NetError::NotPermitted(_) => ErrorKind::NotPermitted,
            NetError::Bind(_) => ErrorKind::Internal,
            NetError::Missing { .. } | NetError::NoHelper | NetError::Tun(_) => {
                ErrorKind::NotPermitted
            }
            NetError::Helper { .. } | NetError::Io { .. } => ErrorKind::Internal,
        }
    }
}
