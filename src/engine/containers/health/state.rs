//! What a container's checks found, as Podman keeps it beside the container
//! (its healthcheck log): the status, the failures in a row and the last five
//! results. Written whole to a temporary name and renamed, under a lock, by
//! whichever process ran the check (the monitor's or `healthcheck run`).

use crate::engine::containers::ContainersError;
use crate::engine::store::lock::{Kind, Lock};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

const FILE: &str = "health.json";
const LOCK: &str = "health.lock";
/// Results kept (Docker's and Podman's).
const KEPT: usize = 5;
/// Output kept of each result, in bytes (Podman's MaxHealthCheckLogLength).
pub const MAX_OUTPUT: usize = 500;

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    #[default]
    Starting,
    Healthy,
    Unhealthy,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Starting => "starting",
            Status::Healthy => "healthy",
            Status::Unhealthy => "unhealthy",
        }
    }
}

/// One run of the check, as inspect shows it (Go times).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Result {
    pub start: String,
    pub end: String,
    pub exit_code: i32,
    pub output: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct HealthState {
    pub status: Status,
    pub failing_streak: u32,
    pub log: Vec<Result>,
}

impl HealthState {
    /// Adds a result: a pass makes it healthy; a failure counts unless the
    /// start period is still on, and `retries` of them in a row make it
    /// unhealthy.
    pub fn add(&mut self, result: Result, passed: bool, counted: bool, retries: u32) {
        if passed {
            self.status = Status::Healthy;
            self.failing_streak = 0;
        } else if counted {
            self.failing_streak += 1;
            if self.failing_streak >= retries {
                self.status = Status::Unhealthy;
            }
        }
        self.log.push(result);
        let extra = self.log.len().saturating_sub(KEPT);
        self.log.drain(..extra);
    }
}

/// The container's health, if a check was ever set up for it.
pub fn read(dir: &Path) -> Option<HealthState> {
    let text = std::fs::read(dir.join(FILE)).ok()?;
    serde_json::from_slice(&text).ok()
}

/// Changes the container's health under its lock and returns what it became.
pub fn update(
    dir: &Path,
    change: impl FnOnce(&mut HealthState),
) -> std::result::Result<HealthState, ContainersError> {
    let _lock = Lock::acquire(&dir.join(LOCK), Kind::Exclusive)?;
    let mut state = read(dir).unwrap_or_default();
    change(&mut state);
    write(dir, &state)?;
    Ok(state)
}

/// A new run of the container begins `starting` again, its log kept (Podman's).
pub fn restart(dir: &Path) -> std::result::Result<(), ContainersError> {
    update(dir, |s| {
        s.status = Status::Starting;
        s.failing_streak = 0;
    })
    .map(drop)
}

fn write(dir: &Path, state: &HealthState) -> std::result::Result<(), ContainersError> {
    let path = dir.join(FILE);
    let tmp = tmp_path(&path);
    let text = serde_json::to_vec(state).expect("health state serializes");
    std::fs::write(&tmp, text)
        .and_then(|()| std::fs::rename(&tmp, &path))
        .map_err(|source| ContainersError::Write { path, source })
}

fn tmp_path(path: &Path) -> PathBuf {
    path.with_extension(format!("tmp{}", std::process::id()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn result(code: i32) -> Result {
        Result {
            start: String::new(),
            end: String::new(),
            exit_code: code,
            output: String::new(),
        }
    }

    #[test]
    fn retries_in_a_row_make_it_unhealthy_and_a_pass_heals() {
        let mut s = HealthState::default();
        s.add(result(1), false, false, 2);
        assert_eq!((s.status, s.failing_streak), (Status::Starting, 0));
        s.add(result(1), false, true, 2);
        assert_eq!(s.status, Status::Starting);
        s.add(result(1), false, true, 2);
        assert_eq!((s.status, s.failing_streak), (Status::Unhealthy, 2));
        for _ in 0..4 {
            s.add(result(0), true, true, 2);
        }
        assert_eq!((s.status, s.failing_streak), (Status::Healthy, 0));
        assert_eq!(s.log.len(), KEPT);
        assert_eq!(s.log[0].exit_code, 1);
    }
}
