//! `coracle manifest inspect`

use crate::engine::interface::Engine;
use std::io::Write;

#[derive(clap::Subcommand)]
#[command(defer = true)]
pub enum ManifestCommand {
    /// Show the manifest or manifest list a registry serves for an image
    Inspect(InspectArgs),
}

#[derive(clap::Args)]
pub struct InspectArgs {
    /// Require HTTPS and verify certificates (loopback registries may use plain HTTP)
    #[arg(long, default_value_t = true, action = clap::ArgAction::Set, num_args = 0..=1, default_missing_value = "true")]
    tls_verify: bool,
    /// IMAGE[:TAG|@DIGEST]
    image: String,
}

pub fn exec(engine: &dyn Engine, cmd: ManifestCommand) -> anyhow::Result<()> {
    let ManifestCommand::Inspect(args) = cmd;
    let manifest = engine.manifest_inspect(&args.image, args.tls_verify)?;
    // The bytes as served: they are what the digest covers.
    let mut out = std::io::stdout().lock();
    out.write_all(&manifest.bytes)?;
    if !manifest.bytes.ends_with(b"\n") {
        out.write_all(b"\n")?;
    }
    Ok(())
}
