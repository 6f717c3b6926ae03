//! `image history`: the config's history entries, newest first, with layer sizes.

use super::{config, resolve, ImagesError};
use crate::engine::store::Store;
use serde_json::Value;

#[derive(Debug, Clone, serde::Serialize)]
pub struct HistoryEntry {
    /// The image ID on the newest entry, `<missing>` below it (as Docker shows).
    pub id: String,
    pub created: Option<String>,
    pub created_by: String,
    pub size: u64,
    pub comment: String,
}

pub fn history(store: &Store, name: &str) -> Result<Vec<HistoryEntry>, ImagesError> {
    let image = store.image(&resolve(store, name)?)?;
    let config = config::load(store, &image)?;
    let sizes: Vec<u64> = image
        .layers
        .iter()
        .map(|l| store.layer_size(l))
        .collect::<Result<_, _>>()?;
    let mut sizes = sizes.into_iter();
    let text = |v: &Value, key| {
        v.get(key)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned()
    };
    let mut entries: Vec<HistoryEntry> = config
        .get("history")
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or_default()
        .iter()
        .map(|h| {
            let empty = h
                .get("empty_layer")
                .and_then(Value::as_bool)
                .unwrap_or(false);
            HistoryEntry {
                id: "<missing>".to_owned(),
                created: h.get("created").and_then(Value::as_str).map(str::to_owned),
                created_by: text(h, "created_by"),
                size: if empty { 0 } else { sizes.next().unwrap_or(0) },
                comment: text(h, "comment"),
            }
        })
        .collect();
    entries.reverse();
    if let Some(newest) = entries.first_mut() {
        newest.id = image.id.clone();
    }
    Ok(entries)
}
