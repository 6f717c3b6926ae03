//! The monitor: a fresh, single-threaded process (`coracle monitor ID`) that mounts
//! the container's rootfs in a mount namespace of its own, has libcontainer create
//! and start the container as its child, forwards signals to it, reaps it and any
//! orphans (it is their subreaper), records the exit code and cleans up.
//!
//! libcontainer clones the process that calls `build()`, so that process must have
//! no other thread; and only the parent of the container's init can read its exit
//! status. Hence a process of its own.

mod relay;
mod rootfs;
mod tty;
mod wait;

use crate::engine::containers::ContainerConfig;
use crate::engine::context::{Context, ContextError};
use crate::engine::store::{Store, StoreError};
use libcontainer::container::builder::ContainerBuilder;
use libcontainer::container::Container;
use libcontainer::syscall::syscall::SyscallType;
use std::path::Path;

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

/// Runs container `id` to its end and returns its exit code. Must be called from a
/// process with no other thread.
pub fn run(ctx: &Context, id: &str) -> Result<i32, MonitorError> {
    let store = ctx.open_store()?;
    let record = store
        .container(id)?
        .ok_or_else(|| MonitorError::NotFound(id.to_owned()))?;
    let config: ContainerConfig = serde_json::from_str(&record.config)
        .map_err(|e| MonitorError::Corrupt(id.to_owned(), e.to_string()))?;
    let dir = store.container_dir(id);
    let result = run_in_namespaces(ctx, &store, id, &dir, &config);
    let code = match &result {
        Ok(code) => *code,
        Err(e) => e.exit_code(),
    };
    // A container that never ran (its command missing, the overlay refused...) is
    // not kept: the user gets the error, not a record to clean up.
    if config.remove || result.is_err() {
        store.remove_container(id)?;
    } else {
        store.set_container_state(id, "exited", Some(code))?;
    }
    result
}

fn run_in_namespaces(
    ctx: &Context,
    store: &Store,
    id: &str,
    dir: &Path,
    config: &ContainerConfig,
) -> Result<i32, MonitorError> {
    rootfs::private_mounts()?;
    if ctx.rootless() {
        rootfs::prefer_cgroup2()?;
    }
    if config.network == crate::engine::runtime::spec::Network::None {
        rootfs::isolated_network()?;
    }
    let merged = rootfs::mount_overlay(dir, &config.layers, config.remove)?;
    let result = start_and_wait(ctx, store, id, dir, &merged, config);
    rootfs::unmount(&merged);
    result
}

fn start_and_wait(
    ctx: &Context,
    store: &Store,
    id: &str,
    bundle: &Path,
    merged: &Path,
    config: &ContainerConfig,
) -> Result<i32, MonitorError> {
    crate::engine::store::unpack::make_dir_in_root(merged, &config.cwd).map_err(|source| {
        MonitorError::Workdir {
            dir: config.cwd.clone(),
            source,
        }
    })?;
    if config.init {
        crate::engine::containers::init::install(&ctx.runroot)
            .map_err(setup("install coracle's init"))?;
    }
    let state_root = ctx.runroot.join("runtime");
    std::fs::create_dir_all(&state_root).map_err(setup("create the runtime state dir"))?;
    // A failed build can leave its state dir behind.
    let _ = std::fs::remove_dir_all(state_root.join(id));
    // Orphans in the container's pid namespace are reaped by its init; this catches
    // the runtime's own helpers and anything that escapes to us.
    nix::sys::prctl::set_child_subreaper(true).map_err(setup_nix("become a subreaper"))?;

    let console = match config.tty {
        true => Some(tty::ConsoleSocket::listen(bundle)?),
        false => None,
    };
    let mut builder = ContainerBuilder::new(id.to_owned(), SyscallType::default())
        .with_root_path(&state_root)
        .map_err(runtime)?;
    if let Some(console) = &console {
        builder = builder.with_console_socket(Some(console.path()));
    } else if !config.interactive {
        let null = std::fs::File::open("/dev/null").map_err(setup("open /dev/null"))?;
        builder = builder.with_stdin(null);
    }
    let built = builder
        .as_init(bundle)
        .with_systemd(false)
        // libcontainer's word for "stdio comes through the console socket": it
        // refuses the socket otherwise. The container is our child either way.
        .with_detach(console.is_some())
        .build();
    // build() leaves us non-dumpable, which would hide /proc/<monitor> from us.
    let _ = nix::sys::prctl::set_dumpable(true);
    let mut container = match built {
        Ok(c) => c,
        Err(e) => {
            let _ = std::fs::remove_dir_all(state_root.join(id));
            return Err(runtime(e));
        }
    };
    let result = start_built(store, id, &mut container, console, config);
    if container.delete(true).is_err() {
        let _ = std::fs::remove_dir_all(state_root.join(id));
    }
    result
}

/// Starts a built container and waits for it (relaying its pty with `-t`); the
/// caller's terminal is back as it was when this returns, however it returns.
fn start_built(
    store: &Store,
    id: &str,
    container: &mut Container,
    console: Option<tty::ConsoleSocket>,
    config: &ContainerConfig,
) -> Result<i32, MonitorError> {
    let init = container.pid().ok_or_else(|| MonitorError::Runtime {
        code: 125,
        message: "the runtime reported no pid for the container".into(),
    })?;
    let terminal = console
        .map(|c| tty::Terminal::attach(c.receive()?, config.interactive))
        .transpose()?;
    let signals = wait::block_signals().map_err(setup_nix("block signals"))?;
    container.start().map_err(runtime)?;
    store.set_container_state(id, "running", None)?;
    match &terminal {
        Some(t) => relay::relay(init, &signals, t, config.interactive),
        None => wait::wait_for(init, &signals),
    }
    .map_err(setup_nix("wait for the container"))
}

/// Sorts a runtime failure into Docker's codes: the command not found in the image
/// (127), found but not runnable (126), or our own failure (125).
fn runtime(e: libcontainer::error::LibcontainerError) -> MonitorError {
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
