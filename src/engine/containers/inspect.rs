//! `inspect` of a container: Podman's InspectContainerData, from the record, its
//! config and the OCI bundle's config.json (the process as it runs). The API
//! socket reshapes it into Docker's ContainerJSON (api/containers/docker_json).

mod config;
mod host;
mod network;
mod resources;

use super::lookup::{config_of, lookup};
use super::{ContainerConfig, ContainersError};
use crate::engine::go_time;
use crate::engine::oci::reference::Reference;
use crate::engine::store::containers::{ContainerRecord, Status};
use crate::engine::store::images::ImageRecord;
use crate::engine::store::Store;
use crate::engine::volumes::Mount;
use chrono::DateTime;
use serde_json::{json, Value};

/// What runs the containers: libcontainer, in the monitor (Podman names runc or
/// crun here).
const OCI_RUNTIME: &str = "libcontainer";

pub fn inspect(store: &Store, input: &str) -> Result<Value, ContainersError> {
    let record = lookup(store, input)?;
    let config = config_of(&record)?;
    let dir = store.container_dir(&record.id);
    let spec: Value = std::fs::read(dir.join("config.json"))
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok())
        .unwrap_or(Value::Null);
    let argv = &config.command;
    let caps = &spec["process"]["capabilities"];
    let image = store.image(&record.image_id).ok();
    let image_name = full_name(&record.image_name, image.as_ref());
    let mut doc = json!({
        "Id": record.id,
        "Created": DateTime::from_timestamp(record.created, 0).map(go_time::format),
        "Path": argv.first().map_or("", String::as_str),
        "Args": argv.get(1..).unwrap_or_default(),
        "State": state(
            &record,
            &spec,
            dir.join(super::cgroups::OOM_KILLED).exists(),
            health(&config, &dir),
        ),
        "Image": record.image_id,
        "ImageDigest": image.and_then(|i| i.manifest_digest).unwrap_or_default(),
        "ImageName": image_name,
        "Rootfs": "",
        "Pod": config.pod.clone().unwrap_or_default(),
        "ResolvConfPath": dir.join("userdata/resolv.conf"),
        "HostnamePath": dir.join("userdata/hostname"),
        "HostsPath": dir.join("userdata/hosts"),
        "StaticDir": dir,
        "OCIConfigPath": dir.join("config.json"),
        "OCIRuntime": OCI_RUNTIME,
        // No conmon, and the monitor keeps no pid files: its pid is State.ConmonPid.
        "ConmonPidFile": "",
        "PidFile": "",
        "Name": record.name,
        "RestartCount": record.state.restarts,
        "Driver": store.storage().driver.name(),
        "MountLabel": "",
        "ProcessLabel": "",
        "AppArmorProfile": "",
        "EffectiveCaps": caps_or_empty(&caps["effective"]),
        "BoundingCaps": caps_or_empty(&caps["bounding"]),
        // Exec sessions live only in the API socket's requests, not the container.
        "ExecIDs": [],
        "GraphDriver": graph_driver(store, &config, &dir),
        "Mounts": config.mounts.iter().filter_map(Mount::inspect).collect::<Vec<_>>(),
        "Dependencies": [],
        "NetworkSettings": network::settings(store, &record, &config)?,
        "Namespace": "",
        "IsInfra": config.infra,
        "IsService": false,
        "Config": config::config(&image_name, &config, &spec),
        "HostConfig": host::host_config(&config, &spec, &dir),
    });
    if doc["State"]["ConmonPid"] == 0 {
        // Podman leaves ConmonPid out when no conmon watches the container.
        if let Some(state) = doc["State"].as_object_mut() {
            state.remove("ConmonPid");
        }
    }
    Ok(doc)
}

/// What the checks found (Podman's State.Health): `starting` before the
/// first; Podman's empty value for a container without a check.
/// Overlay's dirs, as Podman shows them; vfs has none to show (null, as
/// containers/storage's vfs gives Podman no metadata).
fn graph_driver(store: &Store, config: &ContainerConfig, dir: &std::path::Path) -> Value {
    let driver = store.storage().driver;
    let data = driver.has_upper().then(|| {
        json!({
            "LowerDir": config.layers.iter().map(|p| p.display().to_string()).collect::<Vec<_>>().join(":"),
            "UpperDir": dir.join("upper"),
            "WorkDir": dir.join("work"),
        })
    });
    json!({ "Name": driver.name(), "Data": data })
}

fn health(config: &ContainerConfig, dir: &std::path::Path) -> Value {
    match &config.healthcheck {
        Some(_) => json!(super::health::state::read(dir).unwrap_or_default()),
        None => json!({ "Status": "", "FailingStreak": 0, "Log": null }),
    }
}

fn state(record: &ContainerRecord, spec: &Value, oom_killed: bool, health: Value) -> Value {
    let s = &record.state;
    let running = matches!(s.status, Status::Running | Status::Paused);
    json!({
        "OciVersion": spec["ociVersion"].as_str().unwrap_or_default(),
        "Status": s.status.as_str(),
        "Running": running,
        "Paused": s.status == Status::Paused,
        "Restarting": s.status == Status::Restarting,
        "OOMKilled": oom_killed,
        "Dead": false,
        "Pid": if running { s.pid.unwrap_or(0) } else { 0 },
        // Podman's conmon: here the monitor, which watches over the container.
        "ConmonPid": if running { s.monitor_pid.unwrap_or(0) } else { 0 },
        "ExitCode": s.exit_code.unwrap_or(0),
        "Error": "",
        "StartedAt": go_time::from_millis(s.started_ms),
        // A running container's last end is a previous run's, as in Podman.
        "FinishedAt": go_time::from_millis(s.finished_ms),
        "Health": health,
        "CheckpointedAt": go_time::ZERO,
        "RestoredAt": go_time::ZERO,
    })
}

/// The image's name as Podman shows it, in full (`localhost/busybox:latest`
/// for `localhost/busybox`) when the image still has that name; else as given.
fn full_name(given: &str, image: Option<&ImageRecord>) -> String {
    let full = Reference::parse(given).map(|r| r.to_string());
    match (full, image) {
        (Ok(full), Some(image)) if image.tags.contains(&full) => full,
        _ => given.to_owned(),
    }
}

/// A capability set from config.json; `[]` when there is none, as Podman shows.
fn caps_or_empty(set: &Value) -> Value {
    match set {
        Value::Array(_) => set.clone(),
        _ => json!([]),
    }
}
