//! A pod's status, from its containers' (Podman's createPodStatusResults).

use crate::engine::store::containers::Status;

/// "Created", "Running", "Degraded", "Paused", "Exited" or "Stopped", as
/// Podman says of a pod whose containers are in `states`.
pub fn of(states: &[Status]) -> &'static str {
    let count = |wanted: &[Status]| states.iter().filter(|s| wanted.contains(s)).count();
    let running = count(&[Status::Running, Status::Restarting]);
    let stopped = count(&[Status::Exited]);
    let paused = count(&[Status::Paused]);
    let total = states.len();
    match () {
        _ if total == 0 => "Created",
        _ if running == total => "Running",
        _ if running > 0 => "Degraded",
        _ if paused == total => "Paused",
        _ if stopped == total => "Exited",
        _ if stopped > 0 => "Stopped",
        _ => "Created",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pod_is_as_its_containers_are() {
        use Status::*;
        assert_eq!(of(&[]), "Created");
        assert_eq!(of(&[Created, Created]), "Created");
        assert_eq!(of(&[Running, Running]), "Running");
        assert_eq!(of(&[Running, Exited]), "Degraded");
        assert_eq!(of(&[Paused, Paused]), "Paused");
        assert_eq!(of(&[Exited, Exited]), "Exited");
        assert_eq!(of(&[Exited, Created]), "Stopped");
    }
}
