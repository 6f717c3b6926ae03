//! `coracle rm` and `coracle rename`

use crate::engine::containers::remove::remove;
use crate::engine::containers::{stop, ContainersError};
use crate::engine::context::Context;
use std::time::Duration;

#[derive(clap::Args)]
pub struct Args {
    /// Kill the container first if it is running
    #[arg(short, long)]
    force: bool,
    /// Remove the container's anonymous volumes too (it has none yet)
    #[arg(short, long)]
    volumes: bool,
    #[arg(required = true, value_name = "CONTAINER")]
    containers: Vec<String>,
}

#[derive(clap::Args)]
pub struct RenameArgs {
    container: String,
    new_name: String,
}

pub fn rename(ctx: &Context, args: RenameArgs) -> anyhow::Result<()> {
    let store = ctx.open_store()?;
    Ok(crate::engine::containers::remove::rename(
        &store,
        &args.container,
        &args.new_name,
    )?)
}

/// Podman's codes: 1 when a container is unknown, 2 when one is running.
pub fn exec(ctx: &Context, args: Args) -> anyhow::Result<()> {
    let store = ctx.open_store()?;
    // Killing is done from the host side, which may signal any process in the
    // container; removing its files needs the user namespace that owns them.
    if args.force {
        for name in &args.containers {
            let _ = stop::stop(&store, name, Duration::ZERO);
        }
    }
    drop(store);
    ctx.inside()?;
    let store = ctx.open_store()?;
    let mut code = 0;
    for name in &args.containers {
        match remove(&store, name, args.force) {
            Ok(_) => println!("{name}"),
            Err(e) => {
                eprintln!("Error: {e}");
                code = code.max(match e {
                    ContainersError::NotFound(_) => 1,
                    ContainersError::Conflict(_) => 2,
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
