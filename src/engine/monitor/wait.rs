//! The signals the monitor waits for, and reaping as the container's parent and
//! subreaper.

use nix::sys::signal::{SigSet, Signal};
use nix::sys::wait::{waitpid, WaitPidFlag, WaitStatus};
use nix::unistd::Pid;

/// Signals a foreground `run` passes on to the container (Docker's sig-proxy).
pub const FORWARDED: [Signal; 7] = [
    Signal::SIGINT,
    Signal::SIGTERM,
    Signal::SIGHUP,
    Signal::SIGQUIT,
    Signal::SIGUSR1,
    Signal::SIGUSR2,
    Signal::SIGWINCH,
];

/// What a check that found the container unhealthy sends its monitor when
/// `--health-on-failure=restart`: SIGURG, which nothing else sends a process
/// without sockets of its own set to deliver it, and which by default is
/// ignored rather than fatal should one come before it is blocked.
pub const HEALTH_RESTART: Signal = Signal::SIGURG;

/// Blocks the signals we wait for, so they queue for the event loop instead of killing
/// the monitor: SIGCHLD, SIGALRM, and the ones we pass on when `forward` (the monitor's;
/// `exec` has the caller's as controls). Call after the container's init exists
/// (it must not inherit the mask).
pub fn block_signals(forward: bool) -> nix::Result<SigSet> {
    let mut set = SigSet::empty();
    set.add(Signal::SIGCHLD);
    // `--timeout`'s alarm, which must never kill the monitor itself.
    set.add(Signal::SIGALRM);
    set.add(HEALTH_RESTART);
    for s in FORWARDED.into_iter().filter(|_| forward) {
        set.add(s);
    }
    set.thread_block()?;
    Ok(set)
}

/// Unblocks them again before the next container is built (it would inherit them).
pub fn unblock_signals(set: &SigSet) -> nix::Result<()> {
    set.thread_unblock()
}

/// Reaps every exited child (orphans re-parented to us included); returns init's exit
/// code the shell way, the status or 128 + the signal, once it has exited.
/// `reaped` hears of every other child that ended.
pub(super) fn reap(init: Pid, reaped: &mut dyn FnMut(Pid)) -> nix::Result<Option<i32>> {
    let mut code = None;
    loop {
        match waitpid(None, Some(WaitPidFlag::WNOHANG)) {
            Ok(WaitStatus::Exited(pid, status)) if pid == init => code = Some(status),
            Ok(WaitStatus::Signaled(pid, sig, _)) if pid == init => code = Some(128 + sig as i32),
            Ok(WaitStatus::StillAlive) | Err(nix::Error::ECHILD) => return Ok(code),
            Ok(status) => {
                if let Some(pid) = status.pid() {
                    reaped(pid);
                }
            }
            Err(e) => return Err(e),
        }
    }
}
