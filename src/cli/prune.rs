//! `coracle container prune`, and what `network prune` and `volume prune`
//! share.

use super::format::human_size;
use crate::engine::containers::prune::check_filters;
use crate::engine::interface::Engine;

#[derive(clap::Args)]
pub struct Args {
    /// Do not ask for confirmation
    #[arg(short, long)]
    force: bool,
    /// Only containers matching: until=TIME, label=KEY[=VALUE]
    #[arg(long = "filter", value_name = "FILTER")]
    filters: Vec<String>,
}

pub fn exec(engine: &dyn Engine, args: Args) -> anyhow::Result<()> {
    check_filters(&args.filters)?;
    if !args.force
        && !super::confirm(
            "WARNING! This will remove all stopped containers.\nAre you sure you want to continue? [y/N] ",
        )?
    {
        return Ok(());
    }
    let pruned = engine.prune_containers(&args.filters)?;
    if !pruned.removed.is_empty() {
        println!("Deleted Containers:");
        for id in &pruned.removed {
            println!("{id}");
        }
        println!();
    }
    println!("Total reclaimed space: {}", human_size(pruned.reclaimed));
    Ok(())
}

/// `network prune` and `volume prune`: asks, unless `force`, before removing
/// every `unused` (Podman's words: "networks", "volumes") no container uses,
/// then prints the names `prune` removed.
pub fn unused(
    unused: &str,
    force: bool,
    prune: impl FnOnce() -> Result<Vec<String>, crate::engine::interface::Error>,
) -> anyhow::Result<()> {
    let prompt = format!(
        "WARNING! This will remove all {unused} not used by at least one container.\nAre you sure you want to continue? [y/N] "
    );
    if !force && !super::confirm(&prompt)? {
        return Ok(());
    }
    for name in prune()? {
        println!("{name}");
    }
    Ok(())
}
