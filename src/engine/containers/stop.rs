//! `kill`, `stop` and `wait`, done from the host side with no user namespace of our
//! own: the caller owns the container's user namespace, so it may signal any
//! process in it, whichever user that process runs as.

use super::lookup::{config_of, lookup};
use super::settings::DEFAULT_STOP_TIMEOUT;
use super::state::{self, monitor_lock_path};
use super::ContainersError;
use crate::engine::runtime::signal;
use crate::engine::store::containers::{ContainerRecord, Status};
use crate::engine::store::lock::{Kind, Lock};
use crate::engine::store::Store;
use std::time::{Duration, Instant};

/// How long `stop` waits for the end after SIGKILL before it gives up.
const KILL_GRACE: Duration = Duration::from_secs(10);
/// How long a monitor that has reported its container's exit may take to clean up.
const SETTLE: Duration = Duration::from_secs(10);

/// Sends `signal` (any spelling `signal::parse` takes) to the container's init.
pub fn kill(store: &Store, input: &str, signal: &str) -> Result<(), ContainersError> {
    let number = signal::number(signal)?;
    let record = lookup(store, input)?;
    let config = config_of(&record)?;
    if number == libc::SIGKILL || signal::parse(signal)? == config.stop_signal {
        store.set_stop_requested(&record.id, true)?;
    }
    send(&record, input, number)?;
    store.record(super::events::event(&record, "kill").with("signal", number.to_string()));
    Ok(())
}

/// Stops the container: its stop signal, then SIGKILL after `timeout` (none:
/// its `--stop-timeout`, else 10 seconds). A container that is not running is
/// left as it is (Docker's `stop` succeeds on it).
pub fn stop(store: &Store, input: &str, timeout: Option<Duration>) -> Result<(), ContainersError> {
    match ask(store, input, timeout)? {
        Some(asked) => finish(store, input, &asked),
        None => Ok(()),
    }
}

/// Stops several at once: each is asked to stop first, then each is waited
/// for, so that they wind down side by side rather than one after the other
/// (a pod's members); each still gets its whole timeout from when it was asked.
pub fn stop_many(
    store: &Store,
    inputs: &[String],
    timeout: Option<Duration>,
) -> Vec<Result<(), ContainersError>> {
    let asked: Vec<_> = inputs.iter().map(|i| ask(store, i, timeout)).collect();
    asked
        .into_iter()
        .zip(inputs)
        .map(|(asked, input)| match asked? {
            Some(asked) => finish(store, input, &asked),
            None => Ok(()),
        })
        .collect()
}

/// A container asked to stop, and until when it has to.
struct Asked {
    record: ContainerRecord,
    deadline: Instant,
}

/// Marks the stop as asked and sends the stop signal; None: it was not running.
fn ask(
    store: &Store,
    input: &str,
    timeout: Option<Duration>,
) -> Result<Option<Asked>, ContainersError> {
    let record = lookup(store, input)?;
    if !record.state.status.has_monitor() {
        return Ok(None);
    }
    let config = config_of(&record)?;
    let own = config.settings.stop_timeout.unwrap_or(DEFAULT_STOP_TIMEOUT);
    let timeout = timeout.unwrap_or(Duration::from_secs(own));
    store.set_stop_requested(&record.id, true)?;
    // Docker records the stop once the container is down; Podman records
    // it as asked. The die event comes from the monitor either way.
    store.record(super::events::event(&record, "stop"));
    if record.state.status != Status::Restarting {
        let number = signal::number(&config.stop_signal)?;
        // It may have ended by itself meanwhile: the wait below tells.
        let _ = send(&record, input, number);
    }
    Ok(Some(Asked {
        record,
        deadline: Instant::now() + timeout,
    }))
}

/// Waits for the end until the deadline, then SIGKILL and a grace period.
fn finish(store: &Store, input: &str, asked: &Asked) -> Result<(), ContainersError> {
    let id = &asked.record.id;
    let left = asked.deadline.saturating_duration_since(Instant::now());
    if wait_for_monitor(store, id, Some(left))? {
        return Ok(());
    }
    let _ = send(&asked.record, input, libc::SIGKILL);
    if wait_for_monitor(store, id, Some(KILL_GRACE))? {
        return Ok(());
    }
    Err(ContainersError::Unstoppable {
        name: input.to_owned(),
        secs: KILL_GRACE.as_secs(),
    })
}

/// Waits for the container to exit and returns its exit code. A container not
/// started yet is waited for too, as Docker does.
pub fn wait(store: &Store, input: &str) -> Result<i32, ContainersError> {
    let id = lookup(store, input)?.id;
    loop {
        let record = match store.container(&id)? {
            Some(r) => state::refresh(store, r)?,
            // Removed as it exited (`--rm`).
            None => {
                return store
                    .kept_exit_code(&id)
                    .ok_or_else(|| ContainersError::NotFound(input.to_owned()))
            }
        };
        match record.state.status {
            Status::Exited => return Ok(record.state.exit_code.unwrap_or(0)),
            // Docker's clients wait before they start: the start is near.
            Status::Created => std::thread::sleep(Duration::from_millis(10)),
            _ => {
                wait_for_monitor(store, &id, None)?;
            }
        }
    }
}

/// After a monitor has told a client the exit code: waits (a few seconds at most)
/// for it to finish, so that a `--rm` container is gone when `run` returns, as
/// with Docker. A monitor whose policy restarts the container stays.
pub fn settle(store: &Store, id: &str) -> Result<(), ContainersError> {
    let restarting = store
        .container(id)?
        .is_some_and(|r| r.state.status == Status::Restarting);
    if !restarting {
        wait_for_monitor(store, id, Some(SETTLE))?;
    }
    Ok(())
}

/// Waits until no monitor runs the container (at most `timeout`); true if none does.
fn wait_for_monitor(
    store: &Store,
    id: &str,
    timeout: Option<Duration>,
) -> Result<bool, ContainersError> {
    let path = monitor_lock_path(store, id);
    let Some(timeout) = timeout else {
        // A shared lock is granted once the monitor's exclusive one is gone;
        // no lock file means a monitor has removed it with its container.
        return match Lock::acquire_existing(&path, Kind::Shared) {
            Ok(_) => Ok(true),
            Err(_) if !path.exists() => Ok(true),
            Err(e) => Err(e.into()),
        };
    };
    let deadline = Instant::now() + timeout;
    if !Lock::wait_released(&path, timeout)? {
        return Ok(false);
    }
    // A monitor removes its container (directory, then record) before it lets go
    // of its lock; one that is doing so already has taken the lock file with the
    // directory: wait for the record too, so that `ps` right after `run --rm` no
    // longer lists it.
    while !store.container_dir(id).exists() && store.container(id)?.is_some() {
        if Instant::now() >= deadline {
            return Ok(false);
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    Ok(true)
}

fn send(record: &ContainerRecord, input: &str, number: i32) -> Result<(), ContainersError> {
    let not_running = || {
        ContainersError::Improper(format!(
            "can only kill running containers. {} is in state {}",
            record.id,
            record.state.status.as_str()
        ))
    };
    if !matches!(record.state.status, Status::Running | Status::Paused) {
        return Err(not_running());
    }
    let pid = state::live_init(&record.state).ok_or_else(not_running)?;
    // SAFETY: kill(2) with a pid and a signal number; no memory is involved.
    if unsafe { libc::kill(pid.as_raw(), number) } != 0 {
        return Err(ContainersError::Signal {
            name: input.to_owned(),
            source: std::io::Error::last_os_error(),
        });
    }
    Ok(())
}
