//! `--ipc` and `--uts container:X`: the monitor enters X's namespaces before
//! it builds the container, which the spec then leaves without one of its own
//! of those kinds. (`--pid container:X` is refused: namespaces.rs.)

use super::network::namespace_of;
use super::MonitorError;
use crate::engine::containers::settings::Settings;
use crate::engine::runtime::namespaces::{Kind, NamespaceMode};
use crate::engine::store::Store;
use nix::sched::{setns, CloneFlags};

/// Enters each namespace another container's; a no-op for the other modes.
pub fn join(store: &Store, settings: &Settings) -> Result<(), MonitorError> {
    let kinds = [
        (Kind::Ipc, &settings.ipc, CloneFlags::CLONE_NEWIPC),
        (Kind::Uts, &settings.uts, CloneFlags::CLONE_NEWUTS),
    ];
    for (kind, mode, flag) in kinds {
        let NamespaceMode::Container(id) = mode else {
            continue;
        };
        let failed = |source| MonitorError::Setup {
            what: match kind {
                Kind::Ipc => "join the IPC namespace --ipc names",
                _ => "join the UTS namespace --uts names",
            },
            source,
        };
        let path = namespace_of(store, id, kind.oci(), failed)?;
        let ns = std::fs::File::open(&path).map_err(failed)?;
        setns(ns, flag).map_err(|e| failed(e.into()))?;
    }
    Ok(())
}
