//! `coracle stop`, `coracle kill` and `coracle wait`.

use super::container::{print_names, unless_missing};
use super::targets::{check, Latest, Targets};
use crate::engine::containers::select::{Scope, Selection};
use crate::engine::containers::wait::{WaitCondition, WaitOptions};
use crate::engine::interface::Engine;
use std::time::Duration;

#[derive(clap::Args)]
pub struct StopArgs {
    /// Seconds to wait for the stop signal to work before killing the container
    #[arg(short, long = "time", default_value_t = 10)]
    time: u64,
    /// Ignore errors when a specified container is missing
    #[arg(short, long)]
    ignore: bool,
    /// Stop only the containers that match (as `ps --filter`)
    #[arg(short, long = "filter", value_name = "FILTER")]
    filters: Vec<String>,
    #[command(flatten)]
    targets: Targets,
}

#[derive(clap::Args)]
pub struct KillArgs {
    /// The signal to send
    #[arg(short, long, default_value = "KILL")]
    signal: String,
    #[command(flatten)]
    targets: Targets,
}

#[derive(clap::Args)]
pub struct WaitArgs {
    /// The states to wait for (Podman's names; default "stopped")
    #[arg(long = "condition", value_name = "STATE", value_delimiter = ',')]
    conditions: Vec<String>,
    /// How often to look at the container's state
    #[arg(short, long, default_value = "250ms", value_parser = interval)]
    interval: Duration,
    #[command(flatten)]
    latest: Latest,
    #[arg(value_name = "CONTAINER")]
    containers: Vec<String>,
}

pub fn stop(engine: &dyn Engine, args: StopArgs) -> anyhow::Result<()> {
    let timeout = Duration::from_secs(args.time);
    let names = args.targets.resolve(engine, args.filters, Scope::Running)?;
    let results = engine.stop(&names, timeout)?;
    let (names, results) = unless_missing(names, results, args.ignore);
    print_names(&names, results)
}

pub fn kill(engine: &dyn Engine, args: KillArgs) -> anyhow::Result<()> {
    let names = args.targets.resolve(engine, Vec::new(), Scope::Running)?;
    let results = engine.kill(&names, &args.signal)?;
    print_names(&names, results)
}

/// Prints each container's exit code once it is in a state asked for.
pub fn wait(engine: &dyn Engine, args: WaitArgs) -> anyhow::Result<()> {
    let conditions = args
        .conditions
        .iter()
        .map(|c| {
            WaitCondition::parse(c)
                .ok_or_else(|| anyhow::anyhow!("unknown container state: {c}: invalid argument"))
        })
        .collect::<anyhow::Result<_>>()?;
    let missing = "\"coracle wait\" requires a name, id, or the \"--latest\" flag";
    check(&args.containers, false, args.latest.latest, &[], missing)?;
    let sel = Selection {
        names: args.containers,
        latest: args.latest.latest,
        ..Selection::default()
    };
    let names = engine.select_containers(&sel)?;
    let opts = WaitOptions {
        conditions,
        interval: args.interval,
    };
    let mut failed = 0;
    for result in engine.wait_for(&names, &opts)? {
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

/// Go's duration syntax; a bare number is milliseconds, as Podman takes it.
fn interval(text: &str) -> Result<Duration, String> {
    let nanos = match text.parse::<u64>() {
        Ok(ms) => Some(ms.saturating_mul(1_000_000)),
        Err(_) => crate::engine::duration::go_nanos(text),
    };
    nanos
        .map(Duration::from_nanos)
        .ok_or_else(|| format!("time: invalid duration {text:?}"))
}

#[cfg(test)]
mod tests {
    use super::interval;
    use std::time::Duration;

    #[test]
    fn an_interval_is_a_go_duration_or_milliseconds() {
        assert_eq!(interval("250ms"), Ok(Duration::from_millis(250)));
        assert_eq!(interval("2s"), Ok(Duration::from_secs(2)));
        assert_eq!(interval("100"), Ok(Duration::from_millis(100)));
        assert!(interval("soon").is_err());
    }
}
