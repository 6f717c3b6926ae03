//! The DNS responder of user-defined networks, aardvark-dns's part: the
//! holder serves it on each network's gateway, port 53. A container's name
//! or alias resolves on its networks only, and at once for everyone there;
//! every other name goes to the host's resolvers.
//!
//! answer.rs decides, records.rs is what it asks, server.rs runs it on a
//! socket, upstream.rs forwards, resolv.rs reads the host's nameservers.
//!
//! For the holder: make the upstream sockets while still in the host's
//! network namespace; then, inside the runtime, build one `Upstream` from
//! them and `nameservers` of the host's resolv.conf, and per network spawn
//! `serve` on a socket bound to its gateway, port 53, aborting the task when
//! the network's bridge goes.

mod answer;
mod records;
mod resolv;
mod server;
mod upstream;

pub use records::{Records, SEARCH_DOMAIN};
pub use resolv::nameservers;
pub use server::serve;
pub use upstream::Upstream;

use crate::engine::error::{ErrorKind, Kinded};

#[derive(Debug, thiserror::Error)]
pub enum DnsError {
    #[error("cannot serve DNS: {what}: {source}")]
    Io {
        what: &'static str,
        source: std::io::Error,
    },
}

impl Kinded for DnsError {
    fn kind(&self) -> ErrorKind {
        match self {
            DnsError::Io { .. } => ErrorKind::Internal,
        }
    }
}

#[cfg(test)]
mod fixture;
