//! A user-defined network (`network create`): what the store keeps of it. The
//! holder (holder/) makes its bridge when the first container joins it and
//! answers DNS on its gateway; `network inspect` shows it in Podman's shape.

use chrono::{DateTime, Utc};
use ipnet::IpNet;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::net::{IpAddr, Ipv4Addr};

/// The network every Podman installation has: `--network bridge` and
/// `--network podman` mean it. Like Podman's, it has no name resolution.
pub const DEFAULT_NAME: &str = "podman";

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NetworkConfig {
    pub name: String,
    /// 64 hex digits.
    pub id: String,
    /// Only "bridge".
    pub driver: String,
    /// The bridge's name in the holder's namespace ("podman1", ...).
    pub interface: String,
    pub subnets: Vec<Subnet>,
    /// No way out: no default route in its containers.
    pub internal: bool,
    /// Containers resolve each other's names and aliases on it.
    pub dns_enabled: bool,
    pub labels: BTreeMap<String, String>,
    /// `-o KEY=VALUE` (mtu).
    pub options: BTreeMap<String, String>,
    pub created: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Subnet {
    pub subnet: IpNet,
    pub gateway: IpAddr,
    /// `--ip-range`: where addresses are handed out from; the whole subnet if
    /// absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub range: Option<IpNet>,
}

impl Subnet {
    /// The first and last address `--ip-range` hands out, as Podman shows
    /// them: the one after the range's own address, and its broadcast address.
    pub fn lease_range(&self) -> Option<(IpAddr, IpAddr)> {
        let range = self.range?;
        let start = match range.network() {
            IpAddr::V4(a) => IpAddr::V4(Ipv4Addr::from(u32::from(a).wrapping_add(1))),
            v6 => v6,
        };
        Some((start, range.broadcast()))
    }
}

impl NetworkConfig {
    /// The MTU its links get (`-o mtu=N`), if set.
    pub fn mtu(&self) -> Option<u32> {
        self.options.get("mtu").and_then(|m| m.parse().ok())
    }
}

/// A container's interface on one network, as the holder made it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Endpoint {
    /// The network's name.
    pub network: String,
    pub ip: IpAddr,
    pub prefix: u8,
    pub gateway: Option<IpAddr>,
    pub mac: String,
    /// Its name inside the container (eth0, eth1, ...).
    pub interface: String,
}
