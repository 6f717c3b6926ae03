//! `pod inspect`'s InfraConfig: what the pod gave its infra (and so every
//! member), in Podman's field names.

use super::Pod;
use crate::engine::net::ports::Publish;
use crate::engine::net::Network;
use serde_json::{json, Map, Value};

pub fn inspect(pod: &Pod) -> Value {
    let names = &pod.config.names;
    // Podman shows a list it was not given as null.
    let list = |items: Vec<String>| match items.is_empty() {
        true => Value::Null,
        false => json!(items),
    };
    let static_ip = match &pod.config.network {
        Some(Network::Bridge(a)) => a.iter().find_map(|a| a.ip).map(|ip| ip.to_string()),
        _ => None,
    };
    json!({
        "PortBindings": port_bindings(&pod.config.publish),
        "HostNetwork": matches!(pod.config.network, Some(Network::Host)),
        "StaticIP": static_ip.unwrap_or_default(),
        "StaticMAC": "",
        "NoManageResolvConf": false,
        "DNSServer": list(names.dns.iter().map(ToString::to_string).collect()),
        "DNSSearch": list(names.dns_search.clone()),
        "DNSOption": list(names.dns_options.clone()),
        "NoManageHosts": names.no_hosts,
        "HostAdd": list(names.add_hosts.iter().map(ToString::to_string).collect()),
        "Networks": list(networks(pod)),
        "NetworkOptions": Value::Null,
        "pid_ns": "private",
        "userns": "host",
        "uts_ns": "private",
    })
}

pub fn networks(pod: &Pod) -> Vec<String> {
    match &pod.config.network {
        Some(Network::Bridge(a)) => a.iter().map(|a| a.network.clone()).collect(),
        _ => Vec::new(),
    }
}

/// Docker's PortBindings of the pod's `-p`, as given (a port chosen at
/// start is the infra's to show).
fn port_bindings(publish: &[Publish]) -> Value {
    let mut out = Map::new();
    for p in publish {
        for (n, port) in p.container_ports.ports().enumerate() {
            for proto in &p.protocols {
                let host_port = p
                    .host_ports
                    .as_ref()
                    .map(|h| (h.first + n as u16).to_string())
                    .unwrap_or_default();
                let binding = json!({
                    "HostIp": p.host_ip.map(|ip| ip.to_string()).unwrap_or_default(),
                    "HostPort": host_port,
                });
                let key = format!("{port}/{proto}");
                match out.get_mut(&key).and_then(Value::as_array_mut) {
                    Some(list) => list.push(binding),
                    None => {
                        out.insert(key, json!([binding]));
                    }
                }
            }
        }
    }
    Value::Object(out)
}
