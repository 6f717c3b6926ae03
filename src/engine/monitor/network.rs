//! `--network container:X` and `ns:PATH`: the monitor enters that network
//! namespace before it builds the container, which then lives in it, as it lives
//! in the one the monitor makes for `none`.

use super::MonitorError;
use crate::engine::net::Network;
use crate::engine::process::process_start;
use crate::engine::store::containers::Status;
use crate::engine::store::Store;
use nix::sched::{setns, CloneFlags};
use std::io;
use std::path::PathBuf;

/// Enters the namespace `network` names; a no-op for the other modes.
pub fn join(store: &Store, network: &Network) -> Result<(), MonitorError> {
    let failed = |source| MonitorError::Setup {
        what: "join the network namespace --network names",
        source,
    };
    let path = match network {
        Network::Container(id) => namespace_of(store, id, "net", failed)?,
        Network::Ns(path) => path.clone(),
        _ => return Ok(()),
    };
    let ns = std::fs::File::open(&path).map_err(failed)?;
    setns(ns, CloneFlags::CLONE_NEWNET).map_err(|e| failed(e.into()))
}

/// /proc/PID/ns/`kind` of the running container `id`'s init.
pub(super) fn namespace_of(
    store: &Store,
    id: &str,
    kind: &str,
    failed: impl Fn(io::Error) -> MonitorError,
) -> Result<PathBuf, MonitorError> {
    let record = store
        .container(id)?
        .ok_or_else(|| MonitorError::NotFound(id.to_owned()))?;
    let s = &record.state;
    let live = s
        .pid
        .filter(|&pid| s.status == Status::Running && process_start(pid) == s.pid_start);
    let Some(pid) = live else {
        return Err(failed(io::Error::other(format!(
            "container {} is not running",
            record.name
        ))));
    };
    Ok(PathBuf::from(format!("/proc/{pid}/ns/{kind}")))
}
