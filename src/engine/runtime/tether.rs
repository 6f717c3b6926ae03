//! The container's init tied to the monitor while it waits to be started.
//!
//! libcontainer clones the init from the monitor inside `build()`, and the init
//! waits for `start()` before it execs: until then it holds a copy of every
//! descriptor the monitor had (close-on-exec only closes them at the exec), the
//! monitor lock and the store's database among them. A monitor killed in
//! between (an attached `run` killed with -9) left it waiting for ever, keeping
//! the lock, so the container looked started by someone and could neither start
//! nor be removed; and libcontainer leaves it non-dumpable, so a rootless user
//! cannot even see in /proc what it holds. So the init asks for SIGKILL when its
//! parent (the monitor: libcontainer clones it as the monitor's child) dies, and
//! gives up at once if the monitor died before it asked, which the parent-death
//! signal would not cover. The tie is cut just before the exec: a running
//! container outlives its monitor as it always has, and the next command finds it.

use libcontainer::workload::{
    Executor, ExecutorError, ExecutorSetEnvsError, ExecutorValidationError,
};
use nix::poll::{poll, PollFd, PollFlags, PollTimeout};
use nix::sys::prctl;
use nix::sys::signal::Signal;
use oci_spec::runtime::Spec;
use std::collections::HashMap;
use std::os::fd::{AsFd, FromRawFd, OwnedFd};
use std::sync::Arc;

/// A pidfd of the process that builds the container (the init's parent).
#[derive(Clone)]
pub struct Tether {
    builder: Arc<OwnedFd>,
}

impl Tether {
    /// Tied to this process: made just before `build()`, so the init inherits it.
    pub fn to_this_process() -> std::io::Result<Tether> {
        // SAFETY: pidfd_open takes a pid and flags and returns a new descriptor
        // (close-on-exec) or -1.
        let fd = unsafe { libc::syscall(libc::SYS_pidfd_open, std::process::id(), 0) };
        if fd < 0 {
            return Err(std::io::Error::last_os_error());
        }
        // SAFETY: a descriptor just opened and owned by nothing else.
        let builder = unsafe { OwnedFd::from_raw_fd(fd as i32) };
        Ok(Tether {
            builder: Arc::new(builder),
        })
    }

    /// In the init: dies with the builder from now on, and fails if it is
    /// already gone.
    fn hold(&self) -> Result<(), String> {
        prctl::set_pdeathsig(Signal::SIGKILL)
            .map_err(|e| format!("set the parent-death signal: {e}"))?;
        // Asked first, looked second: a builder that dies in between is caught by
        // one or the other.
        if gone(&self.builder) {
            return Err("the monitor that was to start this container is gone".into());
        }
        Ok(())
    }
}

/// Whether the process behind `pidfd` has exited (its pidfd reads as ready).
fn gone(pidfd: &OwnedFd) -> bool {
    let mut fds = [PollFd::new(pidfd.as_fd(), PollFlags::POLLIN)];
    poll(&mut fds, PollTimeout::ZERO).is_ok_and(|ready| ready > 0)
}

/// The init's executor (`inner`: what runs the process), tied to its builder
/// until it execs.
#[derive(Clone)]
pub struct Tethered {
    pub tether: Tether,
    pub inner: Box<dyn Executor>,
}

impl Executor for Tethered {
    // Runs in the init before it waits for the start: the moment to tie it.
    fn validate(&self, spec: &Spec) -> Result<(), ExecutorValidationError> {
        self.tether
            .hold()
            .map_err(ExecutorValidationError::ArgValidationError)?;
        self.inner.validate(spec)
    }

    fn setup_envs(&self, envs: HashMap<String, String>) -> Result<(), ExecutorSetEnvsError> {
        self.inner.setup_envs(envs)
    }

    fn exec(&self, spec: &Spec) -> Result<(), ExecutorError> {
        prctl::set_pdeathsig(None)
            .map_err(|e| ExecutorError::Other(format!("clear the parent-death signal: {e}")))?;
        self.inner.exec(spec)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pidfd_reads_as_gone_only_once_its_process_exited() {
        let mut child = std::process::Command::new("sleep")
            .arg("30")
            .spawn()
            .unwrap();
        // SAFETY: as in to_this_process, for the child's pid.
        let fd = unsafe { libc::syscall(libc::SYS_pidfd_open, child.id(), 0) };
        assert!(fd >= 0);
        let pidfd = unsafe { OwnedFd::from_raw_fd(fd as i32) };
        assert!(!gone(&pidfd));
        child.kill().unwrap();
        child.wait().unwrap();
        assert!(gone(&pidfd));
        let this = Tether::to_this_process().unwrap();
        assert!(!gone(&this.builder));
    }
}
