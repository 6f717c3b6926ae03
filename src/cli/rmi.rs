//! `rmi` / `image rm`

use crate::engine::context::Context;
use crate::engine::images::remove::{remove, Removed};
use crate::engine::images::ImagesError;
use std::io::Write;

#[derive(clap::Args)]
pub struct Args {
    /// Remove the image even if it has several names
    #[arg(short, long)]
    force: bool,
    #[arg(required = true, value_name = "IMAGE")]
    images: Vec<String>,
}

/// Podman's codes: 1 when an image is unknown, 2 when one is in use or has several names.
pub fn exec(ctx: &Context, args: Args) -> anyhow::Result<()> {
    let mut store = ctx.open_store()?;
    let mut code = 0;
    for name in &args.images {
        match remove(&mut store, name, args.force) {
            Ok(removed) => print_removed(&removed)?,
            Err(e) => {
                eprintln!("Error: {e}");
                let this = match e {
                    ImagesError::NotFound(_) => 1,
                    ImagesError::Conflict(_) => 2,
                    _ => 125,
                };
                code = code.max(this);
            }
        }
    }
    if code != 0 {
        return Err(super::Exit(code).into());
    }
    Ok(())
}

pub fn print_removed(removed: &[Removed]) -> std::io::Result<()> {
    let mut out = std::io::stdout().lock();
    for r in removed {
        match r {
            Removed::Untagged(name) => writeln!(out, "Untagged: {name}")?,
            Removed::Deleted(id) => writeln!(out, "Deleted: {id}")?,
        }
    }
    Ok(())
}
