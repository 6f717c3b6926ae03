//! `inspect` of a container: Docker's ContainerJSON shape, from the record, its
//! config and the OCI bundle's config.json (the process as it runs).

use super::lookup::{config_of, lookup};
use super::restart::RestartPolicy;
use super::{ContainerConfig, ContainersError};
use crate::engine::monitor::LOG_FILE;
use crate::engine::net::{ports, Attachment, Network};
use crate::engine::networks;
use crate::engine::store::containers::{ContainerRecord, Status};
use crate::engine::store::networks::Endpoint;
use crate::engine::store::Store;
use crate::engine::volumes::{Mount, MountKind};
use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::{json, Value};

/// Docker's zero time, for a start or end that never happened.
const NEVER: &str = "0001-01-01T00:00:00Z";

pub fn inspect(store: &Store, input: &str) -> Result<Value, ContainersError> {
    let record = lookup(store, input)?;
    let config = config_of(&record)?;
    let dir = store.container_dir(&record.id);
    let spec: Value = std::fs::read(dir.join("config.json"))
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok())
        .unwrap_or(Value::Null);
    let process = &spec["process"];
    let argv = &config.command;
    let labels: serde_json::Map<String, Value> = config
        .labels
        .iter()
        .map(|(k, v)| (k.clone(), json!(v)))
        .collect();
    let (policy, retries) = match config.restart {
        RestartPolicy::No => ("no", 0),
        RestartPolicy::OnFailure { max } => ("on-failure", max.unwrap_or(0)),
        RestartPolicy::Always => ("always", 0),
        RestartPolicy::UnlessStopped => ("unless-stopped", 0),
    };
    // Podman's NetworkMode for a container on user-defined networks.
    let network_mode = match &config.network {
        Network::Bridge(_) => "bridge".to_owned(),
        mode => mode.to_string(),
    };
    let network_settings = network_settings(store, &record, &config)?;
    let log = dir.join(LOG_FILE);
    Ok(json!({
        "Id": record.id,
        "Created": DateTime::from_timestamp(record.created, 0).map(rfc3339),
        "Path": argv.first(),
        "Args": argv.get(1..).unwrap_or_default(),
        "State": state(&record),
        "Image": format!("sha256:{}", record.image_id),
        "ResolvConfPath": dir.join("userdata/resolv.conf"),
        "HostnamePath": dir.join("userdata/hostname"),
        "HostsPath": dir.join("userdata/hosts"),
        "LogPath": if log.exists() { log.display().to_string() } else { String::new() },
        "Name": format!("/{}", record.name),
        "RestartCount": record.state.restarts,
        "Driver": "overlay",
        "Platform": "linux",
        "HostConfig": {
            "NetworkMode": network_mode,
            "Dns": config.names.dns,
            "DnsSearch": config.names.dns_search,
            "DnsOptions": config.names.dns_options,
            "ExtraHosts": config.names.add_hosts,
            "RestartPolicy": { "Name": policy, "MaximumRetryCount": retries },
            "AutoRemove": config.remove,
            "ReadonlyRootfs": spec["root"]["readonly"].as_bool().unwrap_or(false),
            "Privileged": config.privileged,
            "CapAdd": config.cap_add,
            "CapDrop": config.cap_drop,
            "Init": config.init,
            "LogConfig": log_config(&config, &log),
            "PortBindings": ports::port_bindings(&config.ports),
            "Tmpfs": tmpfs(&config.mounts),
            "UsernsMode": config.userns.as_ref().map(|u| u.mode.to_string()).unwrap_or_default(),
        },
        "GraphDriver": {
            "Name": "overlay",
            "Data": {
                "UpperDir": dir.join("upper"),
                "WorkDir": dir.join("work"),
                "LowerDir": config.layers.iter().map(|p| p.display().to_string()).collect::<Vec<_>>().join(":"),
            },
        },
        "Mounts": config.mounts.iter().filter_map(Mount::inspect).collect::<Vec<_>>(),
        "Config": {
            "Hostname": spec["hostname"],
            "User": config.user,
            "AttachStdin": false,
            "Tty": config.tty,
            "OpenStdin": config.interactive,
            "Env": without_secrets(&process["env"], &config),
            "Cmd": argv,
            "Image": record.image_name,
            "WorkingDir": config.cwd,
            "Entrypoint": Value::Null,
            "Labels": labels,
            "StopSignal": config.stop_signal,
            "ExposedPorts": ports::exposed_ports(&config.exposed),
            "Secrets": secrets(&config),
        },
        "NetworkSettings": network_settings,
    }))
}

/// Podman's LogConfig (Docker's Type and Config, and Podman's Path, Tag and
/// Size).
fn log_config(config: &ContainerConfig, default_path: &std::path::Path) -> Value {
    let log = &config.log;
    let path = match (&log.path, log.driver.keeps_file()) {
        (_, false) => String::new(),
        (Some(p), true) => p.display().to_string(),
        (None, true) => default_path.display().to_string(),
    };
    json!({
        "Type": log.driver.name(),
        "Config": {},
        "Path": path,
        "Tag": log.tag.clone().unwrap_or_default(),
        "Size": format!("{}B", log.max_size.unwrap_or(0)),
    })
}

/// The process's environment less the env secrets' values, which Podman
/// never shows.
fn without_secrets(env: &Value, config: &ContainerConfig) -> Value {
    let hidden: Vec<String> = config
        .secrets
        .iter()
        .filter_map(|s| s.env.as_ref().map(|name| format!("{name}=")))
        .collect();
    match env.as_array() {
        Some(entries) => entries
            .iter()
            .filter(|e| {
                let e = e.as_str().unwrap_or_default();
                !hidden.iter().any(|h| e.starts_with(h.as_str()))
            })
            .cloned()
            .collect(),
        None => env.clone(),
    }
}

/// Podman's Config.Secrets: the mounted ones, null when there are none.
fn secrets(config: &ContainerConfig) -> Value {
    let mounted: Vec<Value> = config
        .secrets
        .iter()
        .filter(|s| s.env.is_none())
        .map(|s| json!({"Name": s.name, "ID": s.id, "UID": s.uid, "GID": s.gid, "Mode": s.mode}))
        .collect();
    match mounted.is_empty() {
        true => Value::Null,
        false => json!(mounted),
    }
}

/// Docker's NetworkSettings: an entry per network, with the address the
/// container's monitor recorded there while it runs (empty otherwise), and
/// the first network's at the top, as Docker gives them.
fn network_settings(
    store: &Store,
    record: &ContainerRecord,
    config: &ContainerConfig,
) -> Result<Value, ContainersError> {
    let mut networks = serde_json::Map::new();
    let mut first = None;
    match &config.network {
        Network::Bridge(attachments) => {
            let running = matches!(record.state.status, Status::Running | Status::Paused);
            let endpoints = match running {
                true => store.endpoints(&record.id)?,
                false => Vec::new(),
            };
            for a in attachments {
                let endpoint = endpoints.iter().find(|e| e.network == a.network);
                let entry = attachment(store, record, a, endpoint);
                first.get_or_insert_with(|| entry.clone());
                networks.insert(a.network.clone(), entry);
            }
        }
        mode => {
            networks.insert(mode.to_string(), json!({}));
        }
    }
    let first = first.unwrap_or_else(|| attachment_address(None));
    Ok(json!({
        "IPAddress": first["IPAddress"],
        "IPPrefixLen": first["IPPrefixLen"],
        "Gateway": first["Gateway"],
        "MacAddress": first["MacAddress"],
        "Networks": networks,
        "Ports": ports::inspect_ports(&config.ports, &config.exposed),
    }))
}

/// One network's entry; its aliases end with the short ID, as Podman's do.
fn attachment(
    store: &Store,
    record: &ContainerRecord,
    a: &Attachment,
    endpoint: Option<&Endpoint>,
) -> Value {
    let mut entry = attachment_address(endpoint);
    let mut aliases = a.aliases.clone();
    aliases.push(record.id[..12].to_owned());
    entry["Aliases"] = json!(aliases);
    entry["NetworkID"] = json!(networks::lookup::find(store, &a.network)
        .map(|n| n.id)
        .unwrap_or_default());
    entry["EndpointID"] = json!("");
    entry
}

fn attachment_address(endpoint: Option<&Endpoint>) -> Value {
    let text = |v: Option<String>| v.unwrap_or_default();
    json!({
        "IPAddress": text(endpoint.map(|e| e.ip.to_string())),
        "IPPrefixLen": endpoint.map_or(0, |e| e.prefix),
        "Gateway": text(endpoint.and_then(|e| e.gateway).map(|g| g.to_string())),
        "MacAddress": text(endpoint.map(|e| e.mac.clone())),
    })
}

fn state(record: &ContainerRecord) -> Value {
    let s = &record.state;
    let time = |ms: Option<i64>| {
        ms.and_then(DateTime::from_timestamp_millis)
            .map_or_else(|| NEVER.to_owned(), rfc3339)
    };
    let running = matches!(s.status, Status::Running | Status::Paused);
    json!({
        "Status": s.status.as_str(),
        "Running": running,
        "Paused": s.status == Status::Paused,
        "Restarting": s.status == Status::Restarting,
        "OOMKilled": false,
        "Dead": false,
        "Pid": if running { s.pid.unwrap_or(0) } else { 0 },
        "ExitCode": s.exit_code.unwrap_or(0),
        "Error": "",
        // Podman's ConmonPid: the process that watches over the container.
        "MonitorPid": s.monitor_pid.unwrap_or(0),
        "StartedAt": time(s.started_ms),
        // A running container's last end is a previous run's, as in Docker.
        "FinishedAt": time(s.finished_ms),
    })
}

fn rfc3339(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Nanos, true)
}

/// Podman's `HostConfig.Tmpfs`: each `--tmpfs` target and its options.
fn tmpfs(mounts: &[Mount]) -> serde_json::Map<String, Value> {
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
