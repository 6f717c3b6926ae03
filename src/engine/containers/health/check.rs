//! One run of a container's check, inside the container through `exec`, with
//! its output kept and a timer that kills it at its timeout; the result goes
//! to the container's health and its events, and an unhealthy container is
//! dealt with as `--health-on-failure` says.

use super::state::{self, Status, MAX_OUTPUT};
use super::{Healthcheck, OnFailure};
use crate::engine::containers::exec::{self, ExecOptions};
use crate::engine::containers::lookup::{config_of, lookup};
use crate::engine::containers::{events, stop, ContainersError};
use crate::engine::context::Context;
use crate::engine::go_time;
use crate::engine::monitor::io::TIMED_OUT;
use crate::engine::monitor::wait::HEALTH_RESTART;
use crate::engine::process::Host;
use crate::engine::store::containers::{ContainerRecord, Status as RunStatus};
use crate::engine::store::Store;
use crate::engine::streams::{Output, Streams};
use nix::sys::signal::{SigSet, Signal};
use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// How the check went.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Passed,
    Failed,
    /// It ran past its timeout and was killed (a failure).
    TimedOut(Duration),
}

/// Runs the check of container `input` once and records what it found.
pub fn run(
    ctx: &Context,
    host: &Host,
    store: &Store,
    input: &str,
) -> Result<Outcome, ContainersError> {
    let record = lookup(store, input)?;
    let config = config_of(&record)?;
    let Some(check) = config.healthcheck else {
        return Err(ContainersError::Invalid(format!(
            "container {} has no defined healthcheck",
            record.id
        )));
    };
    if record.state.status != RunStatus::Running {
        return Err(ContainersError::NotRunning(record.id));
    }
    let start = chrono::Utc::now();
    let (code, output) = execute(ctx, host, store, &record, &check);
    let outcome = match code {
        0 => Outcome::Passed,
        TIMED_OUT => Outcome::TimedOut(check.timeout()),
        _ => Outcome::Failed,
    };
    let result = state::Result {
        start: go_time::format(start),
        end: go_time::format(chrono::Utc::now()),
        // Podman's codes: 0, 1 for any failure, -1 for a timeout.
        exit_code: match outcome {
            Outcome::Passed => 0,
            Outcome::Failed => 1,
            Outcome::TimedOut(_) => -1,
        },
        output,
    };
    let started = record.state.started_ms.unwrap_or_default();
    let ran_for = start.timestamp_millis().saturating_sub(started).max(0);
    let counted = ran_for as u128 >= check.start_period().as_millis();
    let passed = outcome == Outcome::Passed;
    let dir = store.container_dir(&record.id);
    let health = state::update(&dir, |s| s.add(result, passed, counted, check.retries))?;
    let status = health.status.as_str().to_owned();
    events::record_id(
        store,
        &record.id,
        "health_status",
        &[("health_status", status)],
    );
    if health.status == Status::Unhealthy {
        act(store, &record, config.settings.health.on_failure)?;
    }
    Ok(outcome)
}

/// Runs the command; its exit code (TIMED_OUT when killed at the timeout) and
/// output. A command that cannot be run is a failure that says why.
fn execute(
    ctx: &Context,
    host: &Host,
    store: &Store,
    record: &ContainerRecord,
    check: &Healthcheck,
) -> (i32, String) {
    let kept = Kept::default();
    let streams = Streams {
        stdin: None,
        stdout: Output::Writer(Box::new(kept.clone())),
        stderr: Output::Writer(Box::new(kept.clone())),
        controls: None,
    };
    let opts = ExecOptions {
        command: check.argv(),
        ..Default::default()
    };
    let alarm = Alarm::set(check.timeout());
    let result = exec::exec(ctx, host, store, &record.id, &opts, streams);
    drop(alarm);
    let mut output = kept.text();
    let code = result.unwrap_or_else(|e| {
        output = e.to_string();
        1
    });
    (code, output)
}

/// What `--health-on-failure` asks of an unhealthy container. A restart is the
/// monitor's to do: it is told, and starts the container again once it is down.
fn act(store: &Store, record: &ContainerRecord, action: OnFailure) -> Result<(), ContainersError> {
    match action {
        OnFailure::None => Ok(()),
        OnFailure::Kill => stop::kill(store, &record.id, "SIGKILL"),
        OnFailure::Stop => stop::stop(store, &record.id, None),
        OnFailure::Restart => {
            let Some(monitor) = record.state.monitor_pid else {
                return Ok(());
            };
            let monitor = nix::unistd::Pid::from_raw(monitor);
            nix::sys::signal::kill(monitor, HEALTH_RESTART).map_err(|e| ContainersError::Signal {
                name: record.name.clone(),
                source: e.into(),
            })
        }
    }
}

/// The command's stdout and stderr together, as much as is kept.
#[derive(Clone, Default)]
struct Kept(Arc<Mutex<Vec<u8>>>);

impl Kept {
    fn text(&self) -> String {
        let bytes = self.0.lock().map(|b| b.clone()).unwrap_or_default();
        let text = String::from_utf8_lossy(&bytes);
        let mut text = text.trim_end_matches('\n').to_owned();
        if text.len() > MAX_OUTPUT {
            let mut end = MAX_OUTPUT;
            while !text.is_char_boundary(end) {
                end -= 1;
            }
            text.truncate(end);
        }
        text
    }
}

impl Write for Kept {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if let Ok(mut kept) = self.0.lock() {
            let room = (MAX_OUTPUT * 2).saturating_sub(kept.len());
            kept.extend_from_slice(&buf[..buf.len().min(room)]);
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// SIGALRM at the timeout, blocked so that it waits for exec's relay, which
/// kills the command when it reads it (as for `run --timeout`).
struct Alarm(SigSet);

impl Alarm {
    fn set(after: Duration) -> Alarm {
        let mut set = SigSet::empty();
        set.add(Signal::SIGALRM);
        let _ = set.thread_block();
        itimer(after);
        Alarm(set)
    }
}

impl Drop for Alarm {
    /// Disarms it, and takes a signal that came too late to matter.
    fn drop(&mut self) {
        itimer(Duration::ZERO);
        let zero = libc::timespec {
            tv_sec: 0,
            tv_nsec: 0,
        };
        // SAFETY: the set and timespec are valid for the call; no siginfo wanted.
        unsafe { libc::sigtimedwait(self.0.as_ref(), std::ptr::null_mut(), &zero) };
    }
}

fn itimer(after: Duration) {
    let value = libc::itimerval {
        it_interval: libc::timeval {
            tv_sec: 0,
            tv_usec: 0,
        },
        it_value: libc::timeval {
            tv_sec: after.as_secs() as libc::time_t,
            tv_usec: after.subsec_micros() as libc::suseconds_t,
        },
    };
    // SAFETY: a valid itimerval; the old value is not wanted.
    unsafe { libc::setitimer(libc::ITIMER_REAL, &value, std::ptr::null_mut()) };
}
