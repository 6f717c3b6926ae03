//! Telling manifests from lists, and reading what pull needs from a config.

use super::bad;
use crate::engine::images::ImagesError;
use oci_spec::image::{ImageConfiguration, ImageIndex, ImageManifest};

pub enum Parsed {
    Index(Box<ImageIndex>),
    Manifest(Box<ImageManifest>),
}

const INDEX_TYPES: [&str; 2] = [
    "application/vnd.oci.image.index.v1+json",
    "application/vnd.docker.distribution.manifest.list.v2+json",
];
const MANIFEST_TYPES: [&str; 2] = [
    "application/vnd.oci.image.manifest.v1+json",
    "application/vnd.docker.distribution.manifest.v2+json",
];

pub fn parse(image: &str, bytes: &[u8], media_type: &str) -> Result<Parsed, ImagesError> {
    let json: serde_json::Value = serde_json::from_slice(bytes)
        .map_err(|e| bad(image, &format!("manifest is not JSON: {e}")))?;
    let declared = json
        .get("mediaType")
        .and_then(|m| m.as_str())
        .unwrap_or(media_type);
    let kind = if INDEX_TYPES.contains(&declared)
        || (!MANIFEST_TYPES.contains(&declared) && json.get("manifests").is_some())
    {
        "index"
    } else if MANIFEST_TYPES.contains(&declared) || json.get("layers").is_some() {
        "manifest"
    } else if json.get("schemaVersion").and_then(|v| v.as_u64()) == Some(1) {
        return Err(bad(
            image,
            "Docker schema 1 manifests are not supported; push the image again with a current tool",
        ));
    } else {
        return Err(bad(
            image,
            &format!("unsupported manifest type {declared:?}"),
        ));
    };
    let invalid = |e: serde_json::Error| bad(image, &format!("malformed {kind}: {e}"));
    if kind == "index" {
        Ok(Parsed::Index(Box::new(
            serde_json::from_value(json).map_err(invalid)?,
        )))
    } else {
        Ok(Parsed::Manifest(Box::new(
            serde_json::from_value(json).map_err(invalid)?,
        )))
    }
}

pub fn diff_ids(image: &str, config: &[u8]) -> Result<Vec<String>, ImagesError> {
    let config: ImageConfiguration = serde_json::from_slice(config)
        .map_err(|e| bad(image, &format!("malformed image config: {e}")))?;
    Ok(config.rootfs().diff_ids().to_vec())
}

pub fn created(config: &[u8]) -> Option<String> {
    let json: serde_json::Value = serde_json::from_slice(config).ok()?;
    json.get("created")?.as_str().map(str::to_owned)
}
