//! Published ports (`-p`, `-P`, `--expose`): what the user asked for, checked,
//! expanded to one mapping per port, and stored with the container.

use serde::{Deserialize, Serialize};
use std::net::IpAddr;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Protocol {
    Tcp,
    Udp,
}

/// One host port forwarded to one container port.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PortMapping {
    /// The host address to listen on; all of them when none.
    pub host_ip: Option<IpAddr>,
    pub host_port: u16,
    pub container_port: u16,
    pub protocol: Protocol,
}

/// pasta's port options (`-t`/`-u` specs) that forward `ports` into the namespace.
pub fn pasta_args(ports: &[PortMapping]) -> Vec<String> {
    ports
        .iter()
        .flat_map(|p| {
            let flag = match p.protocol {
                Protocol::Tcp => "-t",
                Protocol::Udp => "-u",
            };
            let spec = match p.host_ip {
                Some(ip) => format!("{ip}/{}:{}", p.host_port, p.container_port),
                None => format!("{}:{}", p.host_port, p.container_port),
            };
            [flag.to_owned(), spec]
        })
        .collect()
}

/// The requests that ask slirp4netns (through its API socket) to forward `ports`.
pub fn slirp_hostfwd(ports: &[PortMapping]) -> Vec<serde_json::Value> {
    ports
        .iter()
        .map(|p| {
            let proto = match p.protocol {
                Protocol::Tcp => "tcp",
                Protocol::Udp => "udp",
            };
            serde_json::json!({
                "execute": "add_hostfwd",
                "arguments": {
                    "proto": proto,
                    "host_addr": p.host_ip.map_or("0.0.0.0".to_owned(), |ip| ip.to_string()),
                    "host_port": p.host_port,
                    "guest_port": p.container_port,
                }
            })
        })
        .collect()
}
