//! `coracle start` and `coracle restart`.

use super::targets::{check, Targets};
use crate::engine::containers::attach::{parse_detach_keys, AttachRequest, DEFAULT_DETACH_KEYS};
use crate::engine::containers::select::{Scope, Selection};
use crate::engine::interface::Engine;
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
    /// Pass the signals coracle receives on to the container (with --attach)
    #[arg(long, num_args = 0..=1, require_equals = true, default_missing_value = "true")]
    sig_proxy: Option<bool>,
    /// Start every container, whatever its state
    #[arg(long)]
    all: bool,
    /// Start only the containers that match (as `ps --filter`)
    #[arg(short, long = "filter", value_name = "FILTER")]
    filters: Vec<String>,
    /// Act on the latest container coracle is aware of
    #[arg(short, long)]
    latest: bool,
    #[arg(value_name = "CONTAINER")]
    containers: Vec<String>,
}

#[derive(clap::Args)]
pub struct RestartArgs {
    /// Seconds to wait for the stop signal to work before killing the container
    #[arg(short, long = "time", default_value_t = 10)]
    time: u64,
    /// Restart only the running containers
    #[arg(long)]
    running: bool,
    /// Restart only the containers that match (as `ps --filter`)
    #[arg(short, long = "filter", value_name = "FILTER")]
    filters: Vec<String>,
    #[command(flatten)]
    targets: Targets,
}

pub fn exec(engine: &dyn Engine, args: Args) -> anyhow::Result<()> {
    let missing = "start requires at least one argument";
    check(
        &args.containers,
        args.all,
        args.latest,
        &args.filters,
        missing,
    )?;
    if args.sig_proxy == Some(true) && !args.attach {
        anyhow::bail!("you cannot use sig-proxy without --attach: invalid argument");
    }
    let sel = Selection {
        names: args.containers,
        all: args.all,
        latest: args.latest,
        filters: args.filters,
        ..Selection::default()
    };
    let containers = engine.select_containers(&sel)?;
    if args.attach && containers.len() > 1 {
        anyhow::bail!("you cannot start and attach multiple containers at once");
    }
    if args.attach {
        let request = AttachRequest {
            stdin: args.interactive,
            detach_keys: parse_detach_keys(&args.detach_keys)?,
            sig_proxy: args.sig_proxy.unwrap_or(true),
        };
        let streams = super::terminal::streams(args.interactive, true);
        let end = engine.start_attached(&containers[0], &request, streams)?;
        return super::run::attach_result(end);
    }
    let results = engine.start(&containers)?;
    super::container::print_names(&containers, results)
}

/// `restart -a` restarts every container; with `--running`, the running ones.
pub fn restart(engine: &dyn Engine, args: RestartArgs) -> anyhow::Result<()> {
    let timeout = Duration::from_secs(args.time);
    let scope = match args.running {
        true => Scope::Running,
        false => Scope::All,
    };
    let names = args.targets.resolve(engine, args.filters, scope)?;
    let results = engine.restart(&names, timeout)?;
    super::container::print_names(&names, results)
}
