//! `coracle manifest push`

use super::manifest::RegistryArgs;
use crate::engine::interface::Engine;
use crate::engine::manifests::push::{PushEvent, PushOptions};
use anyhow::Context as _;
use std::path::PathBuf;
use std::sync::Arc;

#[derive(clap::Args)]
pub struct PushArgs {
    /// Also push the images in the list
    #[arg(long, default_value_t = true, action = clap::ArgAction::Set, num_args = 0..=1, default_missing_value = "true")]
    all: bool,
    /// Compress the layers of stored images with this: gzip or zstd (default: as stored)
    #[arg(long, value_parser = ["gzip", "zstd"])]
    compression_format: Option<String>,
    /// Write the digest of the pushed list to this file
    #[arg(long, value_name = "FILE")]
    digestfile: Option<PathBuf>,
    /// Manifest type (oci or v2s2) to use for the list (default: OCI's when an
    /// entry is an OCI manifest, else Docker's)
    #[arg(short, long, value_parser = ["oci", "v2s2"])]
    format: Option<String>,
    /// Print no progress
    #[arg(short, long)]
    quiet: bool,
    /// Remove the manifest list if the push succeeds
    #[arg(long)]
    rm: bool,
    #[command(flatten)]
    registry: RegistryArgs,
    /// LIST
    list: String,
    /// DESTINATION: [docker://]REGISTRY/REPOSITORY[:TAG]
    destination: String,
}

pub fn exec(engine: &dyn Engine, args: PushArgs) -> anyhow::Result<()> {
    let opts = PushOptions {
        list: args.list,
        destination: args.destination,
        all: args.all,
        rm: args.rm,
        format: args.format.as_deref().map(super::push::format),
        compression: args
            .compression_format
            .as_deref()
            .map(super::push::compression),
        fetch: args.registry.fetch()?,
    };
    let quiet = args.quiet;
    // Podman's progress lines, on stderr so that stdout stays for results.
    let progress = Arc::new(move |event: PushEvent| match event {
        _ if quiet => {}
        PushEvent::Copying {
            digest,
            number,
            total,
        } => eprintln!("Copying image {digest} ({number}/{total})"),
        PushEvent::WritingList => eprintln!("Writing manifest list to image destination"),
    });
    let digest = engine.push_manifest(&opts, progress)?;
    if let Some(path) = args.digestfile {
        std::fs::write(&path, &digest)
            .with_context(|| format!("cannot write the digest to {}", path.display()))?;
    }
    Ok(())
}
