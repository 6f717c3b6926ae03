//! `inspect` of a container: Docker's ContainerJSON shape, from the record, its
//! config and the OCI bundle's config.json (the process as it runs).

use super::lookup::{config_of, lookup};
use super::restart::RestartPolicy;
use super::settings::{Settings, DEFAULT_SHM_SIZE, DEFAULT_STOP_TIMEOUT};
use super::{ContainerConfig, ContainersError};
use crate::engine::monitor::LOG_FILE;
use crate::engine::net::{ports, Attachment, Network};
use crate::engine::networks;
use crate::engine::runtime::namespaces::Kind;
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
    let settings = &config.settings;
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
            "LogConfig": { "Type": "json-file", "Config": {} },
            "PortBindings": ports::port_bindings(&config.ports),
            "Tmpfs": tmpfs(&config.mounts),
            "UsernsMode": config.userns.as_ref().map(|u| u.mode.to_string()).unwrap_or_default(),
            "PidMode": settings.pid.inspect(Kind::Pid),
            "IpcMode": settings.ipc.inspect(Kind::Ipc),
            "UTSMode": settings.uts.inspect(Kind::Uts),
            "CgroupMode": settings.cgroupns().inspect(Kind::Cgroup),
            "ShmSize": settings.shm_size.unwrap_or(DEFAULT_SHM_SIZE),
            "GroupAdd": group_add(settings),
            "Devices": settings.devices.iter().map(|d| d.inspect()).collect::<Vec<_>>(),
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
            "Env": process["env"],
            "Cmd": argv,
            "Image": record.image_name,
            "WorkingDir": config.cwd,
            "Entrypoint": Value::Null,
            "Labels": labels,
            "StopSignal": config.stop_signal,
            "ExposedPorts": ports::exposed_ports(&config.exposed),
            "Annotations": settings.annotations.iter().map(|(k, v)| (k.clone(), json!(v))).collect::<serde_json::Map<_, _>>(),
            "StopTimeout": settings.stop_timeout.unwrap_or(DEFAULT_STOP_TIMEOUT),
            "Umask": format!("{:04o}", settings.umask.unwrap_or(0o022)),
            "Timezone": settings.timezone.clone().unwrap_or_default(),
        },
        "NetworkSettings": network_settings,
    }))
}

/// `--group-add` as given, keep-groups included.
fn group_add(settings: &Settings) -> Vec<String> {
    let keep = settings.keep_groups.then(|| "keep-groups".to_owned());
    keep.into_iter().chain(settings.group_add.clone()).collect()
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
