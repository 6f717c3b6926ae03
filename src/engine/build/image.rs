//! The image a build is making, step by step: its config (kept as JSON, so that
//! fields of a base image coracle does not know survive), its layers, and how each
//! step is committed as an image of its own (untagged, as Docker's classic builder
//! does: they are the cache).

use super::BuildError;
use crate::engine::images;
use crate::engine::images::push::plan::{Compression, ManifestFormat};
use crate::engine::oci::platform::Platform;
use crate::engine::store::blobs::sha256_digest;
use crate::engine::store::images::NewImage;
use crate::engine::store::Store;
use serde_json::{json, Map, Value};

/// How a build writes its images: `--format`, `--annotation`, `--timestamp`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageStyle {
    pub format: ManifestFormat,
    /// The manifest's annotations (Docker's format has none).
    pub annotations: Vec<(String, String)>,
    /// The created time of the config and of the history the build adds
    /// (RFC 3339); None: now.
    pub created: Option<String>,
}

impl Default for ImageStyle {
    fn default() -> ImageStyle {
        ImageStyle {
            format: ManifestFormat::Oci,
            annotations: Vec::new(),
            created: None,
        }
    }
}

impl ImageStyle {
    fn created(&self) -> String {
        self.created.clone().unwrap_or_else(now)
    }
}

#[derive(Debug, Clone)]
pub struct ImageState {
    /// None until the first commit of a stage built FROM scratch.
    pub id: Option<String>,
    pub config: Value,
    /// Diff-ids, bottom first.
    pub layers: Vec<String>,
}

impl ImageState {
    pub fn scratch(platform: &Platform) -> ImageState {
        let mut config = json!({
            "architecture": platform.architecture,
            "os": platform.os,
            "config": {},
            "rootfs": {"type": "layers", "diff_ids": []},
            "history": [],
        });
        if let Some(variant) = &platform.variant {
            config["variant"] = json!(variant);
        }
        ImageState {
            id: None,
            config,
            layers: Vec::new(),
        }
    }

    pub fn load(store: &Store, id: &str) -> Result<ImageState, BuildError> {
        let record = store.image(id)?;
        let mut config = images::config::load(store, &record)?;
        if !config.get("config").is_some_and(Value::is_object) {
            config["config"] = json!({});
        }
        Ok(ImageState {
            id: Some(record.id.clone()),
            config,
            layers: record.layers,
        })
    }

    /// What the cache calls the image a step starts from.
    pub fn parent_key(&self) -> &str {
        self.id.as_deref().unwrap_or("scratch")
    }

    /// The `config` object (Env, Cmd, ...).
    pub fn container_config(&mut self) -> &mut Map<String, Value> {
        self.config["config"]
            .as_object_mut()
            .expect("load and scratch make config an object")
    }

    pub fn get(&self, key: &str) -> Option<&Value> {
        self.config.get("config").and_then(|c| c.get(key))
    }

    pub fn set(&mut self, key: &str, value: Value) {
        self.container_config().insert(key.to_owned(), value);
    }

    pub fn text(&self, key: &str) -> String {
        self.get(key)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned()
    }

    pub fn strings(&self, key: &str) -> Vec<String> {
        self.get(key)
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(|v| v.as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default()
    }

    pub fn env(&self) -> Vec<String> {
        self.strings("Env")
    }

    pub fn env_value(&self, name: &str) -> Option<String> {
        self.env().iter().find_map(|e| {
            e.split_once('=')
                .filter(|(k, _)| *k == name)
                .map(|(_, v)| v.to_owned())
        })
    }

    pub fn set_env(&mut self, name: &str, value: &str) {
        let mut env = self.env();
        let entry = format!("{name}={value}");
        match env
            .iter_mut()
            .find(|e| e.split_once('=').map_or(e.as_str(), |(k, _)| k) == name)
        {
            Some(e) => *e = entry,
            None => env.push(entry),
        }
        self.set("Env", json!(env));
    }

    /// Adds to an object-valued key (Labels, ExposedPorts, Volumes).
    pub fn insert_into(&mut self, key: &str, name: &str, value: Value) {
        let config = self.container_config();
        let map = config.entry(key).or_insert_with(|| json!({}));
        if !map.is_object() {
            *map = json!({});
        }
        map.as_object_mut()
            .expect("made an object above")
            .insert(name.to_owned(), value);
    }

    pub fn add_history(&mut self, created_by: &str, empty_layer: bool) {
        self.add_history_styled(created_by, empty_layer, &ImageStyle::default());
    }

    pub fn add_history_styled(&mut self, created_by: &str, empty_layer: bool, style: &ImageStyle) {
        let mut entry = json!({
            "created": style.created(),
            "created_by": created_by,
        });
        if empty_layer {
            entry["empty_layer"] = json!(true);
        }
        if !self.config.get("history").is_some_and(Value::is_array) {
            self.config["history"] = json!([]);
        }
        self.config["history"]
            .as_array_mut()
            .expect("made an array above")
            .push(entry);
    }

    /// Stores config, manifest and image record, in the build's format, with its
    /// annotations and time; the state then names the new image.
    pub fn commit_styled(
        &mut self,
        store: &mut Store,
        style: &ImageStyle,
    ) -> Result<String, BuildError> {
        let format = style.format;
        let created = style.created();
        self.config["created"] = json!(created);
        self.config["rootfs"] = json!({"type": "layers", "diff_ids": self.layers});
        let config = serde_json::to_vec(&self.config).map_err(json_error)?;
        let config_digest = sha256_digest(&config);
        if !store.has_blob(&config_digest) {
            store.put_blob(&config_digest, &config)?;
        }
        let mut layers = Vec::new();
        for diff_id in &self.layers {
            let layer = store.layer(diff_id)?.ok_or_else(|| {
                BuildError::Engine(format!("layer {diff_id} vanished from the store"))
            })?;
            let compression = Compression::of_media_type(&layer.media_type);
            layers.push(json!({
                "mediaType": format.layer_media_type(compression),
                "digest": layer.blob_digest,
                "size": layer.blob_size,
            }));
        }
        let mut manifest = json!({
            "schemaVersion": 2,
            "mediaType": format.media_type(),
            "config": {"mediaType": format.config_media_type(), "digest": config_digest, "size": config.len()},
            "layers": layers,
        });
        if format == ManifestFormat::Oci && !style.annotations.is_empty() {
            let annotations: Map<String, Value> = style
                .annotations
                .iter()
                .map(|(k, v)| (k.clone(), json!(v)))
                .collect();
            manifest["annotations"] = Value::Object(annotations);
        }
        let manifest = serde_json::to_vec(&manifest).map_err(json_error)?;
        let manifest_digest = sha256_digest(&manifest);
        if !store.has_blob(&manifest_digest) {
            store.put_blob(&manifest_digest, &manifest)?;
        }
        let id = config_digest
            .strip_prefix("sha256:")
            .unwrap_or(&config_digest)
            .to_owned();
        store.add_image(&NewImage {
            id: &id,
            manifest_digest: Some(&manifest_digest),
            manifest_media_type: Some(format.media_type()),
            created: Some(&created),
            layers: &self.layers,
            tag: None,
            repo_digest: None,
        })?;
        self.id = Some(id.clone());
        Ok(id)
    }
}

/// `--timestamp`: seconds since the epoch as the config's time; None when out
/// of range.
pub fn epoch_time(secs: i64) -> Option<String> {
    chrono::DateTime::from_timestamp(secs, 0)
        .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
}

fn now() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Nanos, true)
}

fn json_error(e: serde_json::Error) -> BuildError {
    BuildError::Engine(format!("cannot encode the image config: {e}"))
}
