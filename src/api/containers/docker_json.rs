//! Docker's ContainerJSON from the engine's inspect document, which is Podman's:
//! the same fields where the two agree, Docker's names and types where not.

use crate::engine::interface::Engine;
use crate::engine::runtime::signal;
use serde_json::{json, Value};

/// What Podman shows that Docker's ContainerJSON has no place for.
const PODMAN_ONLY: [&str; 15] = [
    "ImageDigest",
    "ImageName",
    "Rootfs",
    "Pod",
    "StaticDir",
    "OCIConfigPath",
    "OCIRuntime",
    "ConmonPidFile",
    "PidFile",
    "EffectiveCaps",
    "BoundingCaps",
    "Dependencies",
    "Namespace",
    "IsInfra",
    "IsService",
];
const PODMAN_ONLY_STATE: [&str; 5] = [
    "OciVersion",
    "ConmonPid",
    "CgroupPath",
    "CheckpointedAt",
    "RestoredAt",
];
const PODMAN_ONLY_CONFIG: [&str; 4] = [
    "Annotations",
    "HealthcheckOnFailureAction",
    "Umask",
    "Timeout",
];

pub fn container(engine: &dyn Engine, mut doc: Value) -> Value {
    let Some(top) = doc.as_object_mut() else {
        return doc;
    };
    for key in PODMAN_ONLY {
        top.remove(key);
    }
    let name = top["Name"].as_str().unwrap_or_default();
    top["Name"] = json!(format!("/{name}"));
    let image = top["Image"].as_str().unwrap_or_default();
    top["Image"] = json!(format!("sha256:{image}"));
    top.insert(
        "LogPath".into(),
        top["HostConfig"]["LogConfig"]["Path"].clone(),
    );
    top.insert("Platform".into(), json!("linux"));
    state(&mut top["State"]);
    config(&mut top["Config"]);
    // Docker's ExposedPorts: every port NetworkSettings.Ports names.
    let exposed: serde_json::Map<String, Value> = top["NetworkSettings"]["Ports"]
        .as_object()
        .into_iter()
        .flatten()
        .map(|(port, _)| (port.clone(), json!({})))
        .collect();
    top["Config"]["ExposedPorts"] = Value::Object(exposed);
    host_config(&mut top["HostConfig"]);
    let mode = top["HostConfig"]["NetworkMode"].clone();
    network_settings(engine, &mut top["NetworkSettings"], &mode);
    doc
}

fn state(state: &mut Value) {
    let Some(state) = state.as_object_mut() else {
        return;
    };
    for key in PODMAN_ONLY_STATE {
        state.remove(key);
    }
    // Docker shows Health only for a container with a healthcheck.
    if state.get("Health").is_some_and(|h| h["Status"] == "") {
        state.remove("Health");
    }
}

/// Docker's Entrypoint is a list and its StopSignal a name.
fn config(config: &mut Value) {
    let Some(config) = config.as_object_mut() else {
        return;
    };
    for key in PODMAN_ONLY_CONFIG {
        config.remove(key);
    }
    let entrypoint = match config.get("Entrypoint").and_then(Value::as_str) {
        Some("") | None => Value::Null,
        Some(text) => json!(text.split(' ').collect::<Vec<_>>()),
    };
    config.insert("Entrypoint".into(), entrypoint);
    if let Some(n) = config.get("StopSignal").and_then(Value::as_i64) {
        let name = signal::parse(&n.to_string()).unwrap_or_else(|_| "SIGTERM".into());
        config.insert("StopSignal".into(), json!(name));
    }
}

/// Docker's name for no restart policy is "no"; its LogConfig has a type and options.
fn host_config(host: &mut Value) {
    if host["RestartPolicy"]["Name"] == "" {
        host["RestartPolicy"]["Name"] = json!("no");
    }
    let log_type = host["LogConfig"]["Type"].clone();
    host["LogConfig"] = json!({ "Type": log_type, "Config": {} });
}

/// Docker has an entry per network always (the mode's for a container without
/// networks), NetworkID is the network's ID, and the first network's address
/// is at the top.
fn network_settings(engine: &dyn Engine, settings: &mut Value, mode: &Value) {
    let Some(networks) = settings.get_mut("Networks").and_then(Value::as_object_mut) else {
        let mode = mode.as_str().unwrap_or_default().to_owned();
        settings["Networks"] = json!({ mode: {} });
        return;
    };
    for (name, entry) in networks.iter_mut() {
        if let Ok(network) = engine.inspect_network(name) {
            entry["NetworkID"] = json!(network.id);
        }
    }
    let first = networks.values().next().cloned();
    if let Some(first) = first.filter(|_| settings["IPAddress"] == "") {
        for key in ["IPAddress", "IPPrefixLen", "Gateway", "MacAddress"] {
            settings[key] = first[key].clone();
        }
    }
}
