//! `ps --format json`: Podman's ListContainer, which is not the template's row
//! (full Id, Names and Command as lists, times as Unix seconds).

use crate::engine::containers::list::Listed;
use crate::engine::duration::human_duration;
use crate::engine::net::mode::Network;
use serde_json::{json, Map, Value};

pub fn podman_json(l: &Listed, now_ms: i64) -> Value {
    let r = &l.record;
    let state = &r.state;
    let labels: Map<String, Value> = l
        .config
        .labels
        .iter()
        .map(|(k, v)| (k.clone(), json!(v)))
        .collect();
    let networks: Vec<&str> = match &l.config.network {
        Network::Bridge(attachments) => attachments.iter().map(|a| a.network.as_str()).collect(),
        _ => Vec::new(),
    };
    let ports: Vec<Value> = l
        .config
        .ports
        .iter()
        .map(|p| {
            json!({
                "host_ip": p.host_ip.map(|ip| ip.to_string()).unwrap_or_default(),
                "container_port": p.container_port,
                "host_port": p.host_port,
                "range": 1,
                "protocol": p.protocol.to_string(),
            })
        })
        .collect();
    let seconds = |ms: Option<i64>| ms.map_or(0, |ms| ms / 1000);
    json!({
        "AutoRemove": l.config.remove,
        "Command": l.config.command,
        "CreatedAt": format!("{} ago", human_duration(now_ms / 1000 - r.created)),
        "Exited": state.finished_ms.is_some() && state.status.as_str() == "exited",
        "ExitedAt": seconds(state.finished_ms),
        "ExitCode": state.exit_code.unwrap_or(0),
        "Id": r.id,
        "Image": r.image_name,
        "ImageID": r.image_id.trim_start_matches("sha256:"),
        "IsInfra": l.config.infra,
        "Labels": labels,
        "Mounts": l.config.mounts.iter().map(|m| m.destination.as_str()).collect::<Vec<_>>(),
        "Names": [r.name],
        "Namespaces": {},
        "Networks": networks,
        "Pid": state.pid.unwrap_or(0),
        "Pod": "",
        "PodName": "",
        "Ports": if ports.is_empty() { Value::Null } else { Value::Array(ports) },
        "Restarts": state.restarts,
        "Size": l.size.map(|s| json!({"RootFsSize": s.root_fs, "RwSize": s.rw})),
        "StartedAt": seconds(state.started_ms),
        "State": state.status.as_str(),
        "Status": l.status(now_ms),
        "Created": r.created,
    })
}
