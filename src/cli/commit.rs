//! `coracle commit CONTAINER [IMAGE]`

use crate::engine::build::commit::CommitOptions;
use crate::engine::images::push::plan::ManifestFormat;
use crate::engine::interface::Engine;
use anyhow::Context;
use std::path::PathBuf;

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
    /// Format of the image manifest and metadata: oci or docker
    #[arg(short, long, default_value = "oci", value_parser = parse_format)]
    format: ManifestFormat,
    /// Write the image ID to this file
    #[arg(long, value_name = "FILE")]
    iidfile: Option<PathBuf>,
    /// Include the container's volumes as image volumes
    #[arg(long)]
    include_volumes: bool,
    /// Pause the container during commit
    #[arg(short, long)]
    pause: bool,
    /// Squash the image into a single layer
    #[arg(short, long)]
    squash: bool,
    /// Accepted for Podman's sake: only the image ID is printed anyway
    #[arg(short, long)]
    quiet: bool,
    container: String,
    /// NAME[:TAG] for the new image
    image: Option<String>,
}

/// Podman's two names, with its wording for any other.
fn parse_format(value: &str) -> Result<ManifestFormat, String> {
    match value {
        "oci" => Ok(ManifestFormat::Oci),
        "docker" => Ok(ManifestFormat::V2s2),
        other => Err(format!("unrecognized image format {other:?}")),
    }
}

pub fn exec(engine: &dyn Engine, args: Args) -> anyhow::Result<()> {
    let _ = args.quiet;
    let id = engine.commit(&CommitOptions {
        container: args.container,
        image: args.image,
        author: args.author,
        message: args.message,
        changes: args.change,
        format: args.format,
        squash: args.squash,
        pause: args.pause,
        include_volumes: args.include_volumes,
    })?;
    if let Some(path) = &args.iidfile {
        // Podman's commit writes the bare ID (its build writes it with sha256:).
        std::fs::write(path, &id)
            .with_context(|| format!("cannot write the image ID to {}", path.display()))?;
    }
    println!("{id}");
    Ok(())
}
