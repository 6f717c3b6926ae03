//! A listed container in Docker's ContainerSummary shape, from the engine's
//! listing and its ContainerJSON.

use crate::engine::containers::list::Listed;
use bollard_stubs::models::{
    ContainerSummary, ContainerSummaryHostConfig, ContainerSummaryNetworkSettings,
    EndpointSettings, MountPoint, Port, PortTypeEnum,
};
use serde_json::Value;
use std::collections::HashMap;

pub fn summary(l: &Listed, inspect: &Value, now_ms: i64) -> ContainerSummary {
    let r = &l.record;
    let networks: Option<HashMap<String, EndpointSettings>> =
        serde_json::from_value(inspect["NetworkSettings"]["Networks"].clone()).ok();
    let mounts: Option<Vec<MountPoint>> = serde_json::from_value(inspect["Mounts"].clone()).ok();
    ContainerSummary {
        id: Some(r.id.clone()),
        names: Some(vec![format!("/{}", r.name)]),
        image: Some(r.image_name.clone()),
        image_id: Some(format!("sha256:{}", r.image_id)),
        command: Some(l.config.command.join(" ")),
        created: Some(r.created),
        ports: Some(ports(&inspect["NetworkSettings"]["Ports"])),
        size_rw: l.size.map(|s| s.rw as i64),
        size_root_fs: l.size.map(|s| s.root_fs as i64),
        labels: Some(l.config.labels.iter().cloned().collect()),
        state: Some(r.state.status.as_str().to_owned()),
        status: Some(l.status(now_ms)),
        host_config: Some(ContainerSummaryHostConfig {
            network_mode: inspect["HostConfig"]["NetworkMode"]
                .as_str()
                .map(str::to_owned),
        }),
        network_settings: Some(ContainerSummaryNetworkSettings {
            networks: Some(networks.unwrap_or_default()),
        }),
        mounts: Some(mounts.unwrap_or_default()),
    }
}

/// NetworkSettings.Ports (`"80/tcp": [{"HostIp","HostPort"}]`) as the list
/// of Ports a summary has: one per binding, one without a public port for a
/// port exposed only.
fn ports(map: &Value) -> Vec<Port> {
    let mut out = Vec::new();
    for (key, bindings) in map.as_object().into_iter().flatten() {
        let (port, proto) = key.split_once('/').unwrap_or((key, "tcp"));
        let Ok(private) = port.parse::<u16>() else {
            continue;
        };
        let typ = match proto {
            "udp" => PortTypeEnum::UDP,
            "sctp" => PortTypeEnum::SCTP,
            _ => PortTypeEnum::TCP,
        };
        let bindings = bindings.as_array().cloned().unwrap_or_default();
        if bindings.is_empty() {
            out.push(Port {
                private_port: private,
                typ: Some(typ),
                ..Port::default()
            });
        }
        for b in bindings {
            out.push(Port {
                ip: b["HostIp"].as_str().map(str::to_owned),
                private_port: private,
                public_port: b["HostPort"].as_str().and_then(|p| p.parse().ok()),
                typ: Some(typ),
            });
        }
    }
    out.sort_by_key(|p| (p.private_port, p.public_port));
    out
}
