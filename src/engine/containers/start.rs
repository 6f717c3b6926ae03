//! Starting a container in the background: fork-exec a monitor in a session of its
//! own, which outlives us, and wait until it says the container runs.

use super::attach::{AttachEnd, AttachOptions};
use super::ContainersError;
use crate::engine::context::Context;
use crate::engine::monitor::tty::{caller_terminal, format_size, window_size};
use crate::engine::store::Store;
use std::io::{BufRead, BufReader};
use std::os::fd::{AsRawFd, OwnedFd, RawFd};
use std::os::unix::net::UnixStream;
use std::os::unix::process::CommandExt;
use std::process::{Command, Stdio};

/// Where the monitor's ready pipe and attach socket arrive in it.
const READY_FD: RawFd = 3;
const ATTACH_FD: RawFd = 4;

pub struct StartOptions {
    /// The monitor's end of a connected socket: its first attach client.
    pub attach: Option<OwnedFd>,
    /// Remove the container if it cannot start (`run -d`; `start` keeps it).
    pub remove_on_failure: bool,
    /// The pty's size (rows, columns) from the start, for a `-t` container that
    /// is attached to at once.
    pub tty_size: Option<(u16, u16)>,
}

/// Starts container `id` under a detached monitor; returns once it runs. Must be
/// called inside the user namespace the container is to live in.
pub fn start(
    ctx: &Context,
    store: &Store,
    id: &str,
    opts: StartOptions,
) -> Result<(), ContainersError> {
    store.set_stop_requested(id, false)?;
    let dir = store.container_dir(id);
    let log_path = dir.join("monitor.log");
    let monitor_log = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&log_path)
        .map_err(|source| ContainersError::Write {
            path: log_path.clone(),
            source,
        })?;
    let (ready_read, ready_write) =
        nix::unistd::pipe2(nix::fcntl::OFlag::O_CLOEXEC).map_err(|e| monitor_err(e.into()))?;
    let exe = std::env::current_exe().map_err(monitor_err)?;
    let mut cmd = Command::new(exe);
    cmd.arg("--root")
        .arg(&ctx.root)
        .arg("--runroot")
        .arg(&ctx.runroot)
        .args(["monitor", "--detach", "--ready-fd", &READY_FD.to_string()]);
    if opts.attach.is_some() {
        cmd.args(["--attach-fd", &ATTACH_FD.to_string()]);
    }
    if opts.remove_on_failure {
        cmd.arg("--remove-on-failure");
    }
    if let Some(size) = opts.tty_size {
        cmd.arg("--tty-size").arg(format_size(size));
    }
    cmd.arg(id)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(monitor_log);
    let handed = [
        Some((ready_write.as_raw_fd(), READY_FD)),
        opts.attach.as_ref().map(|a| (a.as_raw_fd(), ATTACH_FD)),
    ];
    // SAFETY: only async-signal-safe calls (setsid, fork, _exit, fcntl, dup2)
    // between fork and exec.
    unsafe {
        cmd.pre_exec(move || detach_child(&handed));
    }
    let mut intermediate = cmd.spawn().map_err(monitor_err)?;
    let _ = intermediate.wait();
    drop(ready_write);
    drop(opts.attach);
    let mut answer = String::new();
    let _ = BufReader::new(std::fs::File::from(ready_read)).read_line(&mut answer);
    match answer.trim_end().split_once(' ') {
        _ if answer.trim_end() == "ok" => Ok(()),
        Some((code, message)) if code.parse::<i32>().is_ok() => Err(ContainersError::Start {
            code: code.parse().unwrap(),
            message: message.to_owned(),
        }),
        _ => Err(ContainersError::Start {
            code: 125,
            message: format!(
                "the container's monitor stopped before the container started: see {}",
                log_path.display()
            ),
        }),
    }
}

/// Starts container `id` under a detached monitor with us as its first attach
/// client (`start -a`, `run -t`), so that no output is missed, and relays until
/// it exits or the detach keys are typed.
pub fn start_attached(
    ctx: &Context,
    store: &Store,
    id: &str,
    attach: &AttachOptions,
    remove_on_failure: bool,
) -> Result<AttachEnd, ContainersError> {
    let (ours, theirs) = UnixStream::pair().map_err(monitor_err)?;
    let opts = StartOptions {
        attach: Some(theirs.into()),
        remove_on_failure,
        tty_size: attach
            .tty
            .then(|| caller_terminal().and_then(window_size))
            .flatten()
            .map(|size| (size.ws_row, size.ws_col)),
    };
    start(ctx, store, id, opts)?;
    let end = super::attach::relay(ours, attach)?;
    if let AttachEnd::Exited(_) = end {
        super::stop::settle(store, id)?;
    }
    Ok(end)
}

/// In the forked child: a session of its own (no terminal to lose), and a second
/// fork so the monitor is nobody's child to reap (our caller may live long, as the
/// API server does); then the handed descriptors at the numbers the monitor is told.
fn detach_child(handed: &[Option<(RawFd, RawFd)>]) -> std::io::Result<()> {
    // SAFETY: called between fork and exec in a single-threaded child.
    unsafe {
        if libc::setsid() < 0 {
            return Err(std::io::Error::last_os_error());
        }
        match libc::fork() {
            -1 => return Err(std::io::Error::last_os_error()),
            0 => {}
            _ => libc::_exit(0),
        }
        // Out of the way first, so moving one into place cannot close another.
        let mut moved = [None; 2];
        for (slot, pair) in moved.iter_mut().zip(handed) {
            if let Some((fd, target)) = pair {
                let high = libc::fcntl(*fd, libc::F_DUPFD_CLOEXEC, 10);
                if high < 0 {
                    return Err(std::io::Error::last_os_error());
                }
                *slot = Some((high, *target));
            }
        }
        for (high, target) in moved.into_iter().flatten() {
            // dup2 clears close-on-exec on the copy: the monitor inherits it.
            if libc::dup2(high, target) < 0 {
                return Err(std::io::Error::last_os_error());
            }
        }
    }
    Ok(())
}

fn monitor_err(e: std::io::Error) -> ContainersError {
    ContainersError::Start {
        code: 125,
        message: format!("cannot start the container's monitor: {e}"),
    }
}
