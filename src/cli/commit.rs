//! `coracle commit CONTAINER [IMAGE]`

use crate::engine::build::commit::CommitOptions;
use crate::engine::interface::Engine;

#[derive(clap::Args)]
pub struct Args {
    /// The author of the image
    #[arg(short, long)]
    author: Option<String>,
    /// A commit message, kept in the image's history
    #[arg(short, long)]
    message: Option<String>,
    /// Apply a Dockerfile instruction to the image's config (CMD, ENV, LABEL, ...)
    #[arg(short, long)]
    change: Vec<String>,
    /// Accepted for Podman's sake: only the image ID is printed anyway
    #[arg(short, long)]
    quiet: bool,
    container: String,
    /// NAME[:TAG] for the new image
    image: Option<String>,
}

pub fn exec(engine: &dyn Engine, args: Args) -> anyhow::Result<()> {
    let _ = args.quiet;
    let id = engine.commit(&CommitOptions {
        container: args.container,
        image: args.image,
        author: args.author,
        message: args.message,
        changes: args.change,
    })?;
    println!("{id}");
    Ok(())
}
