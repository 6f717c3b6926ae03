//! `coracle kube play FILE|-`: creates and starts the pods the Kubernetes YAML
//! describes (`--down`: removes them), printing what it made as Podman does.

use super::read_yaml;
use crate::cli::create::progress;
use crate::engine::containers::create::Pulling;
use crate::engine::images::policy::PullPolicy;
use crate::engine::interface::Engine;
use crate::engine::kube::play::{self, PlayOptions};
use crate::engine::kube::yaml;
use anyhow::Context as _;
use std::path::{Path, PathBuf};

#[derive(clap::Args)]
pub struct Args {
    /// Build images even if they are found in the local storage (an image NAME is built from ./NAME's Containerfile or Dockerfile); --build=false never builds
    #[arg(long, num_args = 0..=1, default_missing_value = "true", require_equals = true)]
    build: Option<bool>,
    /// Pathname of a YAML file containing a kubernetes configmap
    #[arg(long, value_name = "FILE")]
    configmap: Vec<PathBuf>,
    /// Remove the pods the YAML describes instead, as kube down does
    #[arg(long)]
    down: bool,
    /// Connect pod to network(s) or network mode
    #[arg(long, value_name = "NETWORK")]
    network: Option<String>,
    /// Publish a port of the pod to the host, besides the YAML's hostPorts
    #[arg(long, value_name = "PORT")]
    publish: Vec<String>,
    /// Suppress output information when pulling images
    #[arg(short, long)]
    quiet: bool,
    /// Delete and recreate pods defined in the YAML file
    #[arg(long)]
    replace: bool,
    /// Require HTTPS and verify certificates when contacting registries
    #[arg(long, default_value_t = true, action = clap::ArgAction::Set, num_args = 0..=1, default_missing_value = "true")]
    tls_verify: bool,
    /// The YAML file, or - for standard input
    #[arg(value_name = "KUBEFILE|-")]
    file: String,
}

pub fn exec(engine: &dyn Engine, args: Args) -> anyhow::Result<()> {
    let text = read_yaml(&args.file)?;
    if args.down {
        return super::down::print(engine.down_kube(&text)?);
    }
    let mut opts = PlayOptions {
        replace: args.replace,
        network: args.network.as_deref().map(str::parse).transpose()?,
        publish: args
            .publish
            .iter()
            .map(|p| p.parse())
            .collect::<Result<_, _>>()?,
        ..PlayOptions::default()
    };
    for file in &args.configmap {
        let text = std::fs::read_to_string(file)
            .with_context(|| format!("cannot read --configmap {}", file.display()))?;
        opts.config_maps.extend(
            yaml::config_maps(&text).with_context(|| format!("--configmap {}", file.display()))?,
        );
    }
    build_images(engine, &text, &opts, args.build)?;
    let pulling = Pulling {
        policy: PullPolicy::Missing,
        tls_verify: args.tls_verify,
        platform: None,
    };
    let played = engine.play_kube(&text, &opts, pulling, progress(args.quiet))?;
    for warning in &played.warnings {
        eprintln!("{warning}");
    }
    // Podman's report: each pod's ID, then its containers'.
    for pod in &played.pods {
        if let Some(id) = &pod.pod_id {
            println!("Pod:\n{id}");
        }
        println!(
            "Container{}:",
            if pod.containers.len() > 1 { "s" } else { "" }
        );
        for id in &pod.containers {
            println!("{id}");
        }
        println!();
    }
    Ok(())
}

/// Podman's build support: an image whose name, without its registry and tag,
/// is a directory here holding a Containerfile or Dockerfile is built from
/// it when it is not stored, or whenever `--build` is given; `--build=false`
/// builds nothing. All before the play makes anything.
fn build_images(
    engine: &dyn Engine,
    text: &str,
    opts: &PlayOptions,
    build: Option<bool>,
) -> anyhow::Result<()> {
    if build == Some(false) {
        return Ok(());
    }
    let plan = play::plan(&yaml::parse(text)?, opts)?;
    let mut images: Vec<&str> = plan
        .pods
        .iter()
        .flat_map(|pod| pod.init.iter().chain(&pod.containers))
        .map(|c| c.image.as_str())
        .collect();
    images.sort_unstable();
    images.dedup();
    for image in images {
        let Some(file) = build_file(image) else {
            continue;
        };
        if build.is_none() && engine.inspect_image(image).is_ok() {
            continue;
        }
        let dir = file.parent().unwrap_or(Path::new("."));
        crate::cli::build::build_tagged(engine, image, &file, dir)
            .with_context(|| format!("building {image} from {}", file.display()))?;
    }
    Ok(())
}

/// ./NAME/Containerfile, else ./NAME/Dockerfile, for image
/// [REGISTRY/]PATH/NAME[:TAG][@DIGEST].
fn build_file(image: &str) -> Option<PathBuf> {
    let last = image.rsplit('/').next()?;
    let name = last.split(['@', ':']).next().filter(|n| !n.is_empty())?;
    ["Containerfile", "Dockerfile"]
        .into_iter()
        .map(|file| Path::new(name).join(file))
        .find(|path| path.is_file())
}
