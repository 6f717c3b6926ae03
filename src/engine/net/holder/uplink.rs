//! The holder's way out: one pasta for its namespace, shared by every container
//! on an open network behind the kernel's NAT (firewall.rs), so that such a
//! container needs no helper of its own (29 MiB of pasta each, on Debian 12).
//!
//! pasta must run in the host's network namespace, which the holder leaves and
//! (rootless) can never enter again. So the process that becomes pasta is
//! forked before the holder leaves, waits to be told, and then execs pasta on
//! the holder's new namespace. It is the holder's child and dies with it
//! (PR_SET_PDEATHSIG), even when the holder is killed with -9.
//!
//! pasta cannot open another process's /proc/PID/ns/net once it has dropped
//! its capabilities, so the namespace is bound at a file for it, in a mount
//! namespace of the holder's own (nothing is left mounted when it goes), and
//! unbound once pasta has it open.

use super::firewall::Firewall;
use crate::engine::net::pasta;
use nix::fcntl::OFlag;
use nix::mount::{mount, umount2, MntFlags, MsFlags};
use nix::sched::{unshare, CloneFlags};
use nix::sys::signal::{kill, Signal};
use nix::sys::wait::{waitpid, WaitPidFlag, WaitStatus};
use nix::unistd::{fork, getppid, pipe2, ForkResult, Pid};
use std::io::{Read, Write};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};

/// The uplink's name in the holder's namespace.
pub const INTERFACE: &str = "uplink0";

/// Where the holder's namespace is bound for pasta, in the runroot.
const NETNS_FILE: &str = "holder.netns";
/// pasta's pid file, in the runroot: written once it is ready.
const PID_FILE: &str = "holder.pasta.pid";

/// The process that will become pasta, waiting for the word.
pub struct Launcher {
    pid: Pid,
    go: std::fs::File,
    netns: PathBuf,
    pidfile: PathBuf,
}

/// The holder's way out, from pasta's start to its first use.
pub enum WayOut {
    /// pasta is configuring the namespace.
    Starting(Uplink),
    Open {
        /// Held, not used: pasta goes when it is dropped, with the holder.
        _uplink: Uplink,
        firewall: Firewall,
    },
    /// No pasta or no nft: none.
    Closed,
}

impl WayOut {
    /// The rules of an open way out, once pasta has configured the namespace
    /// (waited for here, the first time) and the rules are in.
    pub fn open(&mut self) -> Option<&mut Firewall> {
        if let WayOut::Starting(_) = self {
            if let WayOut::Starting(uplink) = std::mem::replace(self, WayOut::Closed) {
                *self = settle(uplink);
            }
        }
        match self {
            WayOut::Open { firewall, .. } => Some(firewall),
            _ => None,
        }
    }
}

fn settle(uplink: Uplink) -> WayOut {
    if !uplink.ready() {
        log::warn!("no shared way out for the networks: pasta did not start");
        return WayOut::Closed;
    }
    match Firewall::start() {
        Ok(firewall) => WayOut::Open {
            _uplink: uplink,
            firewall,
        },
        Err(e) => {
            log::warn!("no shared way out for the networks: {e}");
            WayOut::Closed
        }
    }
}

/// pasta, running for the holder's namespace.
pub struct Uplink {
    pid: Pid,
    netns: PathBuf,
    pidfile: PathBuf,
}

/// Gives the holder a mount namespace of its own and forks the launcher. The
/// caller must be single-threaded and still in the host's network namespace.
pub fn launch(runroot: &Path) -> Result<Launcher, String> {
    unshare(CloneFlags::CLONE_NEWNS).map_err(|e| format!("cannot unshare mounts: {e}"))?;
    mount(
        None::<&str>,
        "/",
        None::<&str>,
        MsFlags::MS_REC | MsFlags::MS_PRIVATE,
        None::<&str>,
    )
    .map_err(|e| format!("cannot make mounts private: {e}"))?;
    let pidfile = runroot.join(PID_FILE);
    let _ = std::fs::remove_file(&pidfile);
    Launcher::fork(runroot.join(NETNS_FILE), pidfile).map_err(|e| format!("cannot fork: {e}"))
}

impl Launcher {
    fn fork(netns: PathBuf, pidfile: PathBuf) -> nix::Result<Launcher> {
        // Close-on-exec: neither pasta nor the holder's other children keep them.
        let (wait_r, go) = pipe2(OFlag::O_CLOEXEC)?;
        let holder = nix::unistd::getpid();
        // SAFETY: the holder has one thread until its event loop starts.
        match unsafe { fork() }? {
            ForkResult::Parent { child } => Ok(Launcher {
                pid: child,
                go: go.into(),
                netns,
                pidfile,
            }),
            ForkResult::Child => {
                drop(go);
                let _ = nix::sys::prctl::set_pdeathsig(Signal::SIGKILL);
                let mut word = [0u8; 1];
                let told = std::fs::File::from(wait_r).read(&mut word);
                if getppid() != holder || !matches!(told, Ok(1)) {
                    std::process::exit(0);
                }
                let error = pasta::foreground(&netns, INTERFACE, &pidfile).exec();
                log::warn!("no shared way out for the networks: cannot run pasta: {error}");
                std::process::exit(127)
            }
        }
    }

    /// Binds the holder's namespace, which it is now in, and tells the
    /// launcher to exec pasta on it.
    pub fn start(mut self) -> Result<Uplink, String> {
        let bound = std::fs::File::create(&self.netns)
            .map_err(|e| e.to_string())
            .and_then(|_| {
                mount(
                    Some("/proc/self/ns/net"),
                    &self.netns,
                    None::<&str>,
                    MsFlags::MS_BIND,
                    None::<&str>,
                )
                .map_err(|e| e.to_string())
            });
        let uplink = Uplink {
            pid: self.pid,
            netns: self.netns.clone(),
            pidfile: self.pidfile.clone(),
        };
        match bound {
            Ok(()) => {
                let _ = self.go.write_all(b"!");
                Ok(uplink)
            }
            Err(e) => Err(format!("cannot bind the network namespace: {e}")),
        }
    }
}

impl Uplink {
    /// Waits until pasta has configured the namespace; false if it exited or
    /// took too long, and is then gone.
    fn ready(&self) -> bool {
        let exited = || match waitpid(self.pid, Some(WaitPidFlag::WNOHANG)) {
            Ok(WaitStatus::StillAlive) => None,
            other => Some(format!("{other:?}")),
        };
        let ready = pasta::Watch::here(&self.pidfile).is_ok_and(|w| w.wait(exited).is_ok());
        self.unbind();
        if !ready {
            self.stop();
        }
        ready
    }

    fn unbind(&self) {
        let _ = umount2(&self.netns, MntFlags::MNT_DETACH);
        let _ = std::fs::remove_file(&self.netns);
        let _ = std::fs::remove_file(&self.pidfile);
    }

    fn stop(&self) {
        if kill(self.pid, Signal::SIGTERM).is_ok() {
            let _ = waitpid(self.pid, None);
        }
    }
}

impl Drop for Uplink {
    fn drop(&mut self) {
        self.unbind();
        self.stop();
    }
}
