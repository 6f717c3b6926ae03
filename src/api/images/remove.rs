//! `DELETE /images/{name}`, `POST /images/prune` and `POST /images/{name}/tag`.

use crate::api::error::Error;
use crate::api::exchange::Exchange;
use crate::api::filters;
use crate::engine::images::remove::Removed;
use crate::engine::interface::Engine;
use crate::engine::oci::reference::Reference;
use bollard_stubs::models::{ImageDeleteResponseItem, ImagePruneResponse};

/// Docker's answer lists what went: names untagged, then images deleted.
/// `noprune` (keep untagged parents) has nothing to do here: removing an image
/// never removes other images.
pub fn remove(engine: &dyn Engine, ex: &mut Exchange, name: &str) -> Result<(), Error> {
    let removed = engine
        .remove_images(&[name.to_owned()], ex.head.flag("force"))?
        .pop()
        .unwrap_or_else(|| Ok(vec![]))?;
    let items: Vec<_> = removed.into_iter().map(item).collect();
    Ok(ex.reply.json(200, &items)?)
}

fn item(removed: Removed) -> ImageDeleteResponseItem {
    match removed {
        Removed::Untagged(name) => ImageDeleteResponseItem {
            untagged: Some(name),
            ..Default::default()
        },
        Removed::Deleted(id) => ImageDeleteResponseItem {
            deleted: Some(id),
            ..Default::default()
        },
    }
}

/// Docker prunes dangling images unless told `dangling=false`, which prunes
/// every image no container uses.
pub fn prune(engine: &dyn Engine, ex: &mut Exchange) -> Result<(), Error> {
    let mut all = false;
    for filter in filters::of(&ex.head)? {
        match filter.as_str() {
            "dangling=true" | "dangling=1" => {}
            "dangling=false" | "dangling=0" => all = true,
            other => {
                return Err(Error::bad_request(format!(
                    "invalid filter {other:?}: image prune takes dangling=true|false"
                )))
            }
        }
    }
    let pruned = engine.prune_images(all, &[])?;
    let body = ImagePruneResponse {
        images_deleted: Some(pruned.removed.into_iter().map(item).collect()),
        space_reclaimed: Some(pruned.reclaimed as i64),
    };
    Ok(ex.reply.json(200, &body)?)
}

/// `repo` and `tag` name the new name; Docker answers 201 with no body.
pub fn tag(engine: &dyn Engine, ex: &mut Exchange, name: &str) -> Result<(), Error> {
    let repo = ex
        .head
        .param("repo")
        .filter(|r| !r.is_empty())
        .ok_or_else(|| Error::bad_request("repository name (repo) is required"))?;
    let target = match ex.head.param("tag").filter(|t| !t.is_empty()) {
        Some(tag) => format!("{repo}:{tag}"),
        None => repo.to_owned(),
    };
    Reference::parse(&target).map_err(|e| Error::bad_request(e.to_string()))?;
    engine.tag(name, &[target])?;
    Ok(ex.reply.empty(201, &[])?)
}
