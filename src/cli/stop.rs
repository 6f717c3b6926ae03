//! `coracle stop`, `coracle kill` and `coracle wait`: from the host side, with no
//! user namespace of our own (see engine/containers/stop.rs).

use crate::engine::containers::stop;
use crate::engine::context::Context;
use std::time::Duration;

#[derive(clap::Args)]
pub struct StopArgs {
    /// Seconds to wait for the stop signal to work before killing the container
    #[arg(short, long = "time", default_value_t = 10)]
    time: u64,
    #[arg(required = true, value_name = "CONTAINER")]
    containers: Vec<String>,
}

#[derive(clap::Args)]
pub struct KillArgs {
    /// The signal to send
    #[arg(short, long, default_value = "KILL")]
    signal: String,
    #[arg(required = true, value_name = "CONTAINER")]
    containers: Vec<String>,
}

#[derive(clap::Args)]
pub struct WaitArgs {
    #[arg(required = true, value_name = "CONTAINER")]
    containers: Vec<String>,
}

pub fn stop(ctx: &Context, args: StopArgs) -> anyhow::Result<()> {
    let store = ctx.open_store()?;
    let timeout = Duration::from_secs(args.time);
    super::each(&args.containers, |name| stop::stop(&store, name, timeout))
}

pub fn kill(ctx: &Context, args: KillArgs) -> anyhow::Result<()> {
    crate::engine::runtime::signal::parse(&args.signal)?;
    let store = ctx.open_store()?;
    super::each(&args.containers, |name| {
        stop::kill(&store, name, &args.signal)
    })
}

/// Prints each container's exit code once it has exited.
pub fn wait(ctx: &Context, args: WaitArgs) -> anyhow::Result<()> {
    let store = ctx.open_store()?;
    let mut failed = 0;
    for name in &args.containers {
        match stop::wait(&store, name) {
            Ok(code) => println!("{code}"),
            Err(e) => {
                eprintln!("Error: {e}");
                failed = 125;
            }
        }
    }
    match failed {
        0 => Ok(()),
        code => Err(super::Exit(code).into()),
    }
}
