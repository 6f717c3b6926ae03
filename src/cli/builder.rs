//! `builder prune`

use crate::engine::interface::Engine;

#[derive(clap::Subcommand)]
#[command(defer = true)]
pub enum BuilderCommand {
    /// Remove the build cache
    Prune(PruneArgs),
}

#[derive(clap::Args)]
pub struct PruneArgs {
    /// Accepted for Docker's sake: the whole cache is always removed
    #[arg(short, long)]
    all: bool,
    /// Do not ask for confirmation
    #[arg(short, long)]
    force: bool,
}

pub fn exec(engine: &dyn Engine, cmd: BuilderCommand) -> anyhow::Result<()> {
    let BuilderCommand::Prune(args) = cmd;
    let _ = args.all;
    let prompt =
        "WARNING! This will remove all build cache.\nAre you sure you want to continue? [y/N] ";
    if !args.force && !super::confirm(prompt)? {
        return Ok(());
    }
    let pruned = engine.prune_build_cache()?;
    super::images::print_pruned(&pruned)
}
