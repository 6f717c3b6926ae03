//! `system service`: accepts connections and forks a process for each (see
//! connection.rs), until it has been idle for its time. This process itself
//! never starts a thread or touches the store, so forking it is safe and cheap,
//! and it stays small while it waits.

use super::connection;
use super::listen::Listener;
use crate::engine::context::{Context, ContextError, ContextOptions};
use crate::engine::userns::{Keeper, Mode};
use nix::poll::{poll, PollFd, PollFlags, PollTimeout};
use nix::sys::signal::{self, SigHandler, Signal};
use nix::sys::wait::{waitpid, WaitPidFlag, WaitStatus};
use nix::unistd::{fork, ForkResult, Pid};
use std::os::fd::AsFd;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    #[error(transparent)]
    Context(#[from] ContextError),
    #[error("invalid URI {0:?}: give unix:///PATH or tcp://HOST:PORT")]
    Uri(String),
    // Not `source`: the message says it already, and the CLI prints sources.
    #[error("cannot listen on {what}: {cause}")]
    Bind { what: String, cause: std::io::Error },
    #[error("{} is in use: another service answers on it", .0.display())]
    InUse(PathBuf),
    #[error("socket activation: {0}")]
    Activation(String),
    #[error("cannot serve: {0}")]
    Serve(std::io::Error),
}

pub struct ServiceOptions {
    /// Where to listen; the run root's `coracle.sock` when neither this nor
    /// systemd gives one.
    pub uri: Option<String>,
    /// How long to wait with no client before exiting; zero waits for ever.
    pub idle: Duration,
    /// Podman's `--cors`: the origin every response allows.
    pub cors: Option<String>,
}

/// While connections are open, how often to look whether they ended.
const REAP_EVERY: Duration = Duration::from_millis(200);

static STOP: AtomicBool = AtomicBool::new(false);

extern "C" fn on_stop(_: libc::c_int) {
    STOP.store(true, Ordering::SeqCst);
}

pub fn serve(ctx: &ContextOptions, opts: &ServiceOptions) -> Result<(), ServiceError> {
    let context = Context::new(ctx)?;
    let listener = match (Listener::activated()?, &opts.uri) {
        (Some(listener), _) => listener,
        (None, Some(uri)) => Listener::bind(uri)?,
        (None, None) => {
            let path = context.runroot.join("coracle.sock");
            Listener::bind(&format!("unix://{}", path.display()))?
        }
    };
    if matches!(listener, Listener::Tcp(_)) {
        log::warn!("the API is served on TCP without authentication: whoever reaches the port controls your containers; prefer a unix socket");
    }
    listener.set_nonblocking().map_err(ServiceError::Serve)?;
    let keeper = keep_userns(&context);
    // Requests run with the paths this service resolved, whatever their cwd.
    let ctx = ContextOptions {
        root: Some(context.root),
        runroot: Some(context.runroot),
        storage_driver: ctx.storage_driver.clone(),
        userns: keeper.as_ref().map(Keeper::path),
    };
    for sig in [Signal::SIGTERM, Signal::SIGINT] {
        // SAFETY: the handler only stores to an atomic.
        unsafe { signal::signal(sig, SigHandler::Handler(on_stop)) }
            .map_err(|e| ServiceError::Serve(e.into()))?;
    }
    let result = accept_loop(&listener, &ctx, opts, keeper.as_ref().map(Keeper::pid));
    listener.remove();
    result
}

/// Rootless, a user namespace for every request to join (see `Keeper`); none
/// when it cannot be kept, and then each request enters its own.
fn keep_userns(context: &Context) -> Option<Keeper> {
    let Mode::Rootless(maps) = &context.mode else {
        return None;
    };
    Keeper::start(maps)
        .inspect_err(|e| log::debug!("each request enters its own user namespace: {e}"))
        .ok()
}

fn accept_loop(
    listener: &Listener,
    ctx: &ContextOptions,
    opts: &ServiceOptions,
    keeper: Option<Pid>,
) -> Result<(), ServiceError> {
    let idle = opts.idle;
    let mut open = 0usize;
    let mut idle_since = Instant::now();
    while !STOP.load(Ordering::SeqCst) {
        open = open.saturating_sub(reap(keeper));
        if open == 0 && !idle.is_zero() && idle_since.elapsed() >= idle {
            return Ok(());
        }
        let wait = match (open, idle.is_zero()) {
            (0, true) => PollTimeout::NONE,
            (0, false) => timeout(idle.saturating_sub(idle_since.elapsed())),
            _ => timeout(REAP_EVERY),
        };
        let mut fds = [PollFd::new(listener.as_fd(), PollFlags::POLLIN)];
        match poll(&mut fds, wait) {
            Ok(0) | Err(nix::errno::Errno::EINTR) => {}
            Ok(_) => {
                if let Some(conn) = listener.accept().map_err(ServiceError::Serve)? {
                    open += spawn(conn, ctx, listener, opts.cors.as_deref());
                }
            }
            Err(e) => return Err(ServiceError::Serve(e.into())),
        }
        if open > 0 {
            idle_since = Instant::now();
        }
    }
    Ok(())
}

/// Forks the process that serves `conn`; 1 when it runs.
fn spawn(
    conn: std::os::fd::OwnedFd,
    ctx: &ContextOptions,
    listener: &Listener,
    cors: Option<&str>,
) -> usize {
    // SAFETY: this process has started no thread.
    match unsafe { fork() } {
        Ok(ForkResult::Child) => {
            for sig in [Signal::SIGTERM, Signal::SIGINT] {
                // SAFETY: restoring the default disposition.
                let _ = unsafe { signal::signal(sig, SigHandler::SigDfl) };
            }
            // The connection's process and what it starts never accept.
            // SAFETY: the descriptor is not used again in this process.
            unsafe { libc::close(std::os::fd::AsRawFd::as_raw_fd(&listener.as_fd())) };
            connection::serve(conn, ctx, cors);
            std::process::exit(0);
        }
        Ok(ForkResult::Parent { .. }) => 1,
        Err(e) => {
            log::error!("cannot fork to serve a connection: {e}");
            0
        }
    }
}

/// Collects the connection processes that ended; how many. The keeper is
/// not a connection: if something killed it, requests enter their own.
fn reap(keeper: Option<Pid>) -> usize {
    let mut ended = 0;
    loop {
        match waitpid(None, Some(WaitPidFlag::WNOHANG)) {
            Ok(WaitStatus::StillAlive) | Err(_) => return ended,
            Ok(status) if status.pid() == keeper => {}
            Ok(_) => ended += 1,
        }
    }
}

fn timeout(d: Duration) -> PollTimeout {
    PollTimeout::try_from(d.as_millis().min(i32::MAX as u128) as i32).unwrap_or(PollTimeout::MAX)
}
