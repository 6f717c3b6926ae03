//! `image mount` and `image unmount`: an image's layers, read-only, at
//! `image-mounts/<id>/merged` in the caller's mount namespace. Counted as
//! container mounts are (containers::mount): the last unmount unmounts.

use super::{resolve, ImagesError};
use crate::engine::containers::mount::{count, release, write_count};
use crate::engine::monitor::rootfs;
use crate::engine::store::Store;
use nix::mount::{mount as sys_mount, MsFlags};
use std::path::{Path, PathBuf};

/// An image mounted here, as `image mount` lists it.
#[derive(Debug, Clone)]
pub struct MountedImage {
    pub id: String,
    pub tags: Vec<String>,
    pub manifest_digest: Option<String>,
    pub path: PathBuf,
}

/// Mounts each image (or counts one more mount of it). Every name is resolved
/// before anything is mounted, as Podman does: one unknown name mounts none.
pub fn mount(store: &Store, names: &[String]) -> Result<Vec<MountedImage>, ImagesError> {
    let ids = names
        .iter()
        .map(|n| resolve(store, n))
        .collect::<Result<Vec<_>, _>>()?;
    ids.iter().map(|id| mount_one(store, id)).collect()
}

fn mount_one(store: &Store, id: &str) -> Result<MountedImage, ImagesError> {
    let image = store.image(id)?;
    let dir = store.image_mount_dir(id);
    let merged = rootfs::merged(&dir);
    let counted = match rootfs::is_mounted(&dir) {
        true => count(&dir) + 1,
        false => {
            let layers = image
                .layers
                .iter()
                .rev()
                .map(|l| store.layer_path(l))
                .collect::<Result<Vec<_>, _>>()?;
            mount_layers(&layers, &dir).map_err(|e| mount_error(id, &e.to_string()))?;
            1
        }
    };
    write_count(&dir, counted).map_err(|e| mount_error(id, &e.to_string()))?;
    Ok(MountedImage {
        id: image.id,
        tags: image.tags,
        manifest_digest: image.manifest_digest,
        path: merged,
    })
}

/// A read-only overlay of the layers. Overlay wants two lower dirs at least
/// when it has no upper one, so an empty one goes below them (a lone layer
/// bound read-only would need the host mount's locked flags repeated).
fn mount_layers(layers: &[PathBuf], dir: &Path) -> std::io::Result<()> {
    let empty = dir.join("empty");
    std::fs::create_dir_all(&empty)?;
    std::fs::create_dir_all(rootfs::merged(dir))?;
    let lower: Vec<String> = layers
        .iter()
        .chain([&empty])
        .map(|l| l.display().to_string())
        .collect();
    // userxattr: the layers mark opaque dirs with user.overlay.opaque.
    let options = format!("lowerdir={},userxattr", lower.join(":"));
    sys_mount(
        Some("overlay"),
        &rootfs::merged(dir),
        Some("overlay"),
        MsFlags::MS_RDONLY,
        Some(options.as_str()),
    )?;
    Ok(())
}

/// Takes a mount of each image away (all of them with `force`); the IDs of
/// those that were mounted. An image not mounted here is no error (Podman's way).
pub fn unmount(store: &Store, names: &[String], force: bool) -> Result<Vec<String>, ImagesError> {
    let ids = names
        .iter()
        .map(|n| resolve(store, n))
        .collect::<Result<Vec<_>, _>>()?;
    let mut unmounted = Vec::new();
    for id in ids {
        let dir = store.image_mount_dir(&id);
        if rootfs::is_mounted(&dir) {
            release(&dir, force).map_err(|e| mount_error(&id, &e.to_string()))?;
            unmounted.push(id);
        }
    }
    Ok(unmounted)
}

/// An image's mounts go with it (`rmi`, `image prune`), forced or not, as
/// containers/storage unmounts a layer it deletes: every mount of it here,
/// then its directory.
pub fn remove_mounts(store: &Store, id: &str) -> Result<(), ImagesError> {
    let dir = store.image_mount_dir(id);
    release(&dir, true).map_err(|e| {
        ImagesError::Mount(format!(
            "cannot unmount image {}: {e}",
            &id[..12.min(id.len())]
        ))
    })?;
    match std::fs::remove_dir_all(&dir) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(ImagesError::Mount(format!(
            "cannot remove {}: {e}",
            dir.display()
        ))),
        _ => Ok(()),
    }
}

/// The images mounted in this mount namespace.
pub fn mounted(store: &Store) -> Result<Vec<MountedImage>, ImagesError> {
    Ok(store
        .images()?
        .into_iter()
        .filter(|image| rootfs::is_mounted(&store.image_mount_dir(&image.id)))
        .map(|image| MountedImage {
            path: rootfs::merged(&store.image_mount_dir(&image.id)),
            id: image.id,
            tags: image.tags,
            manifest_digest: image.manifest_digest,
        })
        .collect())
}

fn mount_error(id: &str, why: &str) -> ImagesError {
    ImagesError::Mount(format!(
        "cannot mount image {}: {why}",
        &id[..12.min(id.len())]
    ))
}
