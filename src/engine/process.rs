//! What kind of process an operation needs, as values that prove it; and the
//! facts about processes those checks and the stale-record checks read.
//!
//! Rootless, coracle works in two places. Inside its own user namespace (entered
//! afresh by each command, with the same mappings every time), files get their
//! mapped owners and containers are started. On the host side, a command may join
//! a *running* container's namespaces, because the caller owns them; a fresh
//! namespace of our own would own nothing of theirs, so once a process has entered
//! one it cannot go back. Joining a user namespace (setns) and entering one
//! (unshare) both need a process with a single thread.
//!
//! Functions that need one of these take the proof as an argument; only
//! `Context::inside` and `Context::host` make them.

use std::marker::PhantomData;

/// Proof that this process is inside coracle's user namespace (or rootful, where
/// there is none).
#[derive(Debug, Clone, Copy)]
pub struct Inside {
    _private: (),
}

impl Inside {
    pub(super) fn new() -> Inside {
        Inside { _private: () }
    }
}

/// Proof that this process entered no user namespace of its own and had a single
/// thread when asked: it may join a running container's namespaces. Not `Send`:
/// it stays on the thread that was checked.
#[derive(Debug)]
pub struct Host {
    _single_thread: PhantomData<*const ()>,
}

impl Host {
    pub(super) fn new() -> Host {
        Host {
            _single_thread: PhantomData,
        }
    }
}

/// Whether this process has one thread (a pull's runtime may leave some behind).
pub fn single_threaded() -> bool {
    std::fs::read_dir("/proc/self/task").is_ok_and(|tasks| tasks.count() == 1)
}

/// A live process's start time in clock ticks since boot (field 22 of
/// /proc/PID/stat); `None` for a zombie, which only waits to be reaped.
pub fn process_start(pid: i32) -> Option<u64> {
    let stat = crate::engine::pseudo_file::read(format!("/proc/{pid}/stat")).ok()?;
    // The command name (field 2) may hold spaces and parentheses: count from the
    // last ')'.
    let mut fields = stat[stat.rfind(')')? + 2..].split(' ');
    if matches!(fields.next(), Some("Z" | "X")) {
        return None;
    }
    fields.nth(18)?.parse().ok()
}
