//! Reading a stored image's config.

use super::ImagesError;
use crate::engine::store::images::ImageRecord;
use crate::engine::store::Store;
use serde_json::Value;

pub fn load(store: &Store, image: &ImageRecord) -> Result<Value, ImagesError> {
    let bytes = store.read_blob(&image.config_digest())?;
    serde_json::from_slice(&bytes).map_err(|e| ImagesError::BadManifest {
        image: image.id.clone(),
        message: format!("stored config is not JSON: {e}"),
    })
}

pub fn labels(config: &Value) -> serde_json::Map<String, Value> {
    config
        .pointer("/config/Labels")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default()
}
