//! `import`: a root file system tarball (compressed or not) becomes a
//! one-layer image, its config set by `--change` instructions.

use super::change;
use super::extract::copy_hashing;
use super::layers;
use crate::engine::context::Context;
use crate::engine::images::ImagesError;
use crate::engine::oci::platform::Platform;
use crate::engine::oci::reference::Reference;
use crate::engine::process::Inside;
use crate::engine::registry::digest_of;
use crate::engine::store::digest_hex;
use crate::engine::store::images::NewImage;
use serde_json::{json, Map, Value};
use std::io::Read;

pub struct ImportOptions {
    /// The name to give it (`None`: untagged).
    pub reference: Option<String>,
    pub changes: Vec<String>,
    pub message: Option<String>,
    /// The platform to record (os/arch[/variant]); the host's when `None`.
    pub platform: Option<String>,
}

/// Imports the tar read from `input`; returns the new image's ID.
pub fn import(
    _inside: Inside,
    ctx: &Context,
    mut input: impl Read,
    opts: &ImportOptions,
) -> Result<String, ImagesError> {
    let mut fields = Map::new();
    for c in &opts.changes {
        change::apply(&mut fields, c)?;
    }
    let platform = match &opts.platform {
        Some(p) => Platform::parse(p)?,
        None => Platform::host(),
    };
    let name = opts
        .reference
        .as_deref()
        .map(|r| Reference::parse(r).map(|r| r.to_string()))
        .transpose()?;
    let mut store = ctx.open_store()?;
    let _adding = store.lock_for_adding()?;
    store.sweep_temp()?;
    let blob = store.temp_entry("import")?;
    let digest = copy_hashing(&mut input, blob.path(), &|e| {
        ImagesError::InvalidArgument(format!("cannot read the tarball: {e}"))
    })?;
    let label = name
        .clone()
        .unwrap_or_else(|| "the imported tarball".to_owned());
    let layer = layers::prepare(
        &store,
        &ctx.unpack_options(),
        blob.path(),
        &digest,
        None,
        &label,
    )?;
    let diff_id = layer.record.diff_id.clone();
    layers::commit(&store, layer)?;
    let config = config(&fields, &diff_id, opts.message.as_deref(), platform);
    let config_digest = digest_of("sha256", &config);
    store.put_blob(&config_digest, &config)?;
    let id = digest_hex(&config_digest)?.to_owned();
    let created = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Nanos, true);
    store.add_image(&NewImage {
        id: &id,
        manifest_digest: None,
        manifest_media_type: None,
        created: Some(&created),
        layers: std::slice::from_ref(&diff_id),
        tag: name.as_deref(),
        repo_digest: None,
    })?;
    Ok(id)
}

fn config(
    fields: &Map<String, Value>,
    diff_id: &str,
    message: Option<&str>,
    host: Platform,
) -> Vec<u8> {
    let now = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Nanos, true);
    let mut history = json!({"created": now, "created_by": "coracle import"});
    if let Some(m) = message {
        history["comment"] = json!(m);
    }
    let mut config = json!({
        "created": now,
        "architecture": host.architecture,
        "os": host.os,
        "config": fields,
        "rootfs": {"type": "layers", "diff_ids": [diff_id]},
        "history": [history],
    });
    if let Some(v) = host.variant {
        config["variant"] = json!(v);
    }
    serde_json::to_vec(&config).expect("JSON")
}
