//! `coracle start` and `coracle restart`.

use crate::engine::containers::attach::{self, AttachEnd, AttachOptions, DEFAULT_DETACH_KEYS};
use crate::engine::containers::lookup::{config_of, lookup};
use crate::engine::containers::start::{self, StartOptions};
use crate::engine::containers::stop;
use crate::engine::containers::ContainersError;
use crate::engine::context::Context;
use std::time::Duration;

#[derive(clap::Args)]
pub struct Args {
    /// Attach to the container's output and return its exit code
    #[arg(short, long)]
    attach: bool,
    /// Attach stdin too
    #[arg(short, long)]
    interactive: bool,
    /// The keys that detach from the container
    #[arg(long, default_value = DEFAULT_DETACH_KEYS)]
    detach_keys: String,
    #[arg(required = true, value_name = "CONTAINER")]
    containers: Vec<String>,
}

#[derive(clap::Args)]
pub struct RestartArgs {
    /// Seconds to wait for the stop signal to work before killing the container
    #[arg(short, long = "time", default_value_t = 10)]
    time: u64,
    #[arg(required = true, value_name = "CONTAINER")]
    containers: Vec<String>,
}

pub fn exec(ctx: &Context, args: Args) -> anyhow::Result<()> {
    if args.attach && args.containers.len() > 1 {
        anyhow::bail!("you cannot start and attach multiple containers at once");
    }
    ctx.inside()?;
    if args.attach {
        return start_attached(ctx, &args);
    }
    super::each(&args.containers, |name| start_one(ctx, name))
}

pub fn restart(ctx: &Context, args: RestartArgs) -> anyhow::Result<()> {
    let store = ctx.open_store()?;
    let timeout = Duration::from_secs(args.time);
    let mut stopped = Vec::new();
    let failed = super::each_quietly(&args.containers, |name| {
        stop::stop(&store, name, timeout)?;
        stopped.push(name.clone());
        Ok::<(), ContainersError>(())
    });
    ctx.inside()?;
    let result = super::each(&stopped, |name| start_one(ctx, name));
    match failed {
        0 => result,
        code => Err(super::Exit(code).into()),
    }
}

fn start_one(ctx: &Context, name: &str) -> Result<(), ContainersError> {
    let store = ctx.open_store()?;
    let record = lookup(&store, name)?;
    if record.state.status.has_monitor() {
        return Ok(());
    }
    let opts = StartOptions {
        attach: None,
        remove_on_failure: false,
        tty_size: None,
    };
    start::start(ctx, &store, &record.id, opts)
}

fn start_attached(ctx: &Context, args: &Args) -> anyhow::Result<()> {
    let store = ctx.open_store()?;
    let record = lookup(&store, &args.containers[0])?;
    if record.state.status.has_monitor() {
        anyhow::bail!(
            "container {} is already running: use `coracle attach`",
            args.containers[0]
        );
    }
    let config = config_of(&record)?;
    let opts = AttachOptions {
        stdin: args.interactive && config.interactive,
        tty: config.tty,
        detach_keys: attach::parse_detach_keys(&args.detach_keys)?,
        // Docker's rule: with a terminal, keys such as Ctrl-C travel as input.
        sig_proxy: !config.tty,
    };
    let end = start::start_attached(ctx, &store, &record.id, &opts, false);
    attach_result(end)
}

/// How an attached start ends for the caller: the container's exit code, or 0
/// when detached; a container that could not start as `exit_code` says.
pub fn attach_result(end: Result<AttachEnd, ContainersError>) -> anyhow::Result<()> {
    match end.map_err(exit_code)? {
        AttachEnd::Exited(0) | AttachEnd::Detached => Ok(()),
        AttachEnd::Exited(code) => Err(super::Exit(code).into()),
    }
}

/// A container that could not be started exits as Docker's do: 126 when its
/// command cannot be run, 127 when it is not found, 125 otherwise.
pub fn exit_code(e: ContainersError) -> anyhow::Error {
    match e {
        ContainersError::Start { code, message } if code != 125 => {
            eprintln!("Error: {message}");
            super::Exit(code).into()
        }
        e => e.into(),
    }
}
