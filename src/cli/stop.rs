//! `coracle stop`, `coracle kill` and `coracle wait`.

use crate::engine::interface::Engine;
use std::time::Duration;

#[derive(clap::Args)]
pub struct StopArgs {
    /// Seconds to wait for the stop signal to work before killing the container
    /// (default: the container's --stop-timeout, else 10)
    #[arg(short, long = "time")]
    time: Option<u64>,
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

pub fn stop(engine: &dyn Engine, args: StopArgs) -> anyhow::Result<()> {
    let timeout = args.time.map(Duration::from_secs);
    let results = engine.stop(&args.containers, timeout)?;
    super::container::print_names(&args.containers, results)
}

pub fn kill(engine: &dyn Engine, args: KillArgs) -> anyhow::Result<()> {
    let results = engine.kill(&args.containers, &args.signal)?;
    super::container::print_names(&args.containers, results)
}

/// Prints each container's exit code once it has exited.
pub fn wait(engine: &dyn Engine, args: WaitArgs) -> anyhow::Result<()> {
    let mut failed = 0;
    for result in engine.wait(&args.containers)? {
        match result {
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
