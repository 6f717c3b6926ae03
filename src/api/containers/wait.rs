//! `POST /containers/{id}/wait`: the 200 head at once (Docker's clients start
//! the container only once they have it), then the exit code when it comes.

use super::super::error::Error;
use super::super::exchange::Exchange;
use super::Target;
use crate::engine::interface::Engine;
use bollard_stubs::models::{ContainerWaitExitError, ContainerWaitResponse};
use nix::poll::{poll, PollFd, PollFlags, PollTimeout};
use std::io::Write;
use std::os::fd::AsFd;
use std::time::Duration;

/// How often a wait for a start or a removal looks again: `docker run --rm`
/// returns only once its container is gone, which takes milliseconds.
const POLL: Duration = Duration::from_millis(10);

#[derive(Clone, Copy, PartialEq)]
enum Condition {
    NotRunning,
    NextExit,
    Removed,
}

pub fn wait(engine: &dyn Engine, ex: &mut Exchange, t: &Target) -> Result<(), Error> {
    let condition = match ex.head.param("condition").unwrap_or("") {
        "" | "not-running" => Condition::NotRunning,
        "next-exit" => Condition::NextExit,
        "removed" => Condition::Removed,
        other => {
            return Err(Error::bad_request(format!(
                "invalid condition {other:?}: use not-running, next-exit or removed"
            )))
        }
    };
    let exited = t.inspect["State"]["Status"].as_str() == Some("exited");
    let conn = ex.reply.raw().try_clone()?;
    let mut body = ex
        .reply
        .stream(200, &[("Content-Type", "application/json")])?;
    body.flush()?;
    exit_when_gone(conn);
    let result = if condition == Condition::NotRunning && !t.running {
        Ok(t.inspect["State"]["ExitCode"].as_i64().unwrap_or(0) as i32)
    } else {
        if condition == Condition::NextExit && exited {
            // The last exit is not the next: wait for a start first.
            while engine
                .inspect_container(&t.id)
                .is_ok_and(|i| i["State"]["Status"].as_str() == Some("exited"))
            {
                std::thread::sleep(POLL);
            }
        }
        engine
            .wait(std::slice::from_ref(&t.id))
            .and_then(|mut each| each.remove(0))
    };
    if condition == Condition::Removed && result.is_ok() {
        while engine.inspect_container(&t.id).is_ok() {
            std::thread::sleep(POLL);
        }
    }
    let response = match result {
        Ok(code) => ContainerWaitResponse {
            status_code: code as i64,
            error: None,
        },
        Err(e) => ContainerWaitResponse {
            status_code: -1,
            error: Some(ContainerWaitExitError {
                message: Some(e.to_string()),
            }),
        },
    };
    let mut json = serde_json::to_value(&response)?;
    // Docker always sends the field, null when the wait went well.
    json["Error"] = serde_json::to_value(&response.error)?;
    // A client may be gone by now, as `docker run -d`'s is (it asks for a
    // wait and leaves), and the docker CLI exits as soon as it has the code,
    // often before the body's last chunk: there is nobody left to tell.
    if body.write_all(format!("{json}\n").as_bytes()).is_ok() {
        let _ = body.finish();
    }
    Ok(())
}

/// Ends this request's process when its client hangs up, so that a wait
/// nobody reads (`docker run -d` asks for one and leaves) does not outlive
/// it. The engine's wait only reads, so nothing is left half done.
fn exit_when_gone(conn: std::fs::File) {
    std::thread::spawn(move || loop {
        // No events asked: only a hang-up (or an error) wakes the poll.
        let mut fds = [PollFd::new(conn.as_fd(), PollFlags::empty())];
        match poll(&mut fds, PollTimeout::NONE) {
            Err(nix::errno::Errno::EINTR) => continue,
            Ok(_) if fds[0].revents().is_some_and(|r| !r.is_empty()) => std::process::exit(1),
            _ => return,
        }
    });
}
