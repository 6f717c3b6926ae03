//! `rmi` and `image prune`, with Docker's rules for names against IDs.

use super::prune_filter::PruneFilters;
use super::{familiar, resolve, ImagesError};
use crate::engine::oci::reference::Reference;
use crate::engine::process::Inside;
use crate::engine::store::Store;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Removed {
    /// A name taken off (familiar form).
    Untagged(String),
    /// An image deleted (`sha256:<hex>`).
    Deleted(String),
}

/// Removes one image by name or ID. By name, only that name goes unless it was the
/// last; by ID, an image with several names needs `force`.
pub fn remove(
    _inside: Inside,
    store: &mut Store,
    name: &str,
    force: bool,
) -> Result<Vec<Removed>, ImagesError> {
    let id = resolve(store, name)?;
    let image = store.image(&id)?;
    let by_tag = Reference::parse(name)
        .ok()
        .map(|r| r.to_string())
        .filter(|full| image.tags.contains(full));
    let mut removed = Vec::new();
    if let Some(tag) = by_tag {
        if image.tags.len() > 1 {
            store.remove_tag(&tag)?;
            return Ok(vec![Removed::Untagged(familiar(&tag))]);
        }
    } else if image.tags.len() > 1 && !force {
        return Err(ImagesError::SeveralNames {
            id,
            names: image.tags.iter().map(|t| familiar(t)).collect(),
        });
    }
    // Only now: a name taken off an image with others is no removal, and a
    // container using the image does not stop it (libimage's order).
    let users = store.containers_using_image(&id)?;
    if !users.is_empty() {
        return Err(ImagesError::InUse {
            image: name.to_owned(),
            containers: users,
        });
    }
    for name in image.tags.iter().chain(&image.digests) {
        removed.push(Removed::Untagged(familiar(name)));
    }
    let _deleting = store.lock_for_deleting()?;
    super::mount::remove_mounts(store, &id)?;
    store.remove_image(&id)?;
    store.remove_unused_layers()?;
    removed.push(Removed::Deleted(format!("sha256:{id}")));
    Ok(removed)
}

#[derive(Default)]
pub struct Pruned {
    pub removed: Vec<Removed>,
    pub reclaimed: u64,
}

/// Removes dangling images, or with `all` every image (build cache steps too),
/// sparing those containers use.
pub fn prune(store: &mut Store, all: bool, filters: &PruneFilters) -> Result<Pruned, ImagesError> {
    let all = all || filters.all;
    let _deleting = store.lock_for_deleting()?;
    let before = store.total_layer_size()?;
    let mut removed = Vec::new();
    for image in store.images()? {
        if (!all && !image.tags.is_empty()) || !store.containers_using_image(&image.id)?.is_empty()
        {
            continue;
        }
        // A build step a later step built on is intermediate, not dangling (as
        // Podman sees it). Newest come first, so a chain whose end was removed
        // unwinds in one pass.
        if !all && store.has_build_children(&image.id)? {
            continue;
        }
        if !filters.allow(store, &image)? {
            continue;
        }
        for name in image.tags.iter().chain(&image.digests) {
            removed.push(Removed::Untagged(familiar(name)));
        }
        super::mount::remove_mounts(store, &image.id)?;
        store.remove_image(&image.id)?;
        removed.push(Removed::Deleted(format!("sha256:{}", image.id)));
    }
    store.remove_unused_layers()?;
    store.remove_orphans()?;
    let reclaimed = before.saturating_sub(store.total_layer_size()?);
    Ok(Pruned { removed, reclaimed })
}
