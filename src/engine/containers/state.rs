//! Whether a container's record still tells the truth. There is no daemon to ask:
//! a container's monitor holds `monitor.lock` in its directory for as long as it
//! lives, and the kernel drops that lock when the monitor dies however it dies (a
//! kill -9, a reboot). A record that says running while nobody holds the lock is
//! stale, and the first command to notice corrects it.

use super::ContainersError;
use crate::engine::net::helper::Helper;
use crate::engine::process::dying;
use crate::engine::store::containers::{ContainerRecord, RunState, Status};
use crate::engine::store::lock::Lock;
use crate::engine::store::Store;
use nix::sys::signal::{kill, Signal};
use nix::unistd::Pid;

/// Recorded when a container's monitor vanished and its exit code with it; 137
/// when its processes outlived the monitor and were killed.
pub const LOST_EXIT_CODE: i32 = 255;

/// How long a dying monitor's lock is waited for.
const DYING_GRACE: std::time::Duration = std::time::Duration::from_secs(2);

pub use crate::engine::monitor::lock_path as monitor_lock_path;
pub use crate::engine::process::process_start;

/// The record, corrected if its monitor is gone: marked exited, with whatever was
/// left of the container and its network helper killed (it has no one to reap it
/// or write its logs).
pub fn refresh(store: &Store, record: ContainerRecord) -> Result<ContainerRecord, ContainersError> {
    let path = monitor_lock_path(store, &record.id);
    // A created container's lock is held only while a monitor starts it: the
    // init it builds dies with it (runtime/tether.rs), lock and all.
    if !record.state.status.has_monitor() {
        return Ok(record);
    }
    let lock = match Lock::try_exclusive_existing(&path) {
        Ok(Some(lock)) => lock,
        // A monitor killed a moment ago holds its lock until the kernel has
        // torn it down (and the clones it made, until they die with it).
        Ok(None) if record.state.monitor_pid.is_some_and(dying) => {
            match Lock::exclusive_existing_within(&path, DYING_GRACE) {
                Ok(Some(lock)) => lock,
                _ => return Ok(record),
            }
        }
        Ok(None) => return Ok(record),
        // The lock file or its directory is gone: the container is being
        // removed (a file made here would fail the monitor's removal).
        Err(_) => return Ok(record),
    };
    // The monitor writes its last state before it lets go of the lock: read again,
    // or a monitor that just finished normally would look lost.
    let Some(mut record) = store.container(&record.id)? else {
        return Err(ContainersError::NotFound(record.id));
    };
    if record.state.status.has_monitor() {
        let killed = kill_leftover(&record.state);
        // Its network helper would outlive it too.
        if let Some(helper) = Helper::recorded(&store.container_dir(&record.id)) {
            helper.stop();
        }
        log::warn!(
            "the monitor of container {} is gone (killed, or the machine restarted): marking it exited",
            &record.id[..12]
        );
        record.state = RunState {
            status: Status::Exited,
            exit_code: Some(if killed { 137 } else { LOST_EXIT_CODE }),
            pid: None,
            pid_start: None,
            monitor_pid: None,
            finished_ms: Some(chrono::Utc::now().timestamp_millis()),
            ..record.state
        };
        store.set_run_state(&record.id, &record.state)?;
    }
    drop(lock);
    Ok(record)
}

/// The container's init, if it is still the process the monitor started.
pub fn live_init(state: &RunState) -> Option<Pid> {
    let (pid, start) = (state.pid?, state.pid_start?);
    (process_start(pid) == Some(start)).then(|| Pid::from_raw(pid))
}

fn kill_leftover(state: &RunState) -> bool {
    live_init(state).is_some_and(|pid| kill(pid, Signal::SIGKILL).is_ok())
}

#[cfg(test)]
mod tests {
    #[test]
    fn reads_this_process_start_time() {
        let me = std::process::id() as i32;
        let start = super::process_start(me).unwrap();
        assert_eq!(super::process_start(me), Some(start));
        assert_eq!(super::process_start(i32::MAX), None);
    }
}
