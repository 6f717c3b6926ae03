//! `image inspect`: Podman's ImageData, built from the stored config. The API
//! socket reshapes it into Docker's ImageInspect (api/images/docker_json).

use super::{config, resolve, ImagesError};
use crate::engine::go_time;
use crate::engine::store::Store;
use serde_json::{json, Map, Value};

pub fn inspect(store: &Store, name: &str) -> Result<Value, ImagesError> {
    let image = store.image(&resolve(store, name)?)?;
    let config = config::load(store, &image)?;
    let text = |key: &str| config[key].as_str().unwrap_or_default().to_owned();
    let container_config = &config["config"];
    let layer_dirs: Vec<String> = image
        .layers
        .iter()
        .rev()
        .filter_map(|l| store.layer_path(l).ok())
        .map(|p| p.display().to_string())
        .collect();
    Ok(json!({
        "Id": image.id,
        "Digest": image.manifest_digest.clone().unwrap_or_default(),
        "RepoTags": image.tags,
        "RepoDigests": image.digests,
        "Parent": "",
        "Comment": text("comment"),
        "Created": go_time::reformat(&text("created")),
        "Config": config_shown(container_config),
        "Version": text("docker_version"),
        "Author": text("author"),
        "Architecture": text("architecture"),
        "Os": text("os"),
        "Size": image.size,
        "VirtualSize": image.size,
        "GraphDriver": {
            "Name": store.storage().driver.name(),
            "Data": { "LowerDir": layer_dirs.join(":") },
        },
        "RootFS": { "Type": "layers", "Layers": image.layers },
        "Labels": container_config["Labels"],
        "Annotations": {},
        "ManifestType": image.manifest_media_type.clone().unwrap_or_default(),
        "User": container_config["User"].as_str().unwrap_or_default(),
        // Null when the config has none, as Podman's nil slice shows.
        "History": config["history"],
        "NamesHistory": image.names_history,
    }))
}

/// The image's config with its empty values left out, as Podman's `omitempty`
/// leaves them (a Docker-format config's blank Hostname, Tty and the like).
fn config_shown(config: &Value) -> Map<String, Value> {
    config
        .as_object()
        .into_iter()
        .flatten()
        .filter(|(_, v)| !is_empty(v))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect()
}

fn is_empty(v: &Value) -> bool {
    match v {
        Value::Null => true,
        Value::String(s) => s.is_empty(),
        Value::Array(a) => a.is_empty(),
        Value::Object(o) => o.is_empty(),
        Value::Bool(b) => !b,
        Value::Number(_) => false,
    }
}
