//! `coracle rm` and `coracle rename`

use super::targets::Targets;
use crate::engine::containers::remove::RemoveOptions;
use crate::engine::containers::select::Scope;
use crate::engine::interface::Engine;
use crate::engine::ErrorKind;
use std::time::Duration;

#[derive(clap::Args)]
pub struct Args {
    /// Kill the container first if it is running
    #[arg(short, long)]
    force: bool,
    /// Remove the container's anonymous volumes too
    #[arg(short, long)]
    volumes: bool,
    /// Seconds a running container gets to stop before it is killed (with
    /// --force; without it, a running container is killed at once)
    #[arg(short, long = "time", value_name = "SECONDS")]
    time: Option<u64>,
    /// Ignore errors when a specified container is missing
    #[arg(short, long)]
    ignore: bool,
    /// Remove only the containers that match (as `ps --filter`)
    #[arg(long = "filter", value_name = "FILTER")]
    filters: Vec<String>,
    /// Refused: coracle records no dependencies between containers
    #[arg(long)]
    depend: bool,
    #[command(flatten)]
    targets: Targets,
}

#[derive(clap::Args)]
pub struct RenameArgs {
    container: String,
    new_name: String,
}

pub fn rename(engine: &dyn Engine, args: RenameArgs) -> anyhow::Result<()> {
    Ok(engine.rename(&args.container, &args.new_name)?)
}

/// Podman's codes: 1 when a container is unknown, 2 when one is running.
pub fn exec(engine: &dyn Engine, args: Args) -> anyhow::Result<()> {
    if args.depend {
        anyhow::bail!(
            "coracle does not support --depend: it records no dependencies between containers"
        );
    }
    let opts = RemoveOptions {
        force: args.force,
        volumes: args.volumes,
        stop_timeout: args.time.map(Duration::from_secs),
    };
    let names = match args.targets.resolve(engine, args.filters, Scope::All) {
        Err(e) if args.ignore && not_found(&e) => return Ok(()),
        Err(e) if not_found(&e) => {
            eprintln!("Error: {e:#}");
            return Err(super::Exit(1).into());
        }
        names => names?,
    };
    let results = engine.remove_containers(&names, &opts)?;
    let (names, results) = super::container::unless_missing(names, results, args.ignore);
    report(&names, results)
}

fn not_found(e: &anyhow::Error) -> bool {
    e.downcast_ref::<crate::engine::Error>()
        .is_some_and(|e| e.kind() == ErrorKind::NotFound)
}

/// Prints each name removed, and each error; exits with Podman's codes for the
/// worst: 1 when a name is unknown, 2 when one is in use (also `network rm`).
pub(super) fn report(
    names: &[String],
    results: Vec<Result<(), crate::engine::Error>>,
) -> anyhow::Result<()> {
    let mut code = 0;
    for (name, result) in names.iter().zip(results) {
        match result {
            Ok(()) => println!("{name}"),
            Err(e) => {
                eprintln!("Error: {e}");
                code = code.max(match e.kind() {
                    ErrorKind::NotFound => 1,
                    ErrorKind::Conflict => 2,
                    _ => 125,
                });
            }
        }
    }
    if code != 0 {
        return Err(super::Exit(code).into());
    }
    Ok(())
}
