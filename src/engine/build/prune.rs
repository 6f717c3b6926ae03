//! `builder prune`: forget every cached step, remove the images steps made that
//! nothing names or uses any more, and empty the RUN cache mounts.

use super::BuildError;
use crate::engine::images::remove::{Pruned, Removed};
use crate::engine::process::Inside;
use crate::engine::store::Store;

pub fn prune(store: &mut Store, _inside: Inside) -> Result<Pruned, BuildError> {
    let _deleting = store.lock_for_deleting()?;
    let before = store.total_layer_size()?;
    let mut removed = Vec::new();
    for id in store.clear_build_cache()? {
        let Ok(image) = store.image(&id) else {
            continue;
        };
        if !image.tags.is_empty() || !store.containers_using_image(&id)?.is_empty() {
            continue;
        }
        store.remove_image(&id)?;
        removed.push(Removed::Deleted(format!("sha256:{id}")));
    }
    store.remove_unused_layers()?;
    let cache_mounts = store.clear_cache_mounts()?;
    let reclaimed = before.saturating_sub(store.total_layer_size()?) + cache_mounts;
    Ok(Pruned { removed, reclaimed })
}
