//! `coracle kube generate`: Kubernetes YAML on standard output, or in a new
//! file (`-f`), as Podman writes it.

use crate::engine::interface::Engine;
use crate::engine::kube::generate::{GenerateOptions, Kind};
use anyhow::{bail, Context as _};
use std::io::Write;
use std::path::PathBuf;

#[derive(clap::Args)]
pub struct Args {
    /// Write output to the specified path
    #[arg(short, long = "filename", value_name = "FILE")]
    file: Option<PathBuf>,
    /// Generate YAML for a Kubernetes service object
    #[arg(short, long)]
    service: bool,
    /// Generate YAML for the given Kubernetes kind
    #[arg(short, long = "type", default_value = "pod", value_parser = ["pod", "deployment"])]
    kind: String,
    #[arg(required = true, value_name = "CONTAINER|POD|VOLUME")]
    names: Vec<String>,
}

pub fn exec(engine: &dyn Engine, args: Args) -> anyhow::Result<()> {
    let opts = GenerateOptions {
        service: args.service,
        kind: match args.kind.as_str() {
            "deployment" => Kind::Deployment,
            _ => Kind::Pod,
        },
    };
    // Podman refuses to overwrite, before it looks anything up.
    if let Some(file) = args.file.as_ref().filter(|f| f.exists()) {
        bail!(
            "cannot write to {:?}; file exists",
            file.display().to_string()
        );
    }
    let yaml = engine.generate_kube(&args.names, &opts)?;
    match &args.file {
        Some(file) => std::fs::write(file, yaml)
            .with_context(|| format!("cannot write to {:?}", file.display().to_string())),
        None => Ok(std::io::stdout().write_all(yaml.as_bytes())?),
    }
}
