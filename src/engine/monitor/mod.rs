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
//! status. Hence a process of its own.

mod container;
pub mod frame;
pub(crate) mod io;
pub mod logfile;
mod memory;
pub(crate) mod rootfs;
pub mod socket;
pub mod tty;
pub(crate) mod wait;

use crate::engine::containers::state;
use crate::engine::containers::{restart, ContainerConfig};
use crate::engine::context::{Context, ContextError};
use crate::engine::store::containers::{RunState, Status};
use crate::engine::store::lock::Lock;
use crate::engine::store::{Store, StoreError};
use container::{Run, Stdio};
use io::{Client, Hub};
use logfile::LogWriter;
use nix::unistd::Pid;
use std::io::Write;
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

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
    #[error("no such container: {0}")]
    NotFound(String),
    #[error("container {0} is already running")]
    AlreadyRunning(String),
    #[error("container {0} has a damaged record: {1}")]
    Corrupt(String, String),
    #[error("cannot mount the container's kernel overlay: {0} (coracle needs overlay in user namespaces: Linux 5.11 or later)")]
    Overlay(String),
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
    /// Detached (`run -d`, `start`): no caller to relay to; clients attach through
    /// `attach.sock` in the container's directory.
    pub detach: bool,
    /// Told `ok` once the container runs, or the exit code and why not.
    pub ready: Option<std::fs::File>,
    /// A client connected from the start (`start -a`), so it misses no output.
    pub attach: Option<UnixStream>,
    /// Remove the container when it cannot be started (`run`); `start` keeps it,
    /// as Docker does.
    pub remove_on_failure: bool,
}

/// Runs container `id` until it exits for good (restarts included) and returns its
/// last exit code. Must be called from a process with no other thread.
pub fn run(ctx: &Context, id: &str, opts: Options) -> Result<i32, MonitorError> {
    let store = ctx.open_store()?;
    let record = store
        .container(id)?
        .ok_or_else(|| MonitorError::NotFound(id.to_owned()))?;
    let config: ContainerConfig = serde_json::from_str(&record.config)
        .map_err(|e| MonitorError::Corrupt(id.to_owned(), e.to_string()))?;
    let mut ready = opts.ready;
    let Some(_alive) = take_over(&store, id)? else {
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
        detach: opts.detach,
        id,
        config: &config,
        ready,
        state: RunState::created(),
    };
    let result = supervisor.supervise(opts.attach);
    let store = match supervisor.store.take() {
        Some(store) => store,
        None => ctx.open_store()?,
    };
    let mut state = supervisor.state;
    let never_ran = state.started_ms.is_none();
    if config.remove || (never_ran && opts.remove_on_failure) {
        store.remove_container(id)?;
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
    let path = state::monitor_lock_path(store, id);
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

struct Supervisor<'a> {
    ctx: &'a Context,
    /// Closed while a detached container runs (see `started`), opened when needed.
    store: Option<Store>,
    dir: PathBuf,
    detach: bool,
    id: &'a str,
    config: &'a ContainerConfig,
    ready: Option<std::fs::File>,
    state: RunState,
}

impl Supervisor<'_> {
    fn store(&mut self) -> Result<&Store, MonitorError> {
        if self.store.is_none() {
            self.store = Some(self.ctx.open_store()?);
        }
        Ok(self.store.as_ref().unwrap())
    }

    fn supervise(&mut self, attach: Option<UnixStream>) -> Result<i32, MonitorError> {
        rootfs::private_mounts()?;
        if self.ctx.rootless() {
            rootfs::prefer_cgroup2()?;
        }
        if self.config.network == crate::engine::runtime::spec::Network::None {
            rootfs::isolated_network()?;
        }
        let dir = self.dir.clone();
        let merged = rootfs::mount_overlay(&dir, &self.config.layers, self.config.remove)?;
        let result = self.prepare(&merged).and_then(|state_root| {
            let mut hub = self.hub(&dir, attach)?;
            self.run_until_done(&dir, &state_root, &mut hub)
        });
        rootfs::unmount(&merged);
        result
    }

    fn prepare(&self, merged: &Path) -> Result<PathBuf, MonitorError> {
        crate::engine::store::unpack::make_dir_in_root(merged, &self.config.cwd).map_err(
            |source| MonitorError::Workdir {
                dir: self.config.cwd.clone(),
                source,
            },
        )?;
        if self.config.init {
            crate::engine::containers::init::install(&self.ctx.runroot)
                .map_err(setup("install coracle's init"))?;
        }
        let state_root = self.ctx.runroot.join("runtime");
        std::fs::create_dir_all(&state_root).map_err(setup("create the runtime state dir"))?;
        // Orphans in the container's pid namespace are reaped by its init; this
        // catches the runtime's own helpers and anything that escapes to us.
        nix::sys::prctl::set_child_subreaper(true).map_err(setup_nix("become a subreaper"))?;
        Ok(state_root)
    }

    /// Who hears the container: the log (unless a foreground `--rm` run, which
    /// nobody could read afterwards), the caller, attached clients.
    fn hub(&self, dir: &Path, attach: Option<UnixStream>) -> Result<Hub, MonitorError> {
        let detach = self.detach;
        let log = match detach || !self.config.remove {
            true => Some(LogWriter::open(&dir.join(LOG_FILE)).map_err(setup("open the log file"))?),
            false => None,
        };
        let listener = match detach {
            true => Some(socket::bind_in(dir, ATTACH_SOCKET).map_err(setup("listen for attach"))?),
            false => None,
        };
        let clients = attach
            .map(Client::new)
            .transpose()
            .map_err(setup("take the attached client"))?;
        Ok(Hub {
            log,
            foreground: !detach,
            interactive: self.config.interactive,
            listener,
            clients: clients.into_iter().collect(),
        })
    }

    /// Runs the container, and again as its restart policy says, until it is done.
    fn run_until_done(
        &mut self,
        dir: &Path,
        state_root: &Path,
        hub: &mut Hub,
    ) -> Result<i32, MonitorError> {
        let stdio = match hub.log.is_none() && hub.clients.is_empty() {
            true => Stdio::Inherit,
            false => Stdio::Pipes,
        };
        let run = Run {
            id: self.id,
            bundle: dir,
            state_root,
            config: self.config,
            stdio,
        };
        let mut consecutive = 0;
        loop {
            let began = Instant::now();
            let code = match run.execute(hub, &mut |init| self.started(init)) {
                Ok(code) => code,
                Err(e) if self.state.started_ms.is_none() => return Err(e),
                Err(e) => {
                    log::error!("cannot restart container {}: {e}", self.id);
                    self.ended(Status::Exited, e.exit_code(), hub)?;
                    return Ok(e.exit_code());
                }
            };
            let stop_requested = self.stop_requested()?;
            let policy = self.config.restart;
            if !policy.restarts(code, self.state.restarts as u32, stop_requested) {
                self.ended(Status::Exited, code, hub)?;
                return Ok(code);
            }
            self.ended(Status::Restarting, code, hub)?;
            if began.elapsed() >= Duration::from_secs(10) {
                consecutive = 0;
            }
            if !self.back_off(restart::delay(consecutive))? {
                self.ended(Status::Exited, code, hub)?;
                return Ok(code);
            }
            consecutive += 1;
            self.state.restarts += 1;
        }
    }

    /// Whether `stop` or `kill` asked for the end (or the container is gone).
    fn stop_requested(&mut self) -> Result<bool, MonitorError> {
        let id = self.id;
        Ok(self
            .store()?
            .container(id)?
            .is_none_or(|r| r.stop_requested))
    }

    /// Waits before a restart; false when a stop came meanwhile.
    fn back_off(&mut self, delay: Duration) -> Result<bool, MonitorError> {
        let until = Instant::now() + delay;
        while Instant::now() < until {
            std::thread::sleep((until - Instant::now()).min(Duration::from_millis(50)));
            if self.stop_requested()? {
                return Ok(false);
            }
        }
        Ok(true)
    }

    /// A run ended: record it first, so that a client told the exit code finds the
    /// container exited when it looks.
    fn ended(&mut self, status: Status, code: i32, hub: &mut Hub) -> Result<(), MonitorError> {
        self.state.status = status;
        self.state.exit_code = Some(code);
        self.state.finished_ms = Some(now_ms());
        self.state.pid = None;
        self.state.pid_start = None;
        if status == Status::Exited {
            self.state.monitor_pid = None;
        }
        let (id, state) = (self.id, self.state.clone());
        self.store()?.set_run_state(id, &state)?;
        hub.finish(code);
        Ok(())
    }

    /// The container runs: record it, and tell whoever started us.
    fn started(&mut self, init: Pid) -> Result<(), MonitorError> {
        self.state.status = Status::Running;
        self.state.pid = Some(init.as_raw());
        self.state.pid_start = state::process_start(init.as_raw());
        self.state.monitor_pid = Some(std::process::id() as i32);
        self.state.started_ms = Some(now_ms());
        self.state.finished_ms = None;
        self.state.exit_code = None;
        let (id, state) = (self.id, self.state.clone());
        self.store()?.set_run_state(id, &state)?;
        if let Some(mut ready) = self.ready.take() {
            let _ = ready.write_all(b"ok\n");
        }
        if self.detach {
            self.shed_memory();
        }
        Ok(())
    }

    /// A detached monitor waits with as little as it can: no database connection
    /// (reopened when the container ends), no memory setting up needed.
    fn shed_memory(&mut self) {
        self.store = None;
        memory::shed();
    }
}

fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
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
