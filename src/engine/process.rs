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

/// Whether process `pid` is dead or on its way: gone, a zombie, exiting, or
/// with a SIGKILL pending. `kill -9` returns before the kernel has torn the
/// process down, and until then it keeps its descriptors, and the locks
/// they hold; a loaded machine may take a while to get there.
pub fn dying(pid: i32) -> bool {
    crate::engine::pseudo_file::read(format!("/proc/{pid}/stat"))
        .map_or(true, |stat| stat_says_dying(&stat))
}

/// Whether a /proc/PID/stat line is of a process on its way out.
fn stat_says_dying(stat: &str) -> bool {
    /// PF_EXITING in the flags: set first thing on the way out.
    const EXITING: u64 = 0x4;
    // A SIGKILL for the process is put in each of its threads' pending set
    // (complete_signal), which the stat line shows too: one small file per
    // process, where /proc/PID/status would be a second and a long one.
    const KILL: u64 = 1 << (libc::SIGKILL - 1);
    let Some(at) = stat.rfind(')') else {
        return true;
    };
    // Fields from the third (the state), as proc(5) numbers them.
    let fields: Vec<&str> = stat[at + 2..].split(' ').collect();
    let field = |n: usize| fields.get(n - 3).and_then(|f| f.parse::<u64>().ok());
    let flags = field(9).unwrap_or(0);
    let pending = field(31).unwrap_or(0);
    matches!(fields.first(), Some(&("Z" | "X"))) || flags & EXITING != 0 || pending & KILL != 0
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

#[cfg(test)]
mod tests {
    use super::{dying, stat_says_dying};

    /// A sleeping process's stat line, with the flags (9th) and the pending
    /// signals (31st) given.
    fn stat(state: &str, flags: u64, pending: u64) -> String {
        let mut fields: Vec<String> = (3..=52).map(|_| "0".to_owned()).collect();
        fields[0] = state.to_owned();
        fields[9 - 3] = flags.to_string();
        fields[31 - 3] = pending.to_string();
        format!("42 (a) b) {}", fields.join(" "))
    }

    #[test]
    fn the_stat_line_tells_a_pending_kill_an_exit_and_a_zombie() {
        assert!(!stat_says_dying(&stat("S", 0x400100, 0)));
        assert!(
            !stat_says_dying(&stat("S", 0, 1 << 14)),
            "a SIGTERM pending"
        );
        assert!(stat_says_dying(&stat("S", 0, 1 << 8)), "a SIGKILL pending");
        assert!(stat_says_dying(&stat("R", 0x4, 0)), "PF_EXITING");
        assert!(stat_says_dying(&stat("Z", 0, 0)));
    }

    #[test]
    fn a_process_is_dying_once_killed_and_until_reaped_and_after() {
        assert!(!dying(std::process::id() as i32));
        let mut child = std::process::Command::new("sleep")
            .arg("30")
            .spawn()
            .unwrap();
        let pid = child.id() as i32;
        assert!(!dying(pid));
        child.kill().unwrap();
        assert!(dying(pid), "killed, not yet reaped");
        child.wait().unwrap();
        assert!(dying(pid), "reaped");
    }
}
