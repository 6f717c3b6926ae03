//! The holder: the one process that the containers on user-defined networks
//! share (Podman's pause process and aardvark-dns in one).
//!
//! Rootless, a veth end can only be moved into a network namespace owned by the
//! user namespace the mover is in, and each coracle command enters a fresh one
//! of its own. So containers on bridges all live in the holder's user
//! namespace; the holder also owns the namespace the bridges are in, hands out
//! their addresses, makes each container's veths, and answers DNS on every
//! bridge's gateway address for the names on that network only.
//!
//! It starts on demand, when a command is about to run a container on a bridge,
//! and counts its users by their open connections: every such monitor holds one
//! for its whole life, so a monitor killed with -9 releases its share when the
//! kernel closes its socket. When the last goes, the holder exits, and the
//! bridges with its namespace. Nothing of it is stored.
//!
//! Its namespace's way out is one pasta of its own (uplink.rs), behind the
//! kernel's NAT (firewall.rs), which also keeps networks from reaching each
//! other and internal ones from going out. A container that publishes ports
//! still gets a pasta of its own, which forwards them and is its way out.

mod attach;
pub mod client;
mod daemon;
mod directory;
mod firewall;
mod ipam;
pub mod protocol;
mod server;
mod uplink;

pub use client::Link;
pub use daemon::run;

use crate::engine::error::{ErrorKind, Kinded};
use protocol::Failure;

/// The hidden subcommand a holder runs as: `coracle --runroot RR holder`.
pub const COMMAND: &str = "holder";

#[derive(Debug, thiserror::Error)]
pub enum HolderError {
    #[error("the network holder is not running")]
    NotRunning,
    #[error("the network holder went away")]
    Gone,
    #[error("cannot start the network holder: {0}")]
    Start(String),
    #[error("{message}")]
    Refused { kind: Failure, message: String },
    #[error("the network holder said something unexpected: {0}")]
    Protocol(String),
    #[error("cannot {what}: {source}")]
    Io {
        what: &'static str,
        source: std::io::Error,
    },
}

impl Kinded for HolderError {
    fn kind(&self) -> ErrorKind {
        match self {
            HolderError::Refused { kind, .. } => (*kind).into(),
            _ => ErrorKind::Internal,
        }
    }
}

/// Where a runroot's holder keeps its socket, lock and log.
mod paths {
    use std::path::{Path, PathBuf};

    pub fn socket(runroot: &Path) -> PathBuf {
        runroot.join("holder.sock")
    }

    pub fn lock(runroot: &Path) -> PathBuf {
        runroot.join("holder.lock")
    }

    pub fn log(runroot: &Path) -> PathBuf {
        runroot.join("holder.log")
    }
}
