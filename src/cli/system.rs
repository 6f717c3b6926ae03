//! `system reset`, `system info`

use crate::engine::context::Context;
use crate::engine::system;

#[derive(clap::Subcommand)]
pub enum SystemCommand {
    /// Remove every image, container and setting coracle stored
    Reset(ResetArgs),
    /// Display system-wide information
    Info(super::info::InfoArgs),
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
        SystemCommand::Info(args) => super::info::info(ctx, args),
    }
}
