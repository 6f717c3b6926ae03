//! `untag` and `image untag`, `image exists`.

use super::Exit;
use crate::engine::error::ErrorKind;
use crate::engine::interface::Engine;

#[derive(clap::Args)]
pub struct UntagArgs {
    /// The image to take names from
    image: String,
    /// The names to remove (default: every name the image has)
    names: Vec<String>,
}

#[derive(clap::Args)]
pub struct ExistsArgs {
    image: String,
}

pub fn untag(engine: &dyn Engine, args: UntagArgs) -> anyhow::Result<()> {
    Ok(engine.untag(&args.image, &args.names)?)
}

/// Podman's `image exists`: silent, exit 0 when the image is stored, 1 when not.
pub fn exists(engine: &dyn Engine, args: ExistsArgs) -> anyhow::Result<()> {
    match engine.inspect_image(&args.image) {
        Ok(_) => Ok(()),
        Err(e) if e.kind() == ErrorKind::NotFound => Err(Exit(1).into()),
        Err(e) => Err(e.into()),
    }
}
