//! `pod create --exit-policy`: what becomes of the infra once the pod's last
//! other container has exited. With no daemon, the one who notices is the
//! monitor of that last container, as it concludes (monitor/mod.rs).

use super::{record, PodsError};
use crate::engine::containers::stop;
use crate::engine::pods::members;
use crate::engine::store::Store;
use serde::{Deserialize, Serialize};
use std::time::Duration;

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ExitPolicy {
    /// The infra runs on (Podman's default for `pod create`).
    #[default]
    Continue,
    /// The infra stops with the last member, and so the pod is Exited.
    Stop,
}

impl ExitPolicy {
    pub fn as_str(self) -> &'static str {
        match self {
            ExitPolicy::Continue => "continue",
            ExitPolicy::Stop => "stop",
        }
    }
}

impl std::str::FromStr for ExitPolicy {
    type Err = PodsError;

    fn from_str(text: &str) -> Result<ExitPolicy, PodsError> {
        match text {
            "continue" => Ok(ExitPolicy::Continue),
            "stop" => Ok(ExitPolicy::Stop),
            // Podman's words.
            _ => Err(PodsError::Invalid(format!(
                "running pod create option: invalid pod exit policy: {text:?}"
            ))),
        }
    }
}

/// Called by the monitor of `member` (of pod `pod_id`) once it has recorded
/// the member's end: stops the infra of a `stop` pod when no other member
/// runs. Two members ending at once both record their end first, so at least
/// one of them sees the other's.
pub fn member_exited(store: &Store, pod_id: &str, member: &str) -> Result<(), PodsError> {
    let pod = record::lookup(store, pod_id)?;
    let Some(infra) = pod.config.infra_id.as_deref() else {
        return Ok(());
    };
    if pod.config.exit_policy != ExitPolicy::Stop || infra == member {
        return Ok(());
    }
    let others_run = members::of(store, &pod)?
        .iter()
        .filter(|m| m.id != infra && m.id != member)
        .any(|m| m.status.has_monitor());
    if !others_run {
        stop::stop(store, infra, Some(Duration::from_secs(10)))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exit_policies_are_podmans() {
        assert_eq!("stop".parse::<ExitPolicy>().unwrap(), ExitPolicy::Stop);
        assert_eq!(
            "continue".parse::<ExitPolicy>().unwrap().as_str(),
            "continue"
        );
        assert_eq!(ExitPolicy::default(), ExitPolicy::Continue);
        let e = "Stop".parse::<ExitPolicy>().unwrap_err().to_string();
        assert_eq!(
            e,
            "running pod create option: invalid pod exit policy: \"Stop\""
        );
    }
}
