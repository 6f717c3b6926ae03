//! What monitors (and `network connect`) and the holder say to each other: one
//! JSON object a line over the holder's Unix socket; an attach or a connect
//! carries the container's network namespace as a descriptor (SCM_RIGHTS)
//! beside its line.

pub use crate::engine::net::network::Endpoint;
use crate::engine::net::network::NetworkConfig;
use serde::{Deserialize, Serialize};
use std::net::IpAddr;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Request {
    /// The first line of every connection: the holder answers with its pid, whose
    /// user namespace the caller then joins.
    Hello,
    /// Puts the container whose namespace comes with the line on these networks.
    Attach(AttachRequest),
    /// Takes the container off every network this connection attached it to.
    Detach,
    /// Puts a running container, whose namespace comes with the line, on more
    /// networks, as part of what its monitor's connection attached.
    Connect(AttachRequest),
    /// Takes a running container off one network.
    Disconnect { container: String, network: String },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AttachRequest {
    /// The container's full ID.
    pub container: String,
    /// The names it answers to on every network: its name and short ID.
    pub names: Vec<String>,
    pub networks: Vec<Join>,
    /// A default route through the holder's way out, if it has one: false for
    /// a container that brings its own pasta (to publish ports).
    #[serde(default)]
    pub route: bool,
}

/// The names a container answers to on every network: its name and short ID.
pub fn names(id: &str, name: &str) -> Vec<String> {
    vec![name.to_owned(), id[..12.min(id.len())].to_owned()]
}

/// One network to join, as the container asked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Join {
    pub config: NetworkConfig,
    #[serde(default)]
    pub aliases: Vec<String>,
    #[serde(default)]
    pub ip: Option<IpAddr>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Reply {
    Hello { pid: i32 },
    Attached(Vec<Endpoint>),
    Detached,
    Error { kind: Failure, message: String },
}

/// Why the holder refused, for the error's kind on the caller's side.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Failure {
    /// A fixed address that another container has, or a full subnet.
    Conflict,
    /// A request that cannot be met (an address outside the subnet).
    Invalid,
    Internal,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_read_back() {
        let reply = Reply::Error {
            kind: Failure::Conflict,
            message: "taken".into(),
        };
        let line = serde_json::to_string(&reply).unwrap();
        assert!(!line.contains('\n'));
        assert_eq!(serde_json::from_str::<Reply>(&line).unwrap(), reply);
        let hello = serde_json::to_string(&Request::Hello).unwrap();
        assert_eq!(hello, "\"hello\"");
        let off = Request::Disconnect {
            container: "c".into(),
            network: "n".into(),
        };
        let line = serde_json::to_string(&off).unwrap();
        assert_eq!(serde_json::from_str::<Request>(&line).unwrap(), off);
    }
}
