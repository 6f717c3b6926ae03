//! `system reset`, `system info`

use crate::engine::containers::stop;
use crate::engine::context::Context;
use crate::engine::system;
use std::time::Duration;

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

pub fn exec(ctx: &mut Context, cmd: SystemCommand) -> anyhow::Result<()> {
    match cmd {
        SystemCommand::Reset(args) => {
            let prompt = "WARNING! This will remove all images and containers, and everything coracle stored.\nAre you sure you want to continue? [y/N] ";
            if args.force || super::confirm(prompt)? {
                // Running containers are killed from the host side (see stop.rs);
                // their files are removed from inside our namespace.
                if ctx.root.join("db.sqlite").exists() {
                    let store = ctx.open_store()?;
                    for id in store.container_ids()? {
                        let _ = stop::stop(&store, &id, Duration::ZERO);
                    }
                }
                ctx.enter_namespace()?;
                system::reset(ctx)?;
            }
            Ok(())
        }
        SystemCommand::Info(args) => {
            ctx.enter_namespace()?;
            super::info::info(ctx, args)
        }
    }
}
