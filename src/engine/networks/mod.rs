//! User-defined networks, as `coracle network` manages them: the records and
//! the rules (names, subnets, who uses what). Making their bridges is the
//! holder's job (net/holder); nothing here touches a link, and only connect
//! opens a namespace, to hand it to the holder.

pub mod connect;
pub mod create;
pub mod list;
pub mod lookup;
pub mod remove;
mod subnet;

pub use connect::ConnectOptions;
pub use create::CreateOptions;
pub use lookup::resolve_attachments;

use crate::engine::error::{ErrorKind, Kinded};
use crate::engine::net::holder::HolderError;
use crate::engine::store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum NetworksError {
    #[error(transparent)]
    Store(#[from] StoreError),
    /// Podman's wording, which scripts match.
    #[error("unable to find network with name or ID {0}: network not found")]
    NotFound(String),
    #[error("more than one result for network ID {0}: give more of the ID or the name")]
    Ambiguous(String),
    #[error("network name {0} already used: network already exists")]
    Exists(String),
    #[error("{0:?} has associated containers with it. Use -f to forcibly delete containers and pods: network is being used")]
    InUse(String),
    #[error("default network {0} cannot be removed")]
    Default(String),
    #[error("{0}")]
    Invalid(String),
    #[error(transparent)]
    Holder(#[from] HolderError),
    /// Podman's wording for a container not on user-defined networks.
    #[error("{0:?} is not supported: invalid network mode")]
    Mode(String),
    #[error("container {container} is already connected to network {network:?}: network is already connected")]
    Connected { container: String, network: String },
    #[error("container {container} is not connected to network {network}")]
    NotConnected { container: String, network: String },
    #[error("cannot open the network namespace of container {container}: {source}")]
    Namespace {
        container: String,
        source: std::io::Error,
    },
}

impl Kinded for NetworksError {
    fn kind(&self) -> ErrorKind {
        match self {
            NetworksError::Store(e) => e.kind(),
            NetworksError::Holder(e) => e.kind(),
            NetworksError::NotFound(_) => ErrorKind::NotFound,
            NetworksError::Exists(_)
            | NetworksError::InUse(_)
            | NetworksError::Connected { .. }
            | NetworksError::NotConnected { .. } => ErrorKind::Conflict,
            NetworksError::Ambiguous(_)
            | NetworksError::Default(_)
            | NetworksError::Invalid(_)
            | NetworksError::Mode(_) => ErrorKind::Invalid,
            NetworksError::Namespace { source, .. }
                if source.kind() == std::io::ErrorKind::PermissionDenied =>
            {
                ErrorKind::NotPermitted
            }
            NetworksError::Namespace { .. } => ErrorKind::Internal,
        }
    }
}
