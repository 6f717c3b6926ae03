//! `rmi` / `image rm`

use super::unsupported::ignored;
use crate::engine::images::list::ListOptions;
use crate::engine::images::remove::Removed;
use crate::engine::interface::Engine;
use crate::engine::ErrorKind;
use std::io::Write;

#[derive(clap::Args)]
pub struct Args {
    /// Remove the image even if it has several names
    #[arg(short, long)]
    force: bool,
    /// Remove every image
    #[arg(short, long, conflicts_with = "images")]
    all: bool,
    /// Say nothing of images that do not exist
    #[arg(short, long)]
    ignore: bool,
    /// Do not remove dangling parent images (ignored: coracle removes no parent
    /// images with an image)
    #[arg(long, value_parser = ignored(clap::builder::BoolValueParser::new()))]
    no_prune: bool,
    #[arg(required_unless_present = "all", value_name = "IMAGE")]
    images: Vec<String>,
}

/// Podman's codes: 1 when an image is unknown, 2 when one is in use or has several names.
pub fn exec(engine: &dyn Engine, args: Args) -> anyhow::Result<()> {
    // `--all` removes images by ID, each with all its names, as Podman's does.
    let (images, force) = match args.all {
        true => (all_image_ids(engine)?, true),
        false => (args.images, args.force),
    };
    let mut code = 0;
    for result in engine.remove_images(&images, force)? {
        match result {
            Ok(removed) => print_removed(&removed)?,
            Err(e) if args.ignore && e.kind() == ErrorKind::NotFound => {}
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

fn all_image_ids(engine: &dyn Engine) -> anyhow::Result<Vec<String>> {
    let rows = engine.list_images(&ListOptions {
        filters: Vec::new(),
        all: true,
        manifest_lists: true,
    })?;
    let mut ids: Vec<String> = rows.into_iter().map(|r| r.id).collect();
    ids.sort();
    ids.dedup();
    Ok(ids)
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
