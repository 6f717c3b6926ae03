//! Loading the container's compiled seccomp filter (seccomp_cache) as the last
//! step before execve: libcontainer's executor hook, for the container's init and
//! for an exec'd process alike.
//!
//! Loading a filter takes CAP_SYS_ADMIN or no_new_privs. With no_new_privs (the
//! spec asks for it, libcontainer sets it first) the filter loads as it is, late, as
//! libcontainer would load it. Without, setting it would change what setuid
//! programs do in the container: so the process is started with CAP_SYS_ADMIN and
//! CAP_SETPCAP besides its own capabilities, and drops to its own only once the
//! filter is in place (where libcontainer loads the filter before dropping them).

use super::seccomp_cache::Filter;
use super::RuntimeError;
use libcontainer::workload::default::DefaultExecutor;
use libcontainer::workload::{Executor, ExecutorError, ExecutorValidationError};
use oci_spec::runtime::{Capability, LinuxCapabilities, Process, Spec};
use std::path::{Path, PathBuf};

/// The bundle libcontainer runs a filtered container from when its capabilities
/// need room to load the filter: config.json, widened, in a directory of its own.
const WIDENED_BUNDLE: &str = "filtered";

#[derive(Clone)]
pub struct Filtered {
    pub filter: Filter,
    /// What the process keeps once the filter is loaded, when it was started with
    /// room to load it.
    pub caps: Option<LinuxCapabilities>,
}

impl Executor for Filtered {
    fn validate(&self, spec: &Spec) -> Result<(), ExecutorValidationError> {
        DefaultExecutor {}.validate(spec)
    }

    fn exec(&self, spec: &Spec) -> Result<(), ExecutorError> {
        self.filter.install().map_err(|e| {
            ExecutorError::Other(format!("cannot load the container's seccomp filter: {e}"))
        })?;
        if let Some(caps) = &self.caps {
            let syscall = libcontainer::syscall::syscall::create_syscall();
            libcontainer::capabilities::drop_privileges(caps, syscall.as_ref()).map_err(|e| {
                ExecutorError::Other(format!("cannot drop the loader's capabilities: {e}"))
            })?;
        }
        DefaultExecutor {}.exec(spec)
    }
}

/// `process` with room to load `filter` when it needs it, and the executor that
/// loads it.
pub fn filtered(mut process: Process, filter: Filter) -> (Process, Filtered) {
    if process.no_new_privileges().is_some() {
        let caps = None;
        return (process, Filtered { filter, caps });
    }
    let caps = process.capabilities().clone().unwrap_or_default();
    process.set_capabilities(Some(with_room_to_filter(&caps)));
    let caps = Some(caps);
    (process, Filtered { filter, caps })
}

/// The bundle to start the container in `bundle` from with `filter`, and the
/// executor that loads it.
pub fn init_bundle(bundle: &Path, filter: Filter) -> Result<(PathBuf, Filtered), RuntimeError> {
    let failed = |e: &dyn std::fmt::Display| RuntimeError::Spec(e.to_string());
    let mut spec = Spec::load(bundle.join("config.json")).map_err(|e| failed(&e))?;
    let process = spec.process().clone().unwrap_or_default();
    let (process, executor) = filtered(process, filter);
    if executor.caps.is_none() {
        return Ok((bundle.to_owned(), executor));
    }
    spec.set_process(Some(process));
    let widened = bundle.join(WIDENED_BUNDLE);
    std::fs::create_dir_all(&widened).map_err(|e| failed(&e))?;
    spec.save(widened.join("config.json"))
        .map_err(|e| failed(&e))?;
    Ok((widened, executor))
}

/// `caps` with what loading the filter and then dropping them takes.
fn with_room_to_filter(caps: &LinuxCapabilities) -> LinuxCapabilities {
    let extra = [Capability::SysAdmin, Capability::Setpcap];
    let widen = |set: &Option<std::collections::HashSet<Capability>>| {
        let mut set = set.clone().unwrap_or_default();
        set.extend(extra);
        Some(set)
    };
    let mut wide = caps.clone();
    wide.set_bounding(widen(caps.bounding()))
        .set_effective(widen(caps.effective()))
        .set_permitted(widen(caps.permitted()));
    wide
}
