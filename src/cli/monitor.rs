//! `coracle monitor ID` (hidden): started by `run`, `start` and `restart`, never by
//! people. A detached monitor later execs itself as `coracle monitor --resumed
//! ...`, which is read here before clap (see engine/monitor/handoff.rs).

use crate::engine::context::Context;
use crate::engine::monitor::{self, Options, Resumed};
use crate::engine::store::Store;
use std::os::fd::{FromRawFd, RawFd};

#[derive(clap::Args)]
pub struct Args {
    /// Detach: no caller to relay to; take attach clients on the container's socket
    #[arg(long)]
    detach: bool,
    /// A descriptor to write `ok` to once the container runs (or the code and error)
    #[arg(long, value_name = "FD")]
    ready_fd: Option<RawFd>,
    /// A connected socket to serve as the first attach client
    #[arg(long, value_name = "FD")]
    attach_fd: Option<RawFd>,
    /// Remove the container when it cannot be started
    #[arg(long)]
    remove_on_failure: bool,
    /// The pty's size from the start, ROWSxCOLS
    #[arg(long, value_parser = tty_size)]
    tty_size: Option<(u16, u16)>,
    /// The container's full ID
    id: String,
}

pub fn exec(ctx: &Context, args: Args) -> anyhow::Result<()> {
    // SAFETY: our parent handed these descriptors to us for this purpose alone;
    // taking ownership (and the close-on-exec flag) keeps the container from
    // inheriting them.
    let ready = args.ready_fd.map(|fd| unsafe { take(fd) });
    let attach = args.attach_fd.map(|fd| unsafe { take(fd) });
    let opts = Options {
        detach: args.detach,
        ready: ready.map(std::fs::File::from),
        attach: attach.map(std::os::unix::net::UnixStream::from),
        remove_on_failure: args.remove_on_failure,
        tty_size: args.tty_size,
    };
    run(ctx, ctx.open_store()?, &args.id, opts)
}

/// Runs the monitor in this process (which must have no other thread) and exits
/// with the container's code.
pub fn run(ctx: &Context, store: Store, id: &str, opts: Options) -> anyhow::Result<()> {
    match monitor::run(ctx, store, id, opts) {
        Ok(0) => Ok(()),
        Ok(code) => Err(super::Exit(code).into()),
        Err(e) => {
            eprintln!("Error: {e}");
            Err(super::Exit(e.exit_code()).into())
        }
    }
}

/// Carries on as a monitor that exec'd itself, if that is what this process is;
/// returns its exit code.
pub fn as_resumed_monitor() -> Option<i32> {
    let args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    let mut resumed = match Resumed::from_args(&args)? {
        Ok(resumed) => resumed,
        Err(e) => {
            eprintln!("Error: {e}");
            return Some(e.exit_code());
        }
    };
    let code = resumed.pump();
    super::init_logging("warn");
    let result = Context::new(&resumed.context)
        .map_err(monitor::MonitorError::from)
        .and_then(|ctx| monitor::resume(&ctx, resumed, code));
    Some(match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("Error: {e}");
            e.exit_code()
        }
    })
}

fn tty_size(text: &str) -> Result<(u16, u16), String> {
    monitor::tty::parse_size(text).ok_or_else(|| format!("{text:?} is not ROWSxCOLS"))
}

/// # Safety
/// `fd` must be open and owned by nothing else in this process.
unsafe fn take(fd: RawFd) -> std::os::fd::OwnedFd {
    let _ = nix::fcntl::fcntl(
        fd,
        nix::fcntl::FcntlArg::F_SETFD(nix::fcntl::FdFlag::FD_CLOEXEC),
    );
    std::os::fd::OwnedFd::from_raw_fd(fd)
}
