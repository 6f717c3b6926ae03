//! Entering the user namespace.
//!
//! An unprivileged process cannot write a multi-range uid_map for itself; the setuid
//! helpers newuidmap/newgidmap must do it from outside the namespace. So we fork a
//! child that stays outside, unshare in the parent, and let the child run the helpers
//! on the parent's pid. This must happen before any thread exists: fork in a
//! multi-threaded process only copies the calling thread.

use super::{IdMap, Mappings, UsernsError};
use nix::sched::{unshare, CloneFlags};
use nix::sys::wait::{waitpid, WaitStatus};
use nix::unistd::{fork, getppid, pipe, read, write, ForkResult};
use std::io::Write as _;
use std::os::fd::{AsRawFd, OwnedFd};
use std::process::{Command, Stdio};

/// Moves this process into a new user namespace with `maps`, as uid and gid 0 there.
pub fn enter(maps: &Mappings) -> Result<(), UsernsError> {
    if maps.is_single() {
        return enter_single(maps);
    }
    let helpers = [("newuidmap", &maps.uids), ("newgidmap", &maps.gids)];
    for (tool, _) in helpers {
        if which(tool).is_none() {
            return Err(UsernsError::ToolMissing { tool });
        }
    }
    let (ready_r, ready_w) = pipe().map_err(setup("pipe"))?;
    let (status_r, status_w) = pipe().map_err(setup("pipe"))?;
    // SAFETY: the process is single-threaded here (checked by the caller's contract:
    // enter() runs first thing in main), so the child may run arbitrary code.
    match unsafe { fork() }.map_err(setup("fork"))? {
        ForkResult::Child => {
            drop(ready_w);
            drop(status_r);
            let code = map_parent(ready_r, status_w, &helpers);
            // SAFETY: leave without running the parent's atexit handlers or destructors.
            unsafe { libc::_exit(code) }
        }
        ForkResult::Parent { child } => {
            drop(ready_r);
            drop(status_w);
            let unshared = unshare(CloneFlags::CLONE_NEWUSER);
            if unshared.is_ok() {
                write(&ready_w, b"1").map_err(setup("signal the id mapper"))?;
            }
            drop(ready_w);
            let message = read_all(status_r);
            let status = waitpid(child, None).map_err(setup("wait for the id mapper"))?;
            unshared.map_err(UsernsError::Unshare)?;
            if !matches!(status, WaitStatus::Exited(_, 0)) {
                let (tool, message) = message.split_once(':').unwrap_or(("newuidmap", &message));
                return Err(UsernsError::ToolFailed {
                    tool: if tool == "newgidmap" {
                        "newgidmap"
                    } else {
                        "newuidmap"
                    },
                    message: message.trim().to_owned(),
                });
            }
            Ok(())
        }
    }
}

/// Runs in the forked child: waits for the parent to unshare, then maps it.
fn map_parent(ready: OwnedFd, status: OwnedFd, helpers: &[(&'static str, &Vec<IdMap>); 2]) -> i32 {
    let mut byte = [0u8; 1];
    if !matches!(read(ready.as_raw_fd(), &mut byte), Ok(1)) {
        return 1; // the parent could not unshare; it reports that itself
    }
    let pid = getppid().as_raw().to_string();
    let spawned: Vec<_> = helpers
        .iter()
        .map(|(tool, maps)| {
            let mut cmd = Command::new(tool);
            cmd.arg(&pid);
            for m in maps.iter() {
                cmd.args([m.container_id, m.host_id, m.size].map(|n| n.to_string()));
            }
            (
                *tool,
                cmd.stdin(Stdio::null())
                    .stdout(Stdio::null())
                    .stderr(Stdio::piped())
                    .spawn(),
            )
        })
        .collect();
    for (tool, child) in spawned {
        let failure = match child.and_then(|c| c.wait_with_output()) {
            Ok(out) if out.status.success() => continue,
            Ok(out) => String::from_utf8_lossy(&out.stderr)
                .lines()
                .last()
                .unwrap_or("")
                .to_owned(),
            Err(e) => e.to_string(),
        };
        let mut file = std::fs::File::from(status);
        let _ = write!(file, "{tool}:{failure}");
        return 1;
    }
    0
}

fn enter_single(maps: &Mappings) -> Result<(), UsernsError> {
    unshare(CloneFlags::CLONE_NEWUSER).map_err(UsernsError::Unshare)?;
    let line = |m: &[IdMap]| format!("0 {} 1\n", m[0].host_id);
    std::fs::write("/proc/self/setgroups", "deny").map_err(setup_io("write setgroups"))?;
    std::fs::write("/proc/self/uid_map", line(&maps.uids)).map_err(setup_io("write uid_map"))?;
    std::fs::write("/proc/self/gid_map", line(&maps.gids)).map_err(setup_io("write gid_map"))?;
    Ok(())
}

fn read_all(fd: OwnedFd) -> String {
    let mut text = String::new();
    let _ = std::io::Read::read_to_string(&mut std::fs::File::from(fd), &mut text);
    text
}

fn which(tool: &str) -> Option<std::path::PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_else(|| "/usr/bin:/bin".into());
    std::env::split_paths(&path)
        .chain(["/usr/bin".into(), "/usr/sbin".into()])
        .map(|dir| dir.join(tool))
        .find(|p| p.is_file())
}

fn setup(what: &'static str) -> impl Fn(nix::Error) -> UsernsError {
    move |e| UsernsError::Setup {
        what,
        source: e.into(),
    }
}

fn setup_io(what: &'static str) -> impl Fn(std::io::Error) -> UsernsError {
    move |source| UsernsError::Setup { what, source }
}
