//! Joining a running container's namespaces from the host side. The caller owns the
//! container's user namespace (its monitor made it), so setns into it gives the
//! caller every capability there, which is what joining the container's other
//! namespaces and reading its files as any of its users takes. setns into a user
//! namespace needs a single-threaded process: call these before any thread exists.

use super::state;
use super::ContainersError;
use crate::engine::store::containers::{ContainerRecord, Status};
use nix::sched::{setns, CloneFlags};
use nix::unistd::Pid;
use std::fs::File;

/// The container's init, if the container runs; "not running" (Podman's words)
/// otherwise.
pub fn running_init(record: &ContainerRecord, input: &str) -> Result<Pid, ContainersError> {
    let not_running = || ContainersError::NotRunning(input.to_owned());
    if record.state.status != Status::Running {
        return Err(not_running());
    }
    state::live_init(&record.state).ok_or_else(not_running)
}

/// Enters the user namespace of `init` (a no-op when rootful: it is ours).
pub fn user_namespace(record: &ContainerRecord, init: Pid) -> Result<(), ContainersError> {
    enter(record, init, "user", CloneFlags::CLONE_NEWUSER)
}

/// Enters the network namespace of `init` (the monitor makes it, not the runtime,
/// so the runtime does not join it for us).
pub fn net_namespace(record: &ContainerRecord, init: Pid) -> Result<(), ContainersError> {
    enter(record, init, "net", CloneFlags::CLONE_NEWNET)
}

/// Enters the UTS and IPC namespaces of `init`: a container that joined
/// another's (`--uts container:X`, a pod's) has them from the monitor's
/// setns, not from its spec, so the runtime would not join them for us.
pub fn uts_ipc_namespaces(record: &ContainerRecord, init: Pid) -> Result<(), ContainersError> {
    enter(record, init, "uts", CloneFlags::CLONE_NEWUTS)?;
    enter(record, init, "ipc", CloneFlags::CLONE_NEWIPC)
}

/// Enters the mount namespace of `init`: `/` is then the container's rootfs.
pub fn mount_namespace(record: &ContainerRecord, init: Pid) -> Result<(), ContainersError> {
    enter(record, init, "mnt", CloneFlags::CLONE_NEWNS)?;
    // setns leaves the working directory where it was, outside the new root.
    nix::unistd::chdir("/").map_err(|e| join_error(record, "mnt", e.into()))
}

fn enter(
    record: &ContainerRecord,
    init: Pid,
    kind: &'static str,
    flag: CloneFlags,
) -> Result<(), ContainersError> {
    let path = format!("/proc/{init}/ns/{kind}");
    let ns = File::open(&path).map_err(|e| join_error(record, kind, e))?;
    // The pid may have been reused between the record's check and the open: the
    // namespace is the container's only if its init is still the one recorded.
    if state::live_init(&record.state) != Some(init) {
        return Err(ContainersError::NotRunning(record.name.clone()));
    }
    // Rootful containers share our user namespace, `--network host` ones our network
    // one: joining what we are in already is a no-op the kernel would refuse.
    let mine = std::fs::read_link(format!("/proc/self/ns/{kind}")).ok();
    if mine.is_some() && mine == std::fs::read_link(&path).ok() {
        return Ok(());
    }
    setns(ns, flag).map_err(|e| join_error(record, kind, e.into()))
}

fn join_error(record: &ContainerRecord, kind: &'static str, e: std::io::Error) -> ContainersError {
    ContainersError::Join {
        name: record.name.clone(),
        namespace: kind,
        source: e,
    }
}
