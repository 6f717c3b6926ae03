//! `coracle start` and `coracle restart`.

use crate::engine::containers::attach::{parse_detach_keys, AttachRequest, DEFAULT_DETACH_KEYS};
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

pub fn exec(engine: &dyn Engine, args: Args) -> anyhow::Result<()> {
    if args.attach && args.containers.len() > 1 {
        anyhow::bail!("you cannot start and attach multiple containers at once");
    }
    if args.attach {
        let request = AttachRequest {
            stdin: args.interactive,
            detach_keys: parse_detach_keys(&args.detach_keys)?,
            sig_proxy: true,
        };
        let streams = super::terminal::streams(args.interactive, true);
        let end = engine.start_attached(&args.containers[0], &request, streams)?;
        return super::run::attach_result(end);
    }
    let results = engine.start(&args.containers)?;
    super::container::print_names(&args.containers, results)
}

pub fn restart(engine: &dyn Engine, args: RestartArgs) -> anyhow::Result<()> {
    let timeout = Duration::from_secs(args.time);
    let results = engine.restart(&args.containers, timeout)?;
    super::container::print_names(&args.containers, results)
}
