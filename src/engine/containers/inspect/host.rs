//! Podman's `HostConfig` of an inspected container.

use super::resources;
use crate::engine::containers::{ContainerConfig, RestartPolicy};
use crate::engine::monitor::LOG_FILE;
use crate::engine::net::{ports, Network};
use crate::engine::volumes::{Mount, MountKind};
use serde_json::{json, Map, Value};
use std::path::Path;

pub fn host_config(config: &ContainerConfig, spec: &Value, dir: &Path) -> Value {
    // No policy shows as "" in Podman; coracle keeps no difference between that
    // and `--restart=no`, so both show "".
    let (policy, retries) = match config.restart {
        RestartPolicy::No => ("", 0),
        RestartPolicy::OnFailure { max } => ("on-failure", max.unwrap_or(0)),
        RestartPolicy::Always => ("always", 0),
        RestartPolicy::UnlessStopped => ("unless-stopped", 0),
    };
    // Podman's NetworkMode for a container on user-defined networks.
    let network_mode = match &config.network {
        Network::Bridge(_) => "bridge".to_owned(),
        mode => mode.to_string(),
    };
    let mut host = json!({
        "Binds": binds(&config.mounts),
        "CgroupManager": "cgroupfs",
        "CgroupMode": namespace_mode(spec, "cgroup"),
        "ContainerIDFile": "",
        "LogConfig": log_config(config, &dir.join(LOG_FILE)),
        "NetworkMode": network_mode,
        "PortBindings": ports::port_bindings(&config.ports),
        "RestartPolicy": { "Name": policy, "MaximumRetryCount": retries },
        "AutoRemove": config.remove,
        "VolumeDriver": "",
        "VolumesFrom": null,
        "CapAdd": config.cap_add,
        "CapDrop": config.cap_drop,
        "Dns": config.names.dns,
        "DnsOptions": config.names.dns_options,
        "DnsSearch": config.names.dns_search,
        "ExtraHosts": config.names.add_hosts,
        "GroupAdd": [],
        "IpcMode": namespace_mode(spec, "ipc"),
        "Cgroup": "",
        "Cgroups": "default",
        "Links": null,
        "PidMode": namespace_mode(spec, "pid"),
        "Privileged": config.privileged,
        "PublishAllPorts": false,
        "ReadonlyRootfs": spec["root"]["readonly"].as_bool().unwrap_or(false),
        "SecurityOpt": [],
        "Tmpfs": tmpfs(&config.mounts),
        "UTSMode": namespace_mode(spec, "uts"),
        "UsernsMode": config.userns.as_ref().map(|u| u.mode.to_string()).unwrap_or_default(),
        "ShmSize": shm_size(spec),
        "Runtime": "oci",
        "ConsoleSize": [0, 0],
        "Isolation": "",
        "Devices": [],
        "Ulimits": ulimits(&spec["process"]["rlimits"]),
    });
    if let Some(host) = host.as_object_mut() {
        host.extend(resources::fields(spec));
        // Podman shows Init only when it is set.
        if config.init {
            host.insert("Init".into(), json!(true));
        }
    }
    host
}

/// "private" when config.json gives the container a namespace of this type of
/// its own, `ns:PATH` when it joins one, else "host" (it keeps the monitor's).
/// Podman's LogConfig (Docker's Type and Config, and Podman's Path, Tag and
/// Size).
fn log_config(config: &ContainerConfig, default_path: &Path) -> Value {
    let log = &config.log;
    let path = match (&log.path, log.driver.keeps_file()) {
        (_, false) => String::new(),
        (Some(p), true) => p.display().to_string(),
        (None, true) => default_path.display().to_string(),
    };
    json!({
        "Type": log.driver.name(),
        "Config": null,
        "Path": path,
        "Tag": log.tag.clone().unwrap_or_default(),
        "Size": format!("{}B", log.max_size.unwrap_or(0)),
    })
}

fn namespace_mode(spec: &Value, kind: &str) -> String {
    let namespaces = spec["linux"]["namespaces"].as_array();
    match namespaces.and_then(|ns| ns.iter().find(|n| n["type"] == kind)) {
        Some(n) => match n["path"].as_str() {
            Some(path) => format!("ns:{path}"),
            None => "private".to_owned(),
        },
        None => "host".to_owned(),
    }
}

/// Podman's `Binds`: each bind mount and volume as `SOURCE:DEST:OPTIONS`.
fn binds(mounts: &[Mount]) -> Vec<String> {
    mounts
        .iter()
        .filter(|m| matches!(m.kind, MountKind::Bind | MountKind::Volume) && !m.tmpfs)
        .map(|m| {
            let source = match (&m.kind, &m.name) {
                (MountKind::Volume, Some(name)) => name.clone(),
                _ => m.source.display().to_string(),
            };
            let mut options = vec![if m.read_only { "ro" } else { "rw" }.to_owned()];
            options.push(m.propagation().to_owned());
            options.extend(
                m.inspect()
                    .and_then(|i| serde_json::from_value::<Vec<String>>(i["Options"].clone()).ok())
                    .unwrap_or_default(),
            );
            format!("{source}:{}:{}", m.destination, options.join(","))
        })
        .collect()
}

/// Podman's `HostConfig.Tmpfs`: each `--tmpfs` target and its options.
fn tmpfs(mounts: &[Mount]) -> Map<String, Value> {
    mounts
        .iter()
        .filter(|m| m.kind == MountKind::Tmpfs)
        .map(|m| {
            let mut options = vec![if m.read_only { "ro" } else { "rw" }.to_owned()];
            options.extend(m.options.iter().cloned());
            (m.destination.clone(), Value::from(options.join(",")))
        })
        .collect()
}

/// The size of /dev/shm in bytes, from its mount's `size=` option.
fn shm_size(spec: &Value) -> u64 {
    let Some(mounts) = spec["mounts"].as_array() else {
        return 0;
    };
    mounts
        .iter()
        .filter(|m| m["destination"] == "/dev/shm")
        .filter_map(|m| m["options"].as_array())
        .flatten()
        .filter_map(|o| o.as_str()?.strip_prefix("size="))
        .find_map(size_bytes)
        .unwrap_or(0)
}

/// A tmpfs `size=` value (`65536k`, `64m`, `1g` or bytes) in bytes.
fn size_bytes(text: &str) -> Option<u64> {
    let (digits, unit) = match text.char_indices().find(|(_, c)| !c.is_ascii_digit()) {
        Some((i, _)) => text.split_at(i),
        None => (text, ""),
    };
    let scale = match unit.to_ascii_lowercase().as_str() {
        "" => 1,
        "k" => 1 << 10,
        "m" => 1 << 20,
        "g" => 1 << 30,
        _ => return None,
    };
    digits.parse::<u64>().ok().map(|n| n * scale)
}

/// Podman's `Ulimits` from config.json's rlimits.
fn ulimits(rlimits: &Value) -> Vec<Value> {
    let Some(rlimits) = rlimits.as_array() else {
        return Vec::new();
    };
    rlimits
        .iter()
        .map(|r| json!({ "Name": r["type"], "Soft": r["soft"], "Hard": r["hard"] }))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::size_bytes;

    #[test]
    fn shm_sizes_read_as_the_kernel_does() {
        assert_eq!(size_bytes("65536k"), Some(67108864));
        assert_eq!(size_bytes("64m"), Some(67108864));
        assert_eq!(size_bytes("4096"), Some(4096));
        assert_eq!(size_bytes("1x"), None);
    }
}
