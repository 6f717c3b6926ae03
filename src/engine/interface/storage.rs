//! The verbs on what is stored, across containers and images: what changed,
//! mounting a container's rootfs for the caller, and the space it all takes.

use super::{Each, Error};
use crate::engine::containers::mount::Mounted;
use crate::engine::diff::{Change, Target};
use crate::engine::disk_usage::DiskUsage;
use crate::engine::images::mount::MountedImage;
use std::path::PathBuf;

pub trait StorageEngine {
    /// What the container (over its image) or the image (its top layer over
    /// the rest) changed, parents first.
    fn diff(&self, name: &str, target: Target) -> Result<Vec<Change>, Error>;

    /// Mounts each container's rootfs in the caller's mount namespace (or counts
    /// one more mount); where each is mounted. Refused rootless outside `coracle
    /// unshare`, where no later command could see the mount.
    fn mount(&self, names: &[String]) -> Result<Each<PathBuf>, Error>;

    /// Takes a mount of each away (all of them with `force`); `false` for a
    /// running container, which is left as it is.
    fn unmount(&self, names: &[String], force: bool) -> Result<Each<bool>, Error>;

    /// Unmounts every mounted container that does not run; their IDs.
    fn unmount_all(&self, force: bool) -> Result<Vec<String>, Error>;

    /// The containers mounted in the caller's mount namespace.
    fn mounted(&self) -> Result<Vec<Mounted>, Error>;

    /// Mounts each image's layers read-only (or counts one more mount); refused
    /// rootless outside `coracle unshare`, as `mount` is.
    fn mount_images(&self, names: &[String]) -> Result<Vec<MountedImage>, Error>;

    /// Takes a mount of each image away (all of them with `force`); the IDs of
    /// those that were mounted.
    fn unmount_images(&self, names: &[String], force: bool) -> Result<Vec<String>, Error>;

    /// The images mounted in the caller's mount namespace.
    fn mounted_images(&self) -> Result<Vec<MountedImage>, Error>;

    /// The space images, containers and volumes take (`system df`).
    fn disk_usage(&self) -> Result<DiskUsage, Error>;
}
