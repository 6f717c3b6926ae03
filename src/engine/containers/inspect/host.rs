//! Podman's `HostConfig` of an inspected container.

use super::resources;
use crate::engine::containers::settings::{Settings, DEFAULT_SHM_SIZE};
use crate::engine::containers::{ContainerConfig, RestartPolicy};
use crate::engine::monitor::LOG_FILE;
use crate::engine::net::{ports, Network};
use crate::engine::runtime::namespaces::Kind;
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
    let settings = &config.settings;
    let mut host = json!({
        "Binds": binds(&config.mounts),
        "CgroupManager": "cgroupfs",
        "CgroupMode": settings.cgroupns().inspect(Kind::Cgroup),
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
        "GroupAdd": group_add(settings),
        "IpcMode": settings.ipc.inspect(Kind::Ipc),
        "Cgroup": "",
        "Cgroups": "default",
        "Links": null,
        "PidMode": settings.pid.inspect(Kind::Pid),
        "Privileged": config.privileged,
        "PublishAllPorts": false,
        "ReadonlyRootfs": spec["root"]["readonly"].as_bool().unwrap_or(false),
        "SecurityOpt": [],
        "Tmpfs": tmpfs(&config.mounts),
        "UTSMode": settings.uts.inspect(Kind::Uts),
        "UsernsMode": config.userns.as_ref().map(|u| u.mode.to_string()).unwrap_or_default(),
        "ShmSize": settings.shm_size.unwrap_or(DEFAULT_SHM_SIZE),
        "Runtime": "oci",
        "ConsoleSize": [0, 0],
        "Isolation": "",
        "Devices": settings.devices.iter().map(|d| d.inspect()).collect::<Vec<_>>(),
        "Ulimits": ulimits(&spec["process"]["rlimits"]),
    });
    if let Some(host) = host.as_object_mut() {
        host.extend(resources::fields(spec, &settings.resources));
        // Podman shows Init only when it is set.
        if config.init {
            host.insert("Init".into(), json!(true));
        }
    }
    host
}

/// `--group-add` as given, keep-groups included.
fn group_add(settings: &Settings) -> Vec<String> {
    let keep = settings.keep_groups.then(|| "keep-groups".to_owned());
    keep.into_iter().chain(settings.group_add.clone()).collect()
}

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
