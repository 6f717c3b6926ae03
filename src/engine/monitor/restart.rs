//! `--restart`: what the monitor does when the container exits. Podman leaves this to
//! systemd; coracle's monitor does it itself.

use crate::engine::runtime::RuntimeError;
use serde::{Deserialize, Serialize};
use std::time::Duration;

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum RestartPolicy {
    #[default]
    No,
    /// Restart after a non-zero exit, at most `max` times when given.
    OnFailure {
        max: Option<u32>,
    },
    Always,
    /// As `always`: with no daemon there is no daemon restart for the two to differ on.
    UnlessStopped,
}

impl RestartPolicy {
    /// Docker's spelling: `no`, `on-failure[:N]`, `always`, `unless-stopped`.
    pub fn parse(s: &str) -> Result<RestartPolicy, RuntimeError> {
        let invalid = || {
            RuntimeError::Invalid(format!(
                "invalid restart policy {s:?}: use no, on-failure[:N], always or unless-stopped"
            ))
        };
        Ok(match s.split_once(':') {
            None | Some((_, "")) if s.trim_end_matches(':') == "on-failure" => {
                RestartPolicy::OnFailure { max: None }
            }
            Some(("on-failure", n)) => RestartPolicy::OnFailure {
                max: Some(n.parse().map_err(|_| invalid())?),
            },
            None if s == "no" || s.is_empty() => RestartPolicy::No,
            None if s == "always" => RestartPolicy::Always,
            None if s == "unless-stopped" => RestartPolicy::UnlessStopped,
            _ => return Err(invalid()),
        })
    }

    /// Docker's name for the policy, without on-failure's count.
    pub fn name(self) -> &'static str {
        match self {
            RestartPolicy::No => "no",
            RestartPolicy::OnFailure { .. } => "on-failure",
            RestartPolicy::Always => "always",
            RestartPolicy::UnlessStopped => "unless-stopped",
        }
    }

    /// Whether a container that exited with `code`, after `restarts` restarts so
    /// far, is started again. A stop or kill asked for by the user is never undone.
    pub fn restarts(self, code: i32, restarts: u32, stop_requested: bool) -> bool {
        if stop_requested {
            return false;
        }
        match self {
            RestartPolicy::No => false,
            RestartPolicy::OnFailure { max } => code != 0 && max.is_none_or(|m| restarts < m),
            RestartPolicy::Always | RestartPolicy::UnlessStopped => true,
        }
    }
}

/// Docker's back-off: 100 ms, doubling with each restart, at most a minute; a
/// container that ran for ten seconds or more starts again from 100 ms.
pub fn delay(consecutive: u32) -> Duration {
    Duration::from_millis(100u64.saturating_mul(1 << consecutive.min(10)))
        .min(Duration::from_secs(60))
}

#[cfg(test)]
mod tests {
    use super::RestartPolicy as P;

    #[test]
    fn parses_dockers_spellings() {
        assert_eq!(P::parse("no").unwrap(), P::No);
        assert_eq!(P::parse("always").unwrap(), P::Always);
        assert_eq!(P::parse("unless-stopped").unwrap(), P::UnlessStopped);
        assert_eq!(P::parse("on-failure").unwrap(), P::OnFailure { max: None });
        assert_eq!(
            P::parse("on-failure:3").unwrap(),
            P::OnFailure { max: Some(3) }
        );
        assert!(P::parse("on-failure:x").is_err());
        assert!(P::parse("sometimes").is_err());
        assert!(P::parse("always:2").is_err());
    }

    #[test]
    fn on_failure_stops_at_its_maximum_and_a_stop_is_final() {
        let p = P::OnFailure { max: Some(2) };
        assert!(p.restarts(1, 0, false));
        assert!(p.restarts(1, 1, false));
        assert!(!p.restarts(1, 2, false));
        assert!(!p.restarts(0, 0, false));
        assert!(!P::Always.restarts(0, 0, true));
        assert!(P::Always.restarts(0, 50, false));
    }

    #[test]
    fn back_off_doubles_up_to_a_minute() {
        assert_eq!(super::delay(0).as_millis(), 100);
        assert_eq!(super::delay(3).as_millis(), 800);
        assert_eq!(super::delay(30).as_secs(), 60);
    }
}
