//! Docker's view of coracle's networks: the Network shape, and the built-in
//! networks Docker lists. coracle's default network (`podman`) is Docker's
//! `bridge`: listed, inspected and joined under that name (`podman` still
//! finds it). `host` and `none` are modes, not networks, in coracle; they are
//! listed as Docker lists them, so that clients that look for them find them.

use crate::engine::net::network::{NetworkConfig, DEFAULT_NAME};
use crate::engine::networks::lookup::Member;
use bollard_stubs::models::{Ipam, IpamConfig, Network, NetworkContainer};
use chrono::{SecondsFormat, Utc};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, HashMap};

/// Docker's name for the default network.
pub const BRIDGE: &str = "bridge";

/// The names Docker reserves: none can be created or removed.
pub const PREDEFINED: [&str; 4] = [BRIDGE, DEFAULT_NAME, "host", "none"];

/// Docker's mtu option, which coracle calls `mtu`.
const MTU_OPTION: &str = "com.docker.network.driver.mtu";

/// The name the engine knows a network by.
pub fn engine_name(name: &str) -> &str {
    match name {
        BRIDGE => DEFAULT_NAME,
        other => other,
    }
}

/// The network as Docker names it.
pub fn docker_named(mut n: NetworkConfig) -> NetworkConfig {
    if n.name == DEFAULT_NAME {
        n.name = BRIDGE.into();
    }
    n
}

/// `host` or `none`, which are modes only: a record to list and inspect, with
/// Docker's drivers for them and an ID made from the name (Podman's way with
/// its default network).
pub fn mode_network(name: &str) -> Option<NetworkConfig> {
    let driver = match name {
        "host" => "host",
        "none" => "null",
        _ => return None,
    };
    Some(NetworkConfig {
        name: name.into(),
        id: hex::encode(Sha256::digest(name)),
        driver: driver.into(),
        interface: String::new(),
        subnets: Vec::new(),
        internal: false,
        dns_enabled: false,
        labels: BTreeMap::new(),
        options: BTreeMap::new(),
        created: Utc::now(),
    })
}

/// coracle's network options as Docker spells them.
pub fn docker_options(options: &BTreeMap<String, String>) -> HashMap<String, String> {
    options
        .iter()
        .map(|(k, v)| match k.as_str() {
            "mtu" => (MTU_OPTION.to_owned(), v.clone()),
            _ => (k.clone(), v.clone()),
        })
        .collect()
}

/// Docker's options as coracle's `-o`.
pub fn engine_option(key: &str) -> &str {
    match key {
        MTU_OPTION => "mtu",
        other => other,
    }
}

/// Docker's Network; `members` become its Containers (an empty map in lists,
/// as Docker's). The stubs lack ConfigFrom and ConfigOnly (no config-only
/// networks here): they are added as Docker gives them for the others.
pub fn network(n: NetworkConfig, members: Vec<Member>) -> serde_json::Result<Value> {
    let mut body = serde_json::to_value(network_stub(n, members))?;
    body["ConfigFrom"] = json!({ "Network": "" });
    body["ConfigOnly"] = json!(false);
    Ok(body)
}

fn network_stub(n: NetworkConfig, members: Vec<Member>) -> Network {
    let config = n
        .subnets
        .iter()
        .map(|s| IpamConfig {
            subnet: Some(s.subnet.to_string()),
            gateway: Some(s.gateway.to_string()),
            ip_range: s.range.map(|r| r.to_string()),
            ..IpamConfig::default()
        })
        .collect();
    let containers = members
        .into_iter()
        .map(|m| {
            let e = m.endpoint;
            let entry = NetworkContainer {
                name: Some(m.name),
                endpoint_id: Some(String::new()),
                mac_address: Some(e.mac),
                ipv4_address: Some(match e.ip.is_ipv4() {
                    true => format!("{}/{}", e.ip, e.prefix),
                    false => String::new(),
                }),
                ipv6_address: Some(match e.ip.is_ipv6() {
                    true => format!("{}/{}", e.ip, e.prefix),
                    false => String::new(),
                }),
            };
            (m.id, entry)
        })
        .collect();
    let n = docker_named(n);
    Network {
        options: Some(docker_options(&n.options)),
        labels: Some(n.labels.into_iter().collect()),
        created: Some(n.created.to_rfc3339_opts(SecondsFormat::Nanos, true)),
        scope: Some("local".into()),
        enable_ipv6: Some(false),
        ipam: Some(Ipam {
            driver: Some("default".into()),
            config: Some(config),
            options: Some(HashMap::new()),
        }),
        internal: Some(n.internal),
        attachable: Some(false),
        ingress: Some(false),
        containers: Some(containers),
        name: Some(n.name),
        id: Some(n.id),
        driver: Some(n.driver),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::networks::lookup::default_network;

    #[test]
    fn the_default_network_is_dockers_bridge() {
        assert_eq!(engine_name("bridge"), DEFAULT_NAME);
        assert_eq!(engine_name("n1"), "n1");
        let mut n = default_network();
        n.options.insert("mtu".into(), "1400".into());
        let body = network(n, Vec::new()).unwrap();
        assert_eq!(body["Name"], "bridge");
        assert_eq!(body["IPAM"]["Config"][0]["Subnet"], "10.88.0.0/16");
        assert_eq!(body["IPAM"]["Config"][0]["Gateway"], "10.88.0.1");
        assert_eq!(body["Options"][MTU_OPTION], "1400");
        assert_eq!(body["Containers"], json!({}));
        assert_eq!(body["ConfigOnly"], false);
        assert_eq!(engine_option(MTU_OPTION), "mtu");
    }

    #[test]
    fn host_and_none_are_listed_as_docker_lists_them() {
        assert_eq!(mode_network("none").unwrap().driver, "null");
        assert_eq!(mode_network("host").unwrap().id.len(), 64);
        assert!(mode_network("podman").is_none());
    }
}
