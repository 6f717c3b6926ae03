//! `coracle pause` and `coracle unpause`.

use super::container::print_names;
use crate::engine::interface::Engine;

#[derive(clap::Args)]
pub struct Args {
    #[arg(required = true, value_name = "CONTAINER")]
    containers: Vec<String>,
}

pub fn pause(engine: &dyn Engine, args: Args) -> anyhow::Result<()> {
    print_names(&args.containers, engine.pause(&args.containers)?)
}

pub fn unpause(engine: &dyn Engine, args: Args) -> anyhow::Result<()> {
    print_names(&args.containers, engine.unpause(&args.containers)?)
}
