//! `system reset`, `system prune`, `system info`

use crate::engine::context::Context;
use crate::engine::images::remove::Pruned;
use crate::engine::system;

#[derive(clap::Subcommand)]
#[command(defer = true)]
pub enum SystemCommand {
    /// Remove every image, container and setting coracle stored
    Reset(ResetArgs),
    /// Display system-wide information
    Info(super::info::InfoArgs),
    /// Remove stopped containers, the build cache and dangling images
    Prune(PruneArgs),
}

#[derive(clap::Args)]
pub struct PruneArgs {
    /// Remove every image no container uses, not only dangling ones
    #[arg(short, long)]
    all: bool,
    /// Do not ask for confirmation
    #[arg(short, long)]
    force: bool,
}

#[derive(clap::Args)]
pub struct ResetArgs {
    /// Do not ask for confirmation
    #[arg(short, long)]
    force: bool,
}

pub fn exec(ctx: &Context, cmd: SystemCommand) -> anyhow::Result<()> {
    match cmd {
        SystemCommand::Reset(args) => {
            let prompt = "WARNING! This will remove all images and containers, and everything coracle stored.\nAre you sure you want to continue? [y/N] ";
            if args.force || super::confirm(prompt)? {
                system::reset(ctx)?;
            }
            Ok(())
        }
        SystemCommand::Prune(args) => {
            let images = match args.all {
                true => "all images without at least one container associated to them",
                false => "all dangling images",
            };
            let prompt = format!(
                "WARNING! This will remove:\n  - all stopped containers\n  - {images}\n  - all build cache\n\nAre you sure you want to continue? [y/N] "
            );
            if !args.force && !super::confirm(&prompt)? {
                return Ok(());
            }
            let pruned = system::prune(ctx.inside()?, &mut ctx.open_store()?, args.all)?;
            if !pruned.containers.is_empty() {
                println!("Deleted Containers:");
                pruned.containers.iter().for_each(|id| println!("{id}"));
                println!();
            }
            super::images::print_pruned(&Pruned {
                removed: pruned.images,
                reclaimed: pruned.reclaimed,
            })
        }
        SystemCommand::Info(args) => {
            ctx.inside()?;
            super::info::info(ctx, args)
        }
    }
}
