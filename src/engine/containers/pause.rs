//! `pause` and `unpause`, through the cgroup v2 freezer of the container's cgroup.
//! Rootless on a cgroup v1 host (or v2 without delegation) there is no freezer the
//! user may write: that is said plainly rather than half done.

use super::lookup::lookup;
use super::ContainersError;
use crate::engine::store::containers::Status;
use crate::engine::store::Store;
use std::path::PathBuf;

/// Freezes (`frozen`) or thaws the container's processes and records it.
pub fn set_paused(store: &Store, input: &str, frozen: bool) -> Result<(), ContainersError> {
    let mut record = lookup(store, input)?;
    let (from, to, verb) = if frozen {
        (Status::Running, Status::Paused, "pause")
    } else {
        (Status::Paused, Status::Running, "unpause")
    };
    if record.state.status != from {
        // Podman quotes the state where one would expect the name.
        return Err(ContainersError::Improper(format!(
            "{:?} is not {}, can't {verb}",
            record.state.status.as_str(),
            from.as_str()
        )));
    }
    let freeze = freezer(&record.id).ok_or(ContainersError::NoFreezer)?;
    std::fs::write(&freeze, if frozen { "1" } else { "0" })
        .map_err(|_| ContainersError::NoFreezer)?;
    record.state.status = to;
    store.set_run_state(&record.id, &record.state)?;
    let action = if frozen { "pause" } else { "unpause" };
    store.record(super::events::event(&record, action));
    Ok(())
}

/// The container's `cgroup.freeze`, if the host has a cgroup v2 tree and the
/// container a cgroup in it (create gives it `/coracle/ID`).
fn freezer(id: &str) -> Option<PathBuf> {
    let root = PathBuf::from("/sys/fs/cgroup");
    if !root.join("cgroup.controllers").exists() {
        return None;
    }
    let path = root.join("coracle").join(id).join("cgroup.freeze");
    path.exists().then_some(path)
}
