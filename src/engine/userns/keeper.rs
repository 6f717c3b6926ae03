//! A user namespace kept for a long-lived process's children to join.
//!
//! Entering a fresh namespace runs the setuid newuidmap and newgidmap, a few
//! milliseconds each, and every request the API service serves is a process of
//! its own that would pay them. The service instead keeps one namespace alive
//! in a small child, and each request joins it with setns: the same mappings,
//! so the same owners on disk, for one system call.

use super::{enter, Mappings, UsernsError};
use nix::sys::signal::{kill, Signal};
use nix::sys::wait::waitpid;
use nix::unistd::{fork, getpid, pipe, read, write, ForkResult, Pid};
use std::os::fd::AsRawFd;
use std::path::PathBuf;

/// The child that holds the namespace. It goes when this value is dropped, or
/// when its parent dies.
pub struct Keeper {
    pid: Pid,
    /// The process that started it: a forked copy of this value, unwinding in
    /// a child, must not end the keeper.
    owner: Pid,
}

impl Keeper {
    /// Forks the child and has it enter a namespace with `maps`. The caller must
    /// be single-threaded, as for `enter`.
    pub fn start(maps: &Mappings) -> Result<Keeper, UsernsError> {
        let (ready_r, ready_w) = pipe().map_err(setup("pipe"))?;
        // SAFETY: the caller is single-threaded (see above).
        match unsafe { fork() }.map_err(setup("fork"))? {
            ForkResult::Child => {
                drop(ready_r);
                // SAFETY: prctl with constant arguments.
                unsafe { libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL) };
                let entered = enter(maps).is_ok();
                let _ = write(&ready_w, if entered { b"1" } else { b"0" });
                drop(ready_w);
                if entered {
                    loop {
                        nix::unistd::pause();
                    }
                }
                // SAFETY: leave without running the parent's destructors.
                unsafe { libc::_exit(1) }
            }
            ForkResult::Parent { child } => {
                drop(ready_w);
                let mut byte = [0u8; 1];
                let keeper = Keeper {
                    pid: child,
                    owner: getpid(),
                };
                match read(ready_r.as_raw_fd(), &mut byte) {
                    Ok(1) if byte[0] == b'1' => Ok(keeper),
                    _ => Err(UsernsError::Setup {
                        what: "keep a user namespace",
                        source: std::io::ErrorKind::Other.into(),
                    }),
                }
            }
        }
    }

    pub fn pid(&self) -> Pid {
        self.pid
    }

    /// Where a child of this process finds the namespace to join.
    pub fn path(&self) -> PathBuf {
        PathBuf::from(format!("/proc/{}/ns/user", self.pid))
    }
}

impl Drop for Keeper {
    fn drop(&mut self) {
        if getpid() != self.owner {
            return;
        }
        let _ = kill(self.pid, Signal::SIGKILL);
        let _ = waitpid(self.pid, None);
    }
}

fn setup(what: &'static str) -> impl Fn(nix::Error) -> UsernsError {
    move |e| UsernsError::Setup {
        what,
        source: e.into(),
    }
}
