//! `coracle rm`

use crate::engine::containers::remove::remove;
use crate::engine::containers::ContainersError;
use crate::engine::context::Context;

#[derive(clap::Args)]
pub struct Args {
    /// Remove the container even if its record says it is running
    #[arg(short, long)]
    force: bool,
    #[arg(required = true, value_name = "CONTAINER")]
    containers: Vec<String>,
}

/// Podman's codes: 1 when a container is unknown, 2 when one is running.
pub fn exec(ctx: &Context, args: Args) -> anyhow::Result<()> {
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
