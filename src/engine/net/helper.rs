//! The helper process (pasta or slirp4netns) that connects a container's own
//! network namespace to the host's network. The monitor starts one per run,
//! once the namespace exists, waits for it to be ready before the container's
//! process starts, and stops it when the run ends. Its pid is recorded in the
//! container's directory, so that a monitor that exec'd itself (handoff) or the
//! next command after a kill -9 of the monitor can stop it too.

use super::ports::PortMapping;
use super::{pasta, slirp, NetError, Network};
use crate::engine::process::process_start;
use nix::sys::signal::{kill, Signal};
use nix::unistd::Pid;
use std::path::{Path, PathBuf};

/// The helper's pid, start time and whether it holds host ports, in the
/// container's directory.
const PID_FILE: &str = "net.pid";
/// What the helper says on its way (its stderr), read when it fails to start.
pub(super) const LOG_FILE: &str = "net.log";

/// Waits until a started helper has the namespace ready; gives its pid.
pub(super) type Ready = Box<dyn FnOnce() -> Result<i32, NetError>>;

/// A helper that was started and is getting the namespace ready. pasta takes
/// 20-30 ms to get there, most of it the kernel's work (its socket and pipe
/// pools, the tap device, the addresses), so the monitor builds the container
/// meanwhile and waits for the helper only before the container's process starts.
pub struct Starting {
    name: &'static str,
    ready: Ready,
    holds_ports: bool,
    record: PathBuf,
}

/// A running helper, known by its pid and start time (so that a recycled pid is
/// never killed).
#[derive(Debug)]
pub struct Helper {
    pid: i32,
    start: u64,
    /// It listens on host ports for the container (`-p`).
    holds_ports: bool,
    record: PathBuf,
}

/// Starts connecting the network namespace bound at `netns` (a file: pasta drops
/// the capabilities it would need to open another process's /proc/PID/ns/net) as
/// `network` says, forwarding `ports`, with its files in `dir`; `None` when the
/// mode has no helper.
pub fn start(
    network: &Network,
    netns: &Path,
    ports: &[PortMapping],
    dir: &Path,
) -> Result<Option<Starting>, NetError> {
    let (name, ready) = match network {
        Network::Pasta(opts) => ("pasta", pasta::start(opts, netns, ports, dir)?),
        Network::Slirp4netns(opts) => ("slirp4netns", slirp::start(opts, netns, ports, dir)?),
        _ => return Ok(None),
    };
    Ok(Some(Starting {
        name,
        ready,
        holds_ports: !ports.is_empty(),
        record: dir.join(PID_FILE),
    }))
}

impl Starting {
    /// Waits until the helper has the namespace ready, and records it.
    pub fn ready(self) -> Result<Helper, NetError> {
        let pid = (self.ready)()?;
        let start = process_start(pid).ok_or_else(|| NetError::Helper {
            helper: self.name.to_owned(),
            message: "it exited as soon as it started".into(),
        })?;
        let helper = Helper {
            pid,
            start,
            holds_ports: self.holds_ports,
            record: self.record,
        };
        let line = format!("{pid} {start} {}\n", helper.holds_ports);
        if let Err(e) = std::fs::write(&helper.record, line) {
            helper.stop();
            return Err(NetError::Io {
                what: "record the network helper's pid",
                source: e,
            });
        }
        Ok(helper)
    }
}

impl Helper {
    /// The helper recorded in the container directory `dir`, if any.
    pub fn recorded(dir: &Path) -> Option<Helper> {
        let record = dir.join(PID_FILE);
        let text = std::fs::read_to_string(&record).ok()?;
        let mut fields = text.split_whitespace();
        Some(Helper {
            pid: fields.next()?.parse().ok()?,
            start: fields.next()?.parse().ok()?,
            holds_ports: fields.next() == Some("true"),
            record,
        })
    }

    /// Kills the helper if it is still the process that was started, and forgets
    /// it. Killed, it runs no more code, but the kernel takes another 20-40 ms to
    /// let it go (RCU grace periods for its tap device, its mount namespace and
    /// its inotify watch), which Podman does not wait for either (its pasta just
    /// exits when the namespace goes). So it is waited for (and reaped: the monitor
    /// is the subreaper of pasta's daemon) only when it held host ports, which must
    /// be free again when the run returns, for the next `run -p` of the same port.
    /// Otherwise its zombie is reaped by the monitor's reaping loop, or once the
    /// monitor is gone by whoever adopts it.
    pub fn stop(self) {
        if process_start(self.pid) == Some(self.start) {
            let pid = Pid::from_raw(self.pid);
            if kill(pid, Signal::SIGKILL).is_ok() && self.holds_ports {
                // The monitor's signals (SIGCHLD among them) interrupt the wait.
                while nix::sys::wait::waitpid(pid, None) == Err(nix::Error::EINTR) {}
            }
        }
        let _ = std::fs::remove_file(&self.record);
    }
}

/// Fails early, with the command that fixes it, when the helper could not open
/// /dev/net/tun (it opens it for the namespace's interface).
pub(super) fn check_tun() -> Result<(), NetError> {
    match std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open("/dev/net/tun")
    {
        Ok(_) => Ok(()),
        Err(e) => Err(NetError::Tun(e)),
    }
}

/// The error for a helper that failed: its last words from the log in `dir`.
pub(super) fn failed(helper: &str, dir: &Path, status: impl std::fmt::Display) -> NetError {
    let log = std::fs::read_to_string(dir.join(LOG_FILE)).unwrap_or_default();
    let said = log
        .lines()
        .filter(|l| !l.is_empty() && !l.starts_with("Failed to send"))
        .collect::<Vec<_>>()
        .join("; ");
    NetError::Helper {
        helper: helper.to_owned(),
        message: match said.is_empty() {
            true => format!("it {status}"),
            false => said,
        },
    }
}

/// The error for a helper binary that cannot be run.
pub(super) fn spawn_failed(helper: &str, package: &str, e: std::io::Error) -> NetError {
    match e.kind() {
        std::io::ErrorKind::NotFound => NetError::Missing {
            helper: helper.to_owned(),
            package: package.to_owned(),
        },
        _ => NetError::Helper {
            helper: helper.to_owned(),
            message: e.to_string(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_record_says_whether_the_helper_holds_ports() {
        let dir = tempfile::tempdir().unwrap();
        let read = |line: &str| {
            std::fs::write(dir.path().join(PID_FILE), line).unwrap();
            Helper::recorded(dir.path()).map(|h| (h.pid, h.start, h.holds_ports))
        };
        assert_eq!(read("12 345 true\n"), Some((12, 345, true)));
        assert_eq!(read("12 345 false\n"), Some((12, 345, false)));
        // As a monitor from before ports were recorded wrote it.
        assert_eq!(read("12 345\n"), Some((12, 345, false)));
        assert_eq!(read("12\n"), None);
    }
}
