//! The monitor (conmon's job): a fresh, single-threaded process (`coracle monitor
//! ID`) that mounts the container's rootfs in a mount namespace of its own, has
//! libcontainer create and start the container as its child, holds its stdio
//! (relaying it to the caller in the foreground, to attached clients, and to the
//! log), forwards signals to it, reaps it and any orphans (it is their subreaper),
//! restarts it as its policy says, records its state and exit code, and cleans up.
//! It holds the container's `monitor.lock` for as long as it lives (see
//! containers/state.rs).
//!
//! libcontainer clones the process that calls `build()`, so that process must have
//! no other thread; and only the parent of the container's init can read its exit
//! status. Hence a process of its own. A detached one execs itself once the
//! container runs, to wait with a fresh heap (handoff.rs).

mod bridge;
pub mod command;
pub mod config;
mod container;
pub mod frame;
mod handoff;
mod health;
pub mod init;
pub(crate) mod io;
pub mod logfile;
mod namespaces;
mod network;
mod notify;
mod oom;
// Shared with coracle-init, which build.rs compiles on its own.
#[path = "../../../init/resident_code.rs"]
mod resident_code;
pub mod restart;
pub(crate) mod rootfs;
pub mod socket;
mod supervisor;
pub mod tty;
mod userns;
pub(crate) mod wait;

use crate::engine::context::{Context, ContextError};
use crate::engine::error::{ErrorKind, Kinded};
use crate::engine::net::Network;
use crate::engine::store::containers::{ContainerRecord, RunState, Status};
use crate::engine::store::lock::Lock;
use crate::engine::store::{Store, StoreError};
use crate::engine::streams::Streams;
use config::ContainerConfig;
use std::io::Write;
use std::os::unix::net::UnixStream;
use std::time::{Duration, Instant};
use supervisor::{now_ms, Supervisor};

use command::MonitorCommand;
pub use handoff::Resumed;

/// The container's log file, in its directory (Docker's json-file format).
pub const LOG_FILE: &str = "json.log";
/// Where a detached container's monitor takes attach clients.
pub const ATTACH_SOCKET: &str = "attach.sock";

/// How `coracle run` exits when the command cannot be run (Docker's codes).
pub const CANNOT_INVOKE: i32 = 126;
pub const NOT_FOUND: i32 = 127;

#[derive(Debug, thiserror::Error)]
pub enum MonitorError {
    #[error(transparent)]
    Context(#[from] ContextError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Net(#[from] crate::engine::net::NetError),
    #[error(transparent)]
    Holder(#[from] crate::engine::net::holder::HolderError),
    #[error(transparent)]
    Link(#[from] crate::engine::net::link::LinkError),
    #[error(transparent)]
    Networks(#[from] crate::engine::networks::NetworksError),
    #[error(transparent)]
    Volumes(#[from] crate::engine::volumes::VolumesError),
    #[error("no such container: {0}")]
    NotFound(String),
    #[error("container {0} is already running")]
    AlreadyRunning(String),
    #[error("cannot resume the monitor: bad {0} on its command line")]
    Resume(String),
    #[error("bad {0} on the monitor's command line")]
    CommandLine(String),
    #[error("cannot start the container monitor: {0}")]
    Exec(std::io::Error),
    #[error(transparent)]
    Storage(#[from] crate::engine::storage_driver::StorageDriverError),
    #[error("cannot create the working directory {dir}: {source}")]
    Workdir { dir: String, source: std::io::Error },
    #[error("cannot set up the container: {what}: {source}")]
    Setup {
        what: &'static str,
        source: std::io::Error,
    },
    /// The runtime failed; `code` says whether it was the command (126/127) or us.
    #[error("{message}")]
    Runtime { code: i32, message: String },
}

impl MonitorError {
    /// The exit code `coracle run` reports for this failure.
    pub fn exit_code(&self) -> i32 {
        match self {
            MonitorError::Runtime { code, .. } => *code,
            _ => 125,
        }
    }
}

/// How the monitor was started.
#[derive(Default)]
pub struct Options {
    /// The caller's stdio in the foreground (`run` without `-d` or `-t`, a
    /// build's RUN). None when detached (`run -d`, `start`): clients attach
    /// through `attach.sock` in the container's directory.
    pub caller: Option<Streams>,
    /// Told `ok` once the container runs, or the exit code and why not.
    pub ready: Option<std::fs::File>,
    /// A client connected from the start (`start -a`), so it misses no output.
    pub attach: Option<UnixStream>,
    /// Remove the container when it cannot be started (`run`); `start` keeps it,
    /// as Docker does.
    pub remove_on_failure: bool,
    /// The pty's size (rows, columns) until a client says otherwise.
    pub tty_size: Option<(u16, u16)>,
}

/// Is the monitor `cmd` describes; `caller` is relayed to unless it is detached.
pub fn run_command(
    ctx: &Context,
    cmd: &MonitorCommand,
    caller: Streams,
) -> Result<i32, MonitorError> {
    // SAFETY: whoever started us handed these descriptors to us for this
    // purpose alone; owning them (close-on-exec too) keeps the container from
    // inheriting them.
    let ready = cmd.ready_fd.map(|fd| unsafe { inherited(fd) });
    let attach = cmd.attach_fd.map(|fd| unsafe { inherited(fd) });
    let opts = Options {
        caller: (!cmd.detach).then_some(caller),
        ready: ready.map(std::fs::File::from),
        attach: attach.map(UnixStream::from),
        remove_on_failure: cmd.remove_on_failure,
        tty_size: cmd.tty_size,
    };
    run(ctx, ctx.open_store()?, &cmd.id, opts)
}

/// # Safety
/// `fd` must be open and owned by nothing else in this process.
unsafe fn inherited(fd: std::os::fd::RawFd) -> std::os::fd::OwnedFd {
    use std::os::fd::FromRawFd;
    let _ = nix::fcntl::fcntl(
        fd,
        nix::fcntl::FcntlArg::F_SETFD(nix::fcntl::FdFlag::FD_CLOEXEC),
    );
    std::os::fd::OwnedFd::from_raw_fd(fd)
}

/// Runs container `id` until it exits for good (restarts included) and returns its
/// last exit code. Must be called from a process with no other thread.
pub fn run(ctx: &Context, store: Store, id: &str, opts: Options) -> Result<i32, MonitorError> {
    let (_, config) = load(&store, id)?;
    let mut ready = opts.ready;
    let Some(alive) = take_over(&store, id)? else {
        let e = MonitorError::AlreadyRunning(id.to_owned());
        if let Some(ready) = &mut ready {
            let _ = writeln!(ready, "{} {e}", e.exit_code());
        }
        return Err(e);
    };
    let mut supervisor = Supervisor {
        ctx,
        store: Some(store),
        dir: ctx.root.join("containers").join(id),
        detach: opts.caller.is_none(),
        id,
        config: &config,
        ready,
        state: RunState::created(),
        consecutive: 0,
        alive: &alive,
        tty_size: opts.tty_size,
        bridging: None,
    };
    let result = supervisor.supervise(opts.caller, opts.attach);
    conclude(supervisor, result, opts.remove_on_failure)
}

/// Carries on where a monitor that exec'd itself (handoff.rs) left off, once the
/// container's init has exited.
pub fn resume(ctx: &Context, mut resumed: Resumed) -> Result<i32, MonitorError> {
    resumed.wait();
    let code = resumed.ended.take().unwrap_or(Err(nix::Error::ECHILD));
    let Resumed {
        id,
        consecutive,
        lock,
        mut hub,
        holder,
        ..
    } = resumed;
    let store = ctx.open_store()?;
    let (record, config) = load(&store, &id)?;
    let bridging = match (holder, &config.network) {
        (Some(link), Network::Bridge(_)) => Some(bridge::Bridging::new(link, ctx, &id)),
        _ => None,
    };
    let mut supervisor = Supervisor {
        ctx,
        store: Some(store),
        dir: ctx.root.join("containers").join(&id),
        detach: true,
        id: &id,
        config: &config,
        ready: None,
        state: record.state,
        consecutive,
        alive: &lock,
        tty_size: None,
        bridging,
    };
    let code = code.map_err(setup_nix("wait for the container"));
    let result = supervisor.resume(code, &mut hub);
    conclude(supervisor, result, false)
}

fn load(store: &Store, id: &str) -> Result<(ContainerRecord, ContainerConfig), MonitorError> {
    let record = store
        .container(id)?
        .ok_or_else(|| MonitorError::NotFound(id.to_owned()))?;
    let config = ContainerConfig::of(&record)?;
    Ok((record, config))
}

/// The container is done (or never ran): its record says how, or goes with it.
fn conclude(
    mut supervisor: Supervisor,
    result: Result<i32, MonitorError>,
    remove_on_failure: bool,
) -> Result<i32, MonitorError> {
    let (ctx, id, config) = (supervisor.ctx, supervisor.id, supervisor.config);
    let store = match supervisor.store.take() {
        Some(store) => store,
        None => ctx.open_store()?,
    };
    let mut state = supervisor.state;
    let never_ran = state.started_ms.is_none();
    if config.remove || (never_ran && remove_on_failure) {
        if let (true, Ok(code)) = (supervisor.detach && config.remove, &result) {
            store.keep_exit_code(id, *code)?;
        }
        crate::engine::containers::events::record_id(&store, id, "destroy", &[]);
        // Its anonymous volumes go with it, as with Podman's `run --rm`.
        crate::engine::volumes::remove::container_and_anonymous(&store, id)?;
    } else if let Err(e) = &result {
        // A container that never ran stays created, with the code saying why.
        if !never_ran {
            state.status = Status::Exited;
            state.finished_ms = Some(now_ms());
        }
        state.exit_code = Some(e.exit_code());
        state.pid = None;
        state.monitor_pid = None;
        store.set_run_state(id, &state)?;
    }
    if let Some(pod) = &config.pod {
        // Not this container's failure: the pod's infra is only the worse for it.
        if let Err(e) = crate::engine::pods::exit_policy::member_exited(&store, pod, id) {
            log::warn!("pod {pod}: cannot apply its exit policy: {e}");
        }
    }
    // Told last: whoever waits finds the store as the error leaves it.
    if let (Err(e), Some(ready)) = (&result, &mut supervisor.ready) {
        let _ = writeln!(ready, "{} {e}", e.exit_code());
    }
    result
}

/// The container's monitor lock, once the previous monitor (one that has recorded
/// the end of its run and is cleaning up) has let go of it; `None` if the
/// container is running under another.
fn take_over(store: &Store, id: &str) -> Result<Option<Lock>, MonitorError> {
    let path = lock_path(store, id);
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        if let Some(lock) = Lock::try_exclusive(&path)? {
            return Ok(Some(lock));
        }
        let running = store
            .container(id)?
            .is_some_and(|r| r.state.status.has_monitor());
        if running || Instant::now() >= deadline {
            return Ok(None);
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// The lock a container's monitor holds for as long as it lives (see
/// containers/state.rs).
pub fn lock_path(store: &Store, id: &str) -> std::path::PathBuf {
    store.container_dir(id).join("monitor.lock")
}

/// Sorts a runtime failure into Docker's codes: the command not found in the image
/// (127), found but not runnable (126), or our own failure (125).
pub(crate) fn runtime(e: libcontainer::error::LibcontainerError) -> MonitorError {
    let message = error_chain(&e);
    let code = if message.contains("not found in $PATH") {
        NOT_FOUND
    } else if message.contains("does not have correct permissions") {
        CANNOT_INVOKE
    } else {
        return MonitorError::Runtime { code: 125, message };
    };
    // The runtime's words for these wrap the useful part in three layers of context.
    let message = match message.find("executable ") {
        Some(at) => message[at..].to_owned(),
        None => message,
    };
    MonitorError::Runtime { code, message }
}

fn error_chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        let part = s.to_string();
        if !text.contains(&part) {
            text.push_str(": ");
            text.push_str(&part);
        }
        source = s.source();
    }
    text
}

fn setup(what: &'static str) -> impl Fn(std::io::Error) -> MonitorError {
    move |source| MonitorError::Setup { what, source }
}

fn setup_nix(what: &'static str) -> impl Fn(nix::Error) -> MonitorError {
    move |e| MonitorError::Setup {
        what,
        source: e.into(),
    }
}

impl Kinded for MonitorError {
    fn kind(&self) -> ErrorKind {
        match self {
            MonitorError::Context(e) => e.kind(),
            MonitorError::Store(e) => e.kind(),
            MonitorError::Net(e) => e.kind(),
            MonitorError::Link(e) => e.kind(),
            MonitorError::Holder(e) => e.kind(),
            MonitorError::Networks(e) => e.kind(),
            MonitorError::Volumes(e) => e.kind(),
            MonitorError::NotFound(_) => ErrorKind::NotFound,
            MonitorError::AlreadyRunning(_) => ErrorKind::Conflict,
            // The container's command cannot be run (126) or is not there (127).
            MonitorError::Runtime { code, .. } if *code != 125 => ErrorKind::Invalid,
            MonitorError::Storage(e) => e.kind(),
            MonitorError::Resume(_)
            | MonitorError::CommandLine(_)
            | MonitorError::Exec(_)
            | MonitorError::Workdir { .. }
            | MonitorError::Setup { .. }
            | MonitorError::Runtime { .. } => ErrorKind::Internal,
        }
    }

    fn command_code(&self) -> Option<i32> {
        Some(self.exit_code()).filter(|&code| code != 125)
    }
}
