//! Docker's words for a container's state, as `ps` and the API's listing
//! show them.

use crate::engine::duration::human_duration;
use crate::engine::store::containers::{RunState, Status};

/// Docker's State.String(): "Up 3 seconds", "Exited (0) 2 minutes ago", ...
pub fn status(s: &RunState, now_ms: i64) -> String {
    let ago = |ms: Option<i64>| human_duration((now_ms - ms.unwrap_or(now_ms)) / 1000);
    let code = s.exit_code.unwrap_or(0);
    match s.status {
        Status::Running => format!("Up {}", ago(s.started_ms)),
        Status::Paused => format!("Up {} (Paused)", ago(s.started_ms)),
        Status::Restarting => format!("Restarting ({code}) {} ago", ago(s.finished_ms)),
        _ if s.started_ms.is_none() => "Created".to_owned(),
        Status::Exited => format!("Exited ({code}) {} ago", ago(s.finished_ms)),
        Status::Created => "Created".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_words_are_dockers() {
        let now = 1_000_000_000;
        let mut s = RunState::created();
        assert_eq!(status(&s, now), "Created");
        s.status = Status::Running;
        s.started_ms = Some(now - 300);
        assert_eq!(status(&s, now), "Up Less than a second");
        s.started_ms = Some(now - 3_000);
        assert_eq!(status(&s, now), "Up 3 seconds");
        s.started_ms = Some(now - 70_000);
        assert_eq!(status(&s, now), "Up About a minute");
        s.status = Status::Paused;
        s.started_ms = Some(now - 5_000);
        assert_eq!(status(&s, now), "Up 5 seconds (Paused)");
        s.status = Status::Exited;
        s.exit_code = Some(0);
        s.finished_ms = Some(now - 120_000);
        assert_eq!(status(&s, now), "Exited (0) 2 minutes ago");
        s.status = Status::Restarting;
        s.exit_code = Some(1);
        s.finished_ms = Some(now - 2_000);
        assert_eq!(status(&s, now), "Restarting (1) 2 seconds ago");
    }
}
