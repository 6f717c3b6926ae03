//! Starting a container in the background: fork-exec a monitor in a session of its
//! own, which outlives us, and wait until it says the container runs.

use super::attach::{AttachEnd, AttachOptions, AttachRequest};
use super::create::{CreateOptions, Pulling};
use super::lookup::{config_of, lookup};
use super::{ContainerConfig, ContainersError};
use crate::engine::context::Context;
use crate::engine::monitor::command::MonitorCommand;
use crate::engine::net::ports;
use crate::engine::net::Network;
use crate::engine::store::Store;
use crate::engine::streams::Streams;
use crate::engine::volumes;
use std::io::{BufRead, BufReader};
use std::os::fd::{AsRawFd, OwnedFd, RawFd};
use std::os::unix::net::UnixStream;
use std::os::unix::process::CommandExt;
use std::process::Stdio;

/// Where the monitor's ready pipe and attach socket arrive in it.
const READY_FD: RawFd = 3;
const ATTACH_FD: RawFd = 4;

/// `run`: a container made, then started one of three ways.
pub struct RunOptions {
    pub create: CreateOptions,
    pub pulling: Pulling,
    /// Start it and return its ID (`-d`).
    pub detach: bool,
    /// The keys that detach from a `-t` container, leaving it running.
    pub detach_keys: Vec<u8>,
    /// Pass the caller's signals on to an attached `-t` container (`--sig-proxy`).
    pub sig_proxy: bool,
}

/// How a `run` ended for its caller.
#[derive(Debug, PartialEq, Eq)]
pub enum RunEnd {
    /// Detached from the start: the container's ID.
    Started(String),
    /// Exited with a code, or the caller detached.
    Ended(AttachEnd),
}

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
    spawn(ctx, store, id, opts)?.ready()
}

/// A monitor launched and not heard from yet.
pub struct Pending {
    ready: OwnedFd,
    log_path: std::path::PathBuf,
}

/// Launches container `id`'s monitor; `Pending::ready` waits for its word.
fn spawn(
    ctx: &Context,
    store: &Store,
    id: &str,
    opts: StartOptions,
) -> Result<Pending, ContainersError> {
    let config = check_network(store, id)?;
    start_required(ctx, store, &config)?;
    if let Err(e) = check_ports(store, id) {
        if opts.remove_on_failure {
            let _ = volumes::remove::container_and_anonymous(store, id);
        }
        return Err(e);
    }
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
    // Ours go above the caller's that `--preserve-fds` passes on.
    let preserved = config.settings.preserve_fds as RawFd;
    let (ready_fd, attach_fd) = (READY_FD + preserved, ATTACH_FD + preserved);
    let mut cmd = MonitorCommand {
        detach: true,
        ready_fd: Some(ready_fd),
        attach_fd: opts.attach.is_some().then_some(attach_fd),
        remove_on_failure: opts.remove_on_failure,
        tty_size: opts.tty_size,
        ..MonitorCommand::new(ctx, id)
    }
    .command()
    .map_err(monitor_err)?;
    cmd.stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(monitor_log);
    let handed = [
        Some((ready_write.as_raw_fd(), ready_fd)),
        opts.attach.as_ref().map(|a| (a.as_raw_fd(), attach_fd)),
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
    Ok(Pending {
        ready: ready_read,
        log_path,
    })
}

impl Pending {
    /// Waits until the monitor says the container runs, or why it does not.
    pub fn ready(self) -> Result<(), ContainersError> {
        let mut answer = String::new();
        let _ = BufReader::new(std::fs::File::from(self.ready)).read_line(&mut answer);
        ready_answer(&answer, &self.log_path)
    }
}

fn ready_answer(answer: &str, log_path: &std::path::Path) -> Result<(), ContainersError> {
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

/// `--network container:X` needs X running: said here, before a monitor starts.
fn check_network(store: &Store, id: &str) -> Result<ContainerConfig, ContainersError> {
    let config = config_of(&lookup(store, id)?)?;
    if let Network::Container(other) = &config.network {
        let Ok(x) = lookup(store, other) else {
            return Err(ContainersError::Invalid(format!(
                "--network container:{}: that container no longer exists: create this one again",
                &other[..other.len().min(12)]
            )));
        };
        super::join::running_init(&x, &x.name).map_err(|_| {
            ContainersError::Invalid(format!(
                "--network container:{0}: container {0} is not running: start it first",
                x.name
            ))
        })?;
    }
    Ok(config)
}

/// Fails when a host port container `id` publishes is taken (since its create,
/// or by another container), before a monitor or helper is started.
pub fn check_ports(store: &Store, id: &str) -> Result<(), ContainersError> {
    let config = config_of(&lookup(store, id)?)?;
    Ok(ports::check_free(&config.ports)?)
}

/// Starts container `input` under a detached monitor, unless it runs already
/// (`start`, `restart`).
/// `--requires`: the containers this one needs, started first (each with
/// its own requirements) unless they run.
pub fn start_required(
    ctx: &Context,
    store: &Store,
    config: &ContainerConfig,
) -> Result<(), ContainersError> {
    for required in &config.settings.requires {
        start_named(ctx, store, required)?;
    }
    Ok(())
}

pub fn start_named(ctx: &Context, store: &Store, input: &str) -> Result<(), ContainersError> {
    let record = lookup(store, input)?;
    if record.state.status.has_monitor() {
        return Ok(());
    }
    let opts = StartOptions {
        attach: None,
        remove_on_failure: false,
        tty_size: None,
    };
    start(ctx, store, &record.id, opts)
}

/// Starts several, side by side: each monitor is launched, then each is
/// waited for, so that their containers are set up at once (a pod's members).
/// One that joins another of the batch waits for those launched before it.
pub fn start_named_many(
    ctx: &Context,
    store: &Store,
    inputs: &[String],
) -> Vec<Result<(), ContainersError>> {
    let mut results: Vec<Result<(), ContainersError>> = Vec::new();
    let mut pending: Vec<(usize, String, Pending)> = Vec::new();
    for input in inputs {
        let index = results.len();
        results.push(Ok(()));
        match launch(ctx, store, input, &mut pending, &mut results) {
            Ok(Some((id, p))) => pending.push((index, id, p)),
            Ok(None) => {}
            Err(e) => results[index] = Err(e),
        }
    }
    settle_all(&mut pending, &mut results);
    results
}

/// Launches one unless it runs; first waits for the launched ones it joins.
fn launch(
    ctx: &Context,
    store: &Store,
    input: &str,
    pending: &mut Vec<(usize, String, Pending)>,
    results: &mut [Result<(), ContainersError>],
) -> Result<Option<(String, Pending)>, ContainersError> {
    let record = lookup(store, input)?;
    if record.state.status.has_monitor() {
        return Ok(None);
    }
    let config = config_of(&record)?;
    if pending.iter().any(|(_, id, _)| joins(&config, id)) {
        settle_all(pending, results);
    }
    let opts = StartOptions {
        attach: None,
        remove_on_failure: false,
        tty_size: None,
    };
    Ok(Some((
        record.id.clone(),
        spawn(ctx, store, &record.id, opts)?,
    )))
}

fn settle_all(
    pending: &mut Vec<(usize, String, Pending)>,
    results: &mut [Result<(), ContainersError>],
) {
    for (index, _, p) in pending.drain(..) {
        results[index] = p.ready();
    }
}

/// Whether the container needs `id` running: its network, a namespace, or `--requires`.
fn joins(config: &ContainerConfig, id: &str) -> bool {
    let s = &config.settings;
    config.network == Network::Container(id.to_owned())
        || [&s.pid, &s.ipc, &s.uts].iter().any(|m| {
            **m == crate::engine::runtime::namespaces::NamespaceMode::Container(id.to_owned())
        })
        || s.requires.iter().any(|r| r == id)
}

/// `start -a`: starts container `input` with the caller's `streams` attached.
pub fn start_named_attached(
    ctx: &Context,
    store: &Store,
    input: &str,
    request: &AttachRequest,
    streams: Streams,
) -> Result<AttachEnd, ContainersError> {
    let record = lookup(store, input)?;
    if record.state.status.has_monitor() {
        return Err(ContainersError::Conflict(format!(
            "container {input} is already running: use `coracle attach`"
        )));
    }
    let opts = request.options(&record)?;
    start_attached(ctx, store, &record.id, &opts, false, streams)
}

/// Starts container `id` under a detached monitor with the caller as its first
/// attach client (`start -a`, `run -t`), so that no output is missed, and relays
/// between it and `streams` until it exits or the detach keys are typed.
pub fn start_attached(
    ctx: &Context,
    store: &Store,
    id: &str,
    attach: &AttachOptions,
    remove_on_failure: bool,
    streams: Streams,
) -> Result<AttachEnd, ContainersError> {
    let (ours, theirs) = UnixStream::pair().map_err(monitor_err)?;
    let opts = StartOptions {
        attach: Some(theirs.into()),
        remove_on_failure,
        tty_size: match attach.tty {
            true => streams.controls.as_ref().and_then(|c| c.size()),
            false => None,
        },
    };
    start(ctx, store, id, opts)?;
    let end = super::attach::relay(ours, attach, streams)?;
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
                let above = handed.iter().flatten().map(|(_, t)| t + 1).max();
                let high = libc::fcntl(*fd, libc::F_DUPFD_CLOEXEC, above.unwrap_or(0).max(10));
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
