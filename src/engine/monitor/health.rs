//! The monitor's healthcheck schedule: no systemd timer and no process of its
//! own. Every interval after the last check ended, the monitor forks a child
//! that runs the check (containers/health/check.rs) and exits; the monitor
//! only keeps the time and hears of the child's end when it reaps it. The
//! child joins the container as `exec` does, which the monitor, owner of the
//! container's user namespace, may do.

use crate::engine::containers::health::check;
use crate::engine::context::{Context, ContextOptions};
use nix::sys::signal::{SigSet, SigmaskHow, Signal};
use nix::unistd::{fork, ForkResult, Pid};
use std::path::PathBuf;
use std::time::{Duration, Instant};

pub struct HealthTimer {
    pub interval: Duration,
    next: Instant,
    /// The check under way, if one is.
    child: Option<Pid>,
    root: PathBuf,
    /// None: the default, as the monitor's own command line left it.
    runroot: Option<PathBuf>,
    id: String,
}

impl HealthTimer {
    /// The first check comes one interval after the start (Docker's and Podman's).
    pub fn new(
        root: PathBuf,
        runroot: Option<PathBuf>,
        id: &str,
        interval: Duration,
    ) -> HealthTimer {
        HealthTimer {
            interval,
            next: Instant::now() + interval,
            child: None,
            root,
            runroot,
            id: id.to_owned(),
        }
    }

    /// How long the monitor may wait for anything else before a check is due;
    /// none while one runs (its end wakes the monitor).
    pub fn wait(&self) -> Option<Duration> {
        match self.child {
            Some(_) => None,
            None => Some(self.next.saturating_duration_since(Instant::now())),
        }
    }

    /// Starts the check when it is due and none runs.
    pub fn run_due(&mut self) {
        if self.child.is_some() || Instant::now() < self.next {
            return;
        }
        match self.spawn() {
            Ok(pid) => self.child = Some(pid),
            Err(e) => {
                log::warn!("container {}: cannot run its healthcheck: {e}", self.id);
                self.next = Instant::now() + self.interval;
            }
        }
    }

    /// A child ended: if it was the check, the next is one interval away.
    pub fn reaped(&mut self, pid: Pid) {
        if self.child == Some(pid) {
            self.child = None;
            self.next = Instant::now() + self.interval;
        }
    }

    fn spawn(&self) -> nix::Result<Pid> {
        // SAFETY: the monitor is single-threaded, so the child may run any code.
        match unsafe { fork() }? {
            ForkResult::Parent { child } => Ok(child),
            ForkResult::Child => {
                let_go_of_the_monitors_descriptors();
                let code = match self.check() {
                    Ok(()) => 0,
                    Err(e) => {
                        log::warn!("container {}: healthcheck: {e}", self.id);
                        1
                    }
                };
                // SAFETY: leave without the monitor's destructors (its lock, its log).
                unsafe { libc::_exit(code) }
            }
        }
    }

    /// Runs in the child: the monitor's signals are not its to wait for, but
    /// its timeout's alarm is (check.rs blocks it).
    fn check(&self) -> Result<(), String> {
        let mut alarm = SigSet::empty();
        alarm.add(Signal::SIGALRM);
        nix::sys::signal::sigprocmask(SigmaskHow::SIG_SETMASK, Some(&alarm), None)
            .map_err(|e| e.to_string())?;
        let ctx = Context::new(&ContextOptions {
            root: Some(self.root.clone()),
            runroot: self.runroot.clone(),
            storage_driver: None,
            userns: None,
        })
        .map_err(|e| e.to_string())?;
        let host = ctx.monitor_host().map_err(|e| e.to_string())?;
        let store = ctx.open_store().map_err(|e| e.to_string())?;
        check::run(&ctx, &host, &store, &self.id)
            .map(drop)
            .map_err(|e| e.to_string())
    }
}

/// In the check's child, first thing: it holds copies of every descriptor the
/// monitor had, and none is its own (it opens the store afresh). The monitor
/// lock among them would keep a killed monitor looking alive to every command
/// until the check ended (up to its timeout); the holder's connection would
/// keep the monitor's share of the bridges, the attach listener its clients.
fn let_go_of_the_monitors_descriptors() {
    // SAFETY: closes descriptors only; nothing in this child uses the ones it
    // inherited (their owners stay in the parent: the child leaves by _exit).
    unsafe { libc::close_range(3, libc::c_uint::MAX, 0) };
}
