//! The container's seccomp filter, for an exec'd process.
//!
//! libcontainer 0.7's tenant builder rebuilds the spec's `linux` section without
//! `seccomp`, so the process it starts would run unfiltered. We load the filter in
//! the process ourselves, as the last step before execve (libcontainer's executor
//! hook). Loading a filter takes CAP_SYS_ADMIN or no_new_privs, and no_new_privs
//! would change what setuid programs do in the container: so the process is
//! started with CAP_SYS_ADMIN and CAP_SETPCAP besides its own capabilities, and
//! drops to its own only once the filter is in place.

use libcontainer::workload::default::DefaultExecutor;
use libcontainer::workload::{Executor, ExecutorError, ExecutorValidationError};
use oci_spec::runtime::{Capability, LinuxCapabilities, LinuxSeccomp, Spec};

#[derive(Clone)]
pub struct Filtered {
    pub seccomp: LinuxSeccomp,
    /// What the process keeps once the filter is loaded.
    pub caps: LinuxCapabilities,
}

impl Executor for Filtered {
    fn validate(&self, spec: &Spec) -> Result<(), ExecutorValidationError> {
        DefaultExecutor {}.validate(spec)
    }

    fn exec(&self, spec: &Spec) -> Result<(), ExecutorError> {
        libcontainer::seccomp::initialize_seccomp(&self.seccomp).map_err(|e| {
            ExecutorError::Other(format!("cannot load the container's seccomp filter: {e}"))
        })?;
        let syscall = libcontainer::syscall::syscall::create_syscall();
        libcontainer::capabilities::drop_privileges(&self.caps, syscall.as_ref()).map_err(|e| {
            ExecutorError::Other(format!("cannot drop the loader's capabilities: {e}"))
        })?;
        DefaultExecutor {}.exec(spec)
    }
}

/// `caps` with what loading the filter and then dropping them takes.
pub fn with_room_to_filter(caps: &LinuxCapabilities) -> LinuxCapabilities {
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
