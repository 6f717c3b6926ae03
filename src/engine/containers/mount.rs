//! `mount` and `unmount`: a container's rootfs (its overlay) mounted at its
//! `merged` dir in the caller's mount namespace, for tools outside the container.
//! As in containers/storage, mounts are counted: each `mount` adds one, each
//! `unmount` takes one away, and the last one unmounts. A mounted container that
//! is started runs on that same mount; it stays mounted after the container stops.

use super::lookup::{config_of, lookup};
use super::{running_root, state, ContainersError};
use crate::engine::monitor::rootfs;
use crate::engine::process::Host;
use crate::engine::storage_driver;
use crate::engine::store::lock::Lock;
use crate::engine::store::Store;
use nix::mount::{umount2, MntFlags};
use std::path::{Path, PathBuf};

/// How many times the container was mounted. In its directory: it goes with
/// the container, and a count the mount did not outlive (a reboot) is ignored.
const COUNT_FILE: &str = "mount-count";

/// A container mounted here, as `mount` lists it.
#[derive(Debug, Clone)]
pub struct Mounted {
    pub id: String,
    pub name: String,
    pub path: PathBuf,
}

/// Mounts container `input`'s rootfs (or counts one more mount of it); returns
/// where it is mounted. A running one is reached from the host side (`host`).
pub fn mount(store: &Store, host: Option<&Host>, input: &str) -> Result<PathBuf, ContainersError> {
    let record = lookup(store, input)?;
    let dir = store.container_dir(&record.id);
    let merged = rootfs::merged(&dir);
    if rootfs::is_mounted(&dir) {
        write_count(&dir, count(&dir) + 1)?;
        return Ok(merged);
    }
    if record.state.status.has_monitor() {
        let host = host.ok_or_else(|| {
            ContainersError::Conflict(format!(
                "container {input} is running in a user namespace this process cannot join: stop it first"
            ))
        })?;
        running_root::attach(host, &record, input, &merged)?;
        write_count(&dir, 1)?;
        return Ok(merged);
    }
    // The monitor lock keeps the container from starting while its overlay is
    // being mounted.
    let Some(_lock) = Lock::try_exclusive(&state::monitor_lock_path(store, &record.id))? else {
        return Err(ContainersError::Conflict(format!(
            "container {input} is starting or stopping: try again"
        )));
    };
    let layers = config_of(&record)?.layers;
    storage_driver::mount_lasting(store.storage(), &dir, &layers)
        .map_err(|e| ContainersError::Mount(format!("cannot mount container {input}: {e}")))?;
    write_count(&dir, 1)?;
    Ok(merged)
}

/// Takes one mount of container `input` away (all of them with `force`),
/// unmounting it with the last. A running container is left as it is, as
/// Podman leaves it: returns whether it was not running.
pub fn unmount(store: &Store, input: &str, force: bool) -> Result<bool, ContainersError> {
    let record = lookup(store, input)?;
    if record.state.status.has_monitor() {
        return Ok(false);
    }
    release(&store.container_dir(&record.id), force)?;
    Ok(true)
}

/// Unmounts every mounted container that does not run; their IDs.
pub fn unmount_all(store: &Store, force: bool) -> Result<Vec<String>, ContainersError> {
    let mut ids = Vec::new();
    for m in mounted(store)? {
        if unmount(store, &m.id, force)? {
            ids.push(m.id);
        }
    }
    Ok(ids)
}

/// The containers mounted in this mount namespace.
pub fn mounted(store: &Store) -> Result<Vec<Mounted>, ContainersError> {
    Ok(store
        .containers()?
        .into_iter()
        .filter_map(|record| {
            let dir = store.container_dir(&record.id);
            rootfs::is_mounted(&dir).then(|| Mounted {
                path: rootfs::merged(&dir),
                name: record.name,
                id: record.id,
            })
        })
        .collect())
}

pub(crate) fn release(dir: &Path, force: bool) -> Result<(), ContainersError> {
    let left = count(dir).saturating_sub(1);
    if rootfs::is_mounted(dir) && left > 0 && !force {
        return write_count(dir, left);
    }
    // Detached, as containers/storage unmounts: a shell still in the tree does
    // not keep the mount from going.
    if rootfs::is_mounted(dir) {
        umount2(&rootfs::merged(dir), MntFlags::MNT_DETACH).map_err(|e| {
            ContainersError::Mount(format!(
                "cannot unmount {}: {e}",
                rootfs::merged(dir).display()
            ))
        })?;
    }
    let _ = std::fs::remove_file(dir.join(COUNT_FILE));
    Ok(())
}

/// At least 1 for a mounted container (a mount whose count was lost is one).
pub(crate) fn count(dir: &Path) -> u64 {
    std::fs::read_to_string(dir.join(COUNT_FILE))
        .ok()
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or(0)
        .max(1)
}

pub(crate) fn write_count(dir: &Path, count: u64) -> Result<(), ContainersError> {
    let path = dir.join(COUNT_FILE);
    std::fs::write(&path, count.to_string())
        .map_err(|source| ContainersError::Write { path, source })
}
