//! `coracle pause` and `coracle unpause`.

use crate::engine::containers::pause::set_paused;
use crate::engine::context::Context;

#[derive(clap::Args)]
pub struct Args {
    #[arg(required = true, value_name = "CONTAINER")]
    containers: Vec<String>,
}

pub fn pause(ctx: &Context, args: Args) -> anyhow::Result<()> {
    let store = ctx.open_store()?;
    super::each(&args.containers, |name| set_paused(&store, name, true))
}

pub fn unpause(ctx: &Context, args: Args) -> anyhow::Result<()> {
    let store = ctx.open_store()?;
    super::each(&args.containers, |name| set_paused(&store, name, false))
}
