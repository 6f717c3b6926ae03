//! Diff, mount and disk usage. Layers and upper dirs hold files of the
//! containers' ids, so these read from inside our user namespace; mounting works
//! in the caller's own mount namespace, which only real root, or a process
//! inside `coracle unshare`, has for later commands to see.

use super::LocalEngine;
use crate::engine::containers::mount::{self, Mounted};
use crate::engine::containers::ContainersError;
use crate::engine::diff::{self, Change, Target};
use crate::engine::disk_usage::{self, DiskUsage};
use crate::engine::images::mount::{self as image_mount, MountedImage};
use crate::engine::interface::{Each, Error, StorageEngine};
use crate::engine::userns::Mode;
use std::path::PathBuf;

impl StorageEngine for LocalEngine {
    fn diff(&self, name: &str, target: Target) -> Result<Vec<Change>, Error> {
        let inside = self.inside()?;
        Ok(diff::diff(inside, &self.store()?, name, target)?)
    }

    fn mount(&self, names: &[String]) -> Result<Each<PathBuf>, Error> {
        self.own_mount_namespace("mount")?;
        // Running containers are reached from the host side; inside `coracle
        // unshare` (a namespace of its own) there is none.
        let host = self.host().ok();
        let store = self.store()?;
        Ok(names
            .iter()
            .map(|name| mount::mount(&store, host.as_ref(), name).map_err(Error::from))
            .collect())
    }

    fn unmount(&self, names: &[String], force: bool) -> Result<Each<bool>, Error> {
        self.own_mount_namespace("unmount")?;
        let store = self.store()?;
        Ok(names
            .iter()
            .map(|name| mount::unmount(&store, name, force).map_err(Error::from))
            .collect())
    }

    fn unmount_all(&self, force: bool) -> Result<Vec<String>, Error> {
        self.own_mount_namespace("unmount")?;
        Ok(mount::unmount_all(&self.store()?, force)?)
    }

    fn mounted(&self) -> Result<Vec<Mounted>, Error> {
        Ok(mount::mounted(&self.store()?)?)
    }

    fn mount_images(&self, names: &[String]) -> Result<Vec<MountedImage>, Error> {
        self.own_mount_namespace("image mount")?;
        Ok(image_mount::mount(&self.store()?, names)?)
    }

    /// Rootless outside `coracle unshare`, this fresh namespace has nothing
    /// mounted: nothing to do, and no error (Podman's way).
    fn unmount_images(&self, names: &[String], force: bool) -> Result<Vec<String>, Error> {
        Ok(image_mount::unmount(&self.store()?, names, force)?)
    }

    fn mounted_images(&self) -> Result<Vec<MountedImage>, Error> {
        Ok(image_mount::mounted(&self.store()?)?)
    }

    fn disk_usage(&self) -> Result<DiskUsage, Error> {
        let inside = self.inside()?;
        Ok(disk_usage::disk_usage(inside, &self.store()?)?)
    }
}

impl LocalEngine {
    /// Rootless, each command enters a fresh namespace whose mounts die with it:
    /// mounting is for a process already inside one that lasts (`coracle unshare`).
    fn own_mount_namespace(&self, verb: &'static str) -> Result<(), Error> {
        match self.ctx.mode {
            Mode::Rootless(_) => Err(ContainersError::NeedsUnshare(verb).into()),
            Mode::Rootful | Mode::Inside(_) => Ok(()),
        }
    }
}
