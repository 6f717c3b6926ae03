//! Finding networks by what the user calls them (the default one included),
//! the containers on each, and a container's `--network` checked against them.

use super::NetworksError;
use crate::engine::monitor::config::ContainerConfig;
use crate::engine::net::network::{Endpoint, NetworkConfig, Subnet, DEFAULT_NAME};
use crate::engine::net::{Attachment, Network};
use crate::engine::store::containers::{ContainerRecord, Status};
use crate::engine::store::Store;
use chrono::Utc;
use std::collections::{BTreeMap, HashSet};
use std::net::{IpAddr, Ipv4Addr};

/// Podman's ID for its default network: sha256 of its name.
const DEFAULT_ID: &str = "2f259bab93aaaaa2542ba43ef33eb990d0999ee1b9924b557b7be53c0b7a1bb9";

/// The network every installation has (`--network bridge` or `podman`),
/// Podman's: never stored, so it can be neither changed nor removed. Like
/// Podman's, it has no name resolution and says it was created just now.
pub fn default_network() -> NetworkConfig {
    NetworkConfig {
        name: DEFAULT_NAME.into(),
        id: DEFAULT_ID.into(),
        driver: "bridge".into(),
        interface: "podman0".into(),
        subnets: vec![Subnet {
            subnet: "10.88.0.0/16".parse().expect("a valid subnet"),
            gateway: IpAddr::V4(Ipv4Addr::new(10, 88, 0, 1)),
            range: None,
        }],
        internal: false,
        dns_enabled: false,
        labels: BTreeMap::new(),
        options: BTreeMap::new(),
        created: Utc::now(),
    }
}

/// The network called `input`, or whose ID is or starts with it.
pub fn find(store: &Store, input: &str) -> Result<NetworkConfig, NetworksError> {
    if input == DEFAULT_NAME {
        return Ok(default_network());
    }
    if let Some(n) = store.network_by_name(input)? {
        return Ok(n);
    }
    if input.is_empty() || !input.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(NetworksError::NotFound(input.to_owned()));
    }
    let prefix = input.to_ascii_lowercase();
    let mut found = store.networks_by_id_prefix(&prefix)?;
    if DEFAULT_ID.starts_with(&prefix) {
        found.push(default_network());
    }
    match found.len() {
        0 => Err(NetworksError::NotFound(input.to_owned())),
        1 => Ok(found.remove(0)),
        _ => Err(NetworksError::Ambiguous(input.to_owned())),
    }
}

/// Every network, the default one included, by name.
pub fn all(store: &Store) -> Result<Vec<NetworkConfig>, NetworksError> {
    let mut networks = store.networks()?;
    networks.push(default_network());
    networks.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(networks)
}

/// The containers created on the network called `name`, running or not.
pub fn users(store: &Store, name: &str) -> Result<Vec<ContainerRecord>, NetworksError> {
    let mut on = Vec::new();
    for record in store.containers()? {
        if networks_of(&record)?.iter().any(|n| n == name) {
            on.push(record);
        }
    }
    Ok(on)
}

/// A running container on a network, with its interface there.
#[derive(Debug, Clone)]
pub struct Member {
    pub id: String,
    pub name: String,
    pub endpoint: Endpoint,
}

/// The running containers on the network `input` names, as Docker's `network
/// inspect` lists them: only those with an interface there now.
pub fn members(store: &Store, input: &str) -> Result<Vec<Member>, NetworksError> {
    let network = find(store, input)?;
    let mut members = Vec::new();
    for record in users(store, &network.name)? {
        if !matches!(record.state.status, Status::Running | Status::Paused) {
            continue;
        }
        let endpoint = store
            .endpoints(&record.id)?
            .into_iter()
            .find(|e| e.network == network.name);
        if let Some(endpoint) = endpoint {
            members.push(Member {
                id: record.id,
                name: record.name,
                endpoint,
            });
        }
    }
    Ok(members)
}

/// The names of the networks some container was created on.
pub fn in_use(store: &Store) -> Result<HashSet<String>, NetworksError> {
    let mut used = HashSet::new();
    for record in store.containers()? {
        used.extend(networks_of(&record)?);
    }
    Ok(used)
}

fn networks_of(record: &ContainerRecord) -> Result<Vec<String>, NetworksError> {
    Ok(match ContainerConfig::of(record)?.network {
        Network::Bridge(attachments) => attachments.into_iter().map(|a| a.network).collect(),
        _ => Vec::new(),
    })
}

/// A container's attachments checked against the networks they name: each
/// must exist (and is then kept by its name, which never changes), and a fixed
/// address must be one of the network's hosts, not its gateway. Attachments
/// to one network given twice (by name and by ID) become one.
pub fn resolve_attachments(
    store: &Store,
    attachments: &[Attachment],
) -> Result<Vec<Attachment>, NetworksError> {
    let mut resolved: Vec<Attachment> = Vec::new();
    for a in attachments {
        let network = find(store, &a.network)?;
        if let Some(ip) = a.ip {
            check_ip(&network, ip)?;
        }
        match resolved.iter_mut().find(|r| r.network == network.name) {
            Some(r) => {
                for alias in &a.aliases {
                    if !r.aliases.contains(alias) {
                        r.aliases.push(alias.clone());
                    }
                }
                r.ip = r.ip.or(a.ip);
            }
            None => resolved.push(Attachment {
                network: network.name,
                ..a.clone()
            }),
        }
    }
    Ok(resolved)
}

pub(super) fn check_ip(network: &NetworkConfig, ip: IpAddr) -> Result<(), NetworksError> {
    let name = &network.name;
    let Some(subnet) = network.subnets.iter().find(|s| s.subnet.contains(&ip)) else {
        return Err(NetworksError::Invalid(format!(
            "requested static ip {ip} not in any subnet on network {name}"
        )));
    };
    if ip == subnet.gateway {
        return Err(NetworksError::Invalid(format!(
            "requested static ip {ip} is the gateway of network {name}: choose another address"
        )));
    }
    if ip == subnet.subnet.network() || ip == subnet.subnet.broadcast() {
        return Err(NetworksError::Invalid(format!(
            "requested static ip {ip} is not a host address of subnet {} on network {name}",
            subnet.subnet
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use sha2::{Digest, Sha256};

    #[test]
    fn the_default_networks_id_is_podmans() {
        assert_eq!(hex::encode(Sha256::digest(DEFAULT_NAME)), DEFAULT_ID);
    }

    #[test]
    fn fixed_addresses_must_be_hosts_of_the_subnet() {
        let n = default_network();
        let ip = |s: &str| s.parse::<IpAddr>().unwrap();
        assert!(check_ip(&n, ip("10.88.3.4")).is_ok());
        assert_eq!(
            check_ip(&n, ip("10.89.0.5")).unwrap_err().to_string(),
            "requested static ip 10.89.0.5 not in any subnet on network podman"
        );
        assert!(check_ip(&n, ip("10.88.0.1")).is_err());
        assert!(check_ip(&n, ip("10.88.255.255")).is_err());
    }
}
