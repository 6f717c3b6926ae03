//! `coracle update`: new resource limits for a container, running or not.

use super::resource_flags::LimitArgs;
use crate::engine::interface::Engine;

#[derive(clap::Args)]
pub struct Args {
    #[command(flatten)]
    limits: LimitArgs,
    /// CONTAINER
    container: String,
}

pub fn exec(engine: &dyn Engine, args: Args) -> anyhow::Result<()> {
    let limits = args.limits.plan()?;
    let updated = engine.update(&args.container, &limits)?;
    for warning in &updated.warnings {
        eprintln!("{warning}");
    }
    println!("{}", updated.id);
    Ok(())
}
