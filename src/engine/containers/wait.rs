//! `wait --condition`: Podman's wait, which polls the container's state until it
//! is one of the conditions asked for. Unlike Docker's (`stop::wait`), its default
//! condition, "stopped", holds for a container that never ran: a script's `wait`
//! on a created container returns at once instead of blocking forever.

use super::lookup::lookup;
use super::{state, ContainersError};
use crate::engine::store::containers::Status;
use crate::engine::store::Store;
use std::time::Duration;

/// The states `wait` may wait for, by Podman's names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WaitCondition {
    /// "configured", "created", "initialized": not started yet (coracle has no
    /// separate initialized state: `container init` leaves it created).
    Created,
    Running,
    Paused,
    /// "exited": it ran and ended.
    Exited,
    /// "stopped" (the default): not running, whether it ever ran or not.
    Stopped,
}

impl WaitCondition {
    /// Podman's name for a state; `None` for one it does not know.
    pub fn parse(name: &str) -> Option<WaitCondition> {
        Some(match name {
            "configured" | "created" | "initialized" => WaitCondition::Created,
            "running" => WaitCondition::Running,
            "paused" => WaitCondition::Paused,
            "exited" => WaitCondition::Exited,
            "stopped" => WaitCondition::Stopped,
            _ => return None,
        })
    }

    fn holds(self, status: Status) -> bool {
        match self {
            WaitCondition::Created => status == Status::Created,
            WaitCondition::Running => status == Status::Running,
            WaitCondition::Paused => status == Status::Paused,
            WaitCondition::Exited => status == Status::Exited,
            WaitCondition::Stopped => matches!(status, Status::Created | Status::Exited),
        }
    }
}

#[derive(Debug, Clone)]
pub struct WaitOptions {
    /// Any of these ends the wait; empty means "stopped".
    pub conditions: Vec<WaitCondition>,
    /// How often the state is read (`--interval`).
    pub interval: Duration,
}

/// Waits until container `input` is in one of the states asked for; its exit
/// code (0 for one that never ran), or -1 when the state met is not a stopped one.
pub fn wait_for(store: &Store, input: &str, opts: &WaitOptions) -> Result<i32, ContainersError> {
    let id = lookup(store, input)?.id;
    let conditions: &[WaitCondition] = match opts.conditions.is_empty() {
        true => &[WaitCondition::Stopped],
        false => &opts.conditions,
    };
    loop {
        let Some(record) = store.container(&id)? else {
            // Removed as it exited (`--rm`): its exit code is kept for a while.
            return store
                .kept_exit_code(&id)
                .ok_or_else(|| ContainersError::NotFound(input.to_owned()));
        };
        let record = state::refresh(store, record)?;
        if let Some(met) = conditions.iter().find(|c| c.holds(record.state.status)) {
            // Podman's -1 for a wait that ended on a state with no exit.
            return Ok(match met {
                WaitCondition::Stopped | WaitCondition::Exited => {
                    record.state.exit_code.unwrap_or(0)
                }
                _ => -1,
            });
        }
        std::thread::sleep(opts.interval);
    }
}

#[cfg(test)]
mod tests {
    use super::WaitCondition;
    use crate::engine::store::containers::Status;

    #[test]
    fn stopped_holds_for_a_container_that_never_ran() {
        let stopped = WaitCondition::parse("stopped").unwrap();
        assert!(stopped.holds(Status::Created));
        assert!(stopped.holds(Status::Exited));
        assert!(!stopped.holds(Status::Running));
        assert!(!stopped.holds(Status::Paused));
    }

    #[test]
    fn podmans_state_names_are_known_and_others_not() {
        for name in [
            "configured",
            "created",
            "initialized",
            "running",
            "paused",
            "exited",
        ] {
            assert!(WaitCondition::parse(name).is_some(), "{name}");
        }
        assert_eq!(WaitCondition::parse("bogus"), None);
        assert!(!WaitCondition::parse("exited")
            .unwrap()
            .holds(Status::Created));
    }
}
