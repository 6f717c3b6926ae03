//! Podman's `NetworkSettings` of an inspected container.

use crate::engine::containers::{ContainerConfig, ContainersError};
use crate::engine::net::network::DEFAULT_NAME;
use crate::engine::net::{ports, Attachment, Network};
use crate::engine::store::containers::{ContainerRecord, Status};
use crate::engine::store::networks::Endpoint;
use crate::engine::store::Store;
use serde_json::{json, Map, Value};

/// The addresses at the top are the default network's, and only when that is
/// the container's one network (Podman's rule); every network the container
/// joined has an entry in `Networks`, with the address its monitor recorded
/// there while it runs. A container without networks (pasta, slirp4netns,
/// host, none) has no `Networks`, as in Podman.
pub fn settings(
    store: &Store,
    record: &ContainerRecord,
    config: &ContainerConfig,
) -> Result<Value, ContainersError> {
    let mut top = address(None);
    let mut networks = None;
    if let Network::Bridge(attachments) = &config.network {
        let running = matches!(record.state.status, Status::Running | Status::Paused);
        let endpoints = match running {
            true => store.endpoints(&record.id)?,
            false => Vec::new(),
        };
        let mut entries = Map::new();
        for a in attachments {
            let endpoint = endpoints.iter().find(|e| e.network == a.network);
            entries.insert(a.network.clone(), entry(record, a, endpoint));
        }
        if let [only] = attachments.as_slice() {
            if only.network == DEFAULT_NAME {
                top = address(endpoints.iter().find(|e| e.network == only.network));
            }
        }
        networks = Some(entries);
    }
    let mut settings = top;
    settings["Bridge"] = json!("");
    settings["SandboxID"] = json!("");
    settings["HairpinMode"] = json!(false);
    settings["LinkLocalIPv6Address"] = json!("");
    settings["LinkLocalIPv6PrefixLen"] = json!(0);
    settings["Ports"] = ports::inspect_ports(&config.ports, &config.exposed);
    settings["SandboxKey"] = json!("");
    if let Some(networks) = networks {
        settings["Networks"] = Value::Object(networks);
    }
    Ok(settings)
}

/// One network's entry: NetworkID is the network's name, as Podman 4 has it,
/// and the aliases end with the short ID.
fn entry(record: &ContainerRecord, a: &Attachment, endpoint: Option<&Endpoint>) -> Value {
    let mut entry = address(endpoint);
    let mut aliases = a.aliases.clone();
    aliases.push(record.id[..12].to_owned());
    entry["NetworkID"] = json!(a.network);
    entry["DriverOpts"] = Value::Null;
    entry["IPAMConfig"] = Value::Null;
    entry["Links"] = Value::Null;
    entry["Aliases"] = json!(aliases);
    entry
}

/// Podman's InspectBasicNetworkConfig (empty strings for what is not there).
fn address(endpoint: Option<&Endpoint>) -> Value {
    let text = |v: Option<String>| v.unwrap_or_default();
    json!({
        "EndpointID": "",
        "Gateway": text(endpoint.and_then(|e| e.gateway).map(|g| g.to_string())),
        "IPAddress": text(endpoint.map(|e| e.ip.to_string())),
        "IPPrefixLen": endpoint.map_or(0, |e| e.prefix),
        "IPv6Gateway": "",
        "GlobalIPv6Address": "",
        "GlobalIPv6PrefixLen": 0,
        "MacAddress": text(endpoint.map(|e| e.mac.clone())),
    })
}
