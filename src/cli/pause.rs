//! `coracle pause` and `coracle unpause`.

use super::container::print_names;
use super::targets::Targets;
use crate::engine::containers::select::Scope;
use crate::engine::interface::Engine;

#[derive(clap::Args)]
pub struct Args {
    /// Act only on the containers that match (as `ps --filter`)
    #[arg(short, long = "filter", value_name = "FILTER")]
    filters: Vec<String>,
    #[command(flatten)]
    targets: Targets,
}

/// `pause -a` pauses the running containers.
pub fn pause(engine: &dyn Engine, args: Args) -> anyhow::Result<()> {
    let names = args.targets.resolve(engine, args.filters, Scope::Running)?;
    print_names(&names, engine.pause(&names)?)
}

/// `unpause -a` unpauses the paused ones.
pub fn unpause(engine: &dyn Engine, args: Args) -> anyhow::Result<()> {
    let names = args.targets.resolve(engine, args.filters, Scope::Paused)?;
    print_names(&names, engine.unpause(&names)?)
}
