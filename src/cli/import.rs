//! `coracle import`

use crate::engine::images::archive::import::ImportOptions;
use crate::engine::interface::Engine;
use anyhow::Context as _;

#[derive(clap::Args)]
pub struct Args {
    /// Apply a Dockerfile instruction: CMD, ENTRYPOINT, ENV, EXPOSE, LABEL, USER or WORKDIR
    #[arg(short, long = "change", value_name = "INSTRUCTION")]
    changes: Vec<String>,
    /// A commit message for the image's history
    #[arg(short, long)]
    message: Option<String>,
    /// Print only the image ID
    #[arg(short, long)]
    quiet: bool,
    /// Record ARCH as the image's architecture instead of the host's
    #[arg(long, value_name = "ARCH")]
    arch: Option<String>,
    /// Record OS as the image's OS instead of the host's
    #[arg(long, value_name = "OS")]
    os: Option<String>,
    /// Record VARIANT as the image's architecture variant
    #[arg(long, value_name = "VARIANT")]
    variant: Option<String>,
    /// The tarball, or - for stdin
    file: String,
    /// The name to give the image
    reference: Option<String>,
}

pub fn exec(engine: &dyn Engine, args: Args) -> anyhow::Result<()> {
    let opts = ImportOptions {
        reference: args.reference,
        changes: args.changes,
        message: args.message,
        platform: super::pull::platform_of(args.os, args.arch, args.variant),
    };
    let id = if args.file == "-" {
        engine.import(&mut std::io::stdin().lock(), &opts)?
    } else {
        let mut file = std::fs::File::open(&args.file)
            .with_context(|| format!("cannot open {}", args.file))?;
        engine.import(&mut file, &opts)?
    };
    println!("{id}");
    Ok(())
}
