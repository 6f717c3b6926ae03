//! Podman's `Config` of an inspected container.

use crate::engine::containers::settings::DEFAULT_STOP_TIMEOUT;
use crate::engine::containers::ContainerConfig;
use crate::engine::runtime::signal;
use serde_json::{json, Map, Value};

pub fn config(image_name: &str, config: &ContainerConfig, spec: &Value) -> Value {
    let process = &spec["process"];
    let settings = &config.settings;
    // Podman shows no labels as null, not {}.
    let labels = match config.labels.is_empty() {
        true => Value::Null,
        false => Value::Object(
            config
                .labels
                .iter()
                .map(|(k, v)| (k.clone(), json!(v)))
                .collect(),
        ),
    };
    let annotations = match &spec["annotations"] {
        Value::Object(a) => a.clone(),
        _ => Map::new(),
    };
    let umask = process["user"]["umask"].as_u64().unwrap_or(0o022);
    let mut doc = json!({
        "Hostname": spec["hostname"].as_str().unwrap_or_default(),
        "Domainname": "",
        "User": config.user,
        "AttachStdin": false,
        "AttachStdout": false,
        "AttachStderr": false,
        "Tty": config.tty,
        "OpenStdin": config.interactive,
        "StdinOnce": false,
        "Env": without_secrets(&process["env"], config),
        // The argv as it runs: coracle keeps the image's entrypoint and command
        // as one, so Cmd holds it all and Entrypoint (a string in Podman 4) is empty.
        "Cmd": config.command,
        "Image": image_name,
        "Volumes": null,
        "WorkingDir": config.cwd,
        "Entrypoint": "",
        "OnBuild": null,
        "Labels": labels,
        "Annotations": annotations,
        "StopSignal": signal::number(&config.stop_signal).unwrap_or(15),
        "Healthcheck": config.healthcheck,
        "HealthcheckOnFailureAction": settings.health.on_failure.as_str(),
        "Umask": format!("{umask:04o}"),
        "Timeout": 0,
        "StopTimeout": settings.stop_timeout.unwrap_or(DEFAULT_STOP_TIMEOUT),
        "Timezone": settings.timezone.clone().unwrap_or_default(),
        "Secrets": secrets(config),
    });
    // Podman shows a healthcheck only where there is one.
    if config.healthcheck.is_none() {
        if let Some(doc) = doc.as_object_mut() {
            doc.remove("Healthcheck");
        }
    }
    doc
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
