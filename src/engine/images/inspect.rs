//! `image inspect`: Docker's ImageInspect shape, built from the stored config.

use super::{config, familiar, resolve, ImagesError};
use crate::engine::store::Store;
use serde_json::{json, Value};

pub fn inspect(store: &Store, name: &str) -> Result<Value, ImagesError> {
    let image = store.image(&resolve(store, name)?)?;
    let config = config::load(store, &image)?;
    let field = |key: &str| config.get(key).cloned().unwrap_or(Value::Null);
    let layer_dirs: Vec<String> = image
        .layers
        .iter()
        .rev()
        .filter_map(|l| store.layer_path(l).ok())
        .map(|p| p.display().to_string())
        .collect();
    Ok(json!({
        "Id": format!("sha256:{}", image.id),
        "RepoTags": image.tags.iter().map(|n| familiar(n)).collect::<Vec<_>>(),
        "RepoDigests": image.digests.iter().map(|n| familiar(n)).collect::<Vec<_>>(),
        "Parent": "",
        "Comment": config.get("comment").cloned().unwrap_or(json!("")),
        "Created": field("created"),
        "Author": config.get("author").cloned().unwrap_or(json!("")),
        "Config": config.get("config").cloned().unwrap_or(json!({})),
        "Architecture": field("architecture"),
        "Variant": config.get("variant").cloned(),
        "Os": field("os"),
        "Size": image.size,
        "GraphDriver": {
            "Name": "overlay",
            "Data": { "LowerDir": layer_dirs.join(":") },
        },
        "RootFS": { "Type": "layers", "Layers": image.layers },
        "History": field("history"),
        "Digest": image.manifest_digest,
        "ManifestType": image.manifest_media_type,
    }))
}
