//! The VOLUMEs a commit gives the image, as Podman does: the container's
//! anonymous volumes always, and with `--include-volumes` every path the user
//! mounted (binds, named volumes, tmpfs).

use super::image::ImageState;
use super::BuildError;
use crate::engine::store::Store;
use crate::engine::volumes::mounts::{Mount, MountKind};
use serde_json::json;

/// Adds the mount points `mounts` contributes to the image's `Volumes`.
pub fn add_volumes(
    store: &Store,
    image: &mut ImageState,
    mounts: &[Mount],
    include_all: bool,
) -> Result<(), BuildError> {
    for mount in mounts {
        if include_all || is_anonymous(store, mount)? {
            image.insert_into("Volumes", &mount.destination, json!({}));
        }
    }
    Ok(())
}

fn is_anonymous(store: &Store, mount: &Mount) -> Result<bool, BuildError> {
    let (MountKind::Volume, Some(name)) = (&mount.kind, &mount.name) else {
        return Ok(false);
    };
    Ok(store.volume(name)?.is_some_and(|v| v.anonymous))
}
