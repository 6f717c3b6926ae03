//! Docker's ImageInspect from the engine's inspect document, which is Podman's:
//! a `sha256:` ID, Docker's short names, Docker's field names.

use crate::engine::images::familiar;
use serde_json::{json, Value};

/// What Podman shows that Docker's ImageInspect has no place for.
const PODMAN_ONLY: [&str; 5] = ["Labels", "Annotations", "User", "NamesHistory", "Version"];

pub fn image(mut doc: Value) -> Value {
    let Some(top) = doc.as_object_mut() else {
        return doc;
    };
    let id = top["Id"].as_str().unwrap_or_default();
    top["Id"] = json!(format!("sha256:{id}"));
    for key in ["RepoTags", "RepoDigests"] {
        let names: Vec<String> = top[key]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .map(familiar)
            .collect();
        top[key] = json!(names);
    }
    let version = top.remove("Version").unwrap_or_default();
    top.insert("DockerVersion".into(), version);
    for key in PODMAN_ONLY {
        top.remove(key);
    }
    doc
}
