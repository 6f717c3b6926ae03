//! `inspect` of a container: Docker's ContainerJSON shape, from the record, its
//! config and the OCI bundle's config.json (the process as it runs).

use super::lookup::{config_of, lookup};
use super::restart::RestartPolicy;
use super::ContainersError;
use crate::engine::monitor::LOG_FILE;
use crate::engine::net::ports;
use crate::engine::store::containers::{ContainerRecord, Status};
use crate::engine::store::Store;
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
    let network = serde_json::to_value(config.network)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default();
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
            "NetworkMode": network,
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
        },
        "GraphDriver": {
            "Name": "overlay",
            "Data": {
                "UpperDir": dir.join("upper"),
                "WorkDir": dir.join("work"),
                "LowerDir": config.layers.iter().map(|p| p.display().to_string()).collect::<Vec<_>>().join(":"),
            },
        },
        "Mounts": [],
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
        },
        "NetworkSettings": {
            "Networks": { network.clone(): {} },
            "Ports": ports::inspect_ports(&config.ports, &config.exposed),
        },
    }))
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
