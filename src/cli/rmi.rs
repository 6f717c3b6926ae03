//! `rmi` / `image rm`

use crate::engine::images::remove::Removed;
use crate::engine::interface::Engine;
use crate::engine::ErrorKind;
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
pub fn exec(engine: &dyn Engine, args: Args) -> anyhow::Result<()> {
    let mut code = 0;
    for result in engine.remove_images(&args.images, args.force)? {
        match result {
            Ok(removed) => print_removed(&removed)?,
            Err(e) => {
                eprintln!("Error: {e}");
                let this = match e.kind() {
                    ErrorKind::NotFound => 1,
                    ErrorKind::Conflict => 2,
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
