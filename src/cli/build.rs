//! `coracle build`: flags into BuildOptions, steps printed as Podman prints them,
//! the image ID last.

use super::pull::pull_image;
use crate::engine::build::{self, BuildEvent, BuildOptions, ContextInput, Host};
use crate::engine::context::Context;
use crate::engine::images::pull::PullOptions;
use crate::engine::images::ImagesError;
use crate::engine::oci::reference::Reference;
use crate::engine::runtime::spec::Network;
use anyhow::Context as _;
use std::path::PathBuf;

#[derive(clap::Args)]
pub struct Args {
    /// Name the image (NAME[:TAG]); may be given more than once
    #[arg(short, long = "tag", value_name = "NAME")]
    tags: Vec<String>,
    /// The Dockerfile (default: Containerfile, then Dockerfile, in the context)
    #[arg(short, long, value_name = "FILE")]
    file: Option<PathBuf>,
    /// Set a build-time variable (KEY=VALUE, or KEY to pass the caller's value)
    #[arg(long = "build-arg", value_name = "KEY=VALUE")]
    build_args: Vec<String>,
    /// Build this stage and the ones it needs, not the last one
    #[arg(long)]
    target: Option<String>,
    /// Do not use cached steps
    #[arg(long)]
    no_cache: bool,
    /// When to pull base images: missing, always, never, newer (alone: always)
    #[arg(long, default_value = "missing", num_args = 0..=1, default_missing_value = "always",
          value_parser = ["missing", "always", "never", "newer", "true", "false"])]
    pull: String,
    /// Build for this platform (os/arch[/variant])
    #[arg(long)]
    platform: Option<String>,
    /// Set metadata on the image (KEY=VALUE)
    #[arg(long)]
    label: Vec<String>,
    /// Write the image ID to this file
    #[arg(long, value_name = "FILE")]
    iidfile: Option<PathBuf>,
    /// Print only the image ID (RUN output goes to stderr)
    #[arg(short, long)]
    quiet: bool,
    /// Network for RUN steps: host or none
    #[arg(long, alias = "net", default_value = "host")]
    network: String,
    /// Require HTTPS and verify certificates when pulling
    #[arg(long, default_value_t = true, action = clap::ArgAction::Set, num_args = 0..=1, default_missing_value = "true")]
    tls_verify: bool,
    /// A directory, or - for a tar on stdin
    #[arg(default_value = ".")]
    context: String,
}

pub fn exec(ctx: &Context, args: Args) -> anyhow::Result<()> {
    let opts = plan(&args)?;
    let display = Display {
        ctx,
        quiet: args.quiet,
        tls_verify: args.tls_verify,
    };
    let id = match build::build(ctx, &opts, &display) {
        Ok(id) => id,
        Err(e) if e.exit_code() != 125 => {
            eprintln!("Error: {e}");
            return Err(super::Exit(e.exit_code()).into());
        }
        Err(e) => return Err(e.into()),
    };
    if let Some(path) = &args.iidfile {
        std::fs::write(path, format!("sha256:{id}"))
            .with_context(|| format!("cannot write the image ID to {}", path.display()))?;
    }
    println!("{id}");
    Ok(())
}

/// Every flag checked before anything is read or pulled.
fn plan(args: &Args) -> anyhow::Result<BuildOptions> {
    for tag in &args.tags {
        Reference::parse(tag).with_context(|| format!("invalid tag {tag:?}"))?;
    }
    let build_args = args
        .build_args
        .iter()
        .filter_map(|a| match a.split_once('=') {
            Some((k, v)) => Some((k.to_owned(), v.to_owned())),
            None => std::env::var(a).ok().map(|v| (a.clone(), v)),
        })
        .collect();
    let labels = super::key_values(&args.label);
    let pull = match args.pull.as_str() {
        "true" => "always",
        "false" => "missing",
        other => other,
    };
    Ok(BuildOptions {
        context: match args.context.as_str() {
            "-" => ContextInput::Stdin,
            dir => ContextInput::Dir(PathBuf::from(dir)),
        },
        file: args.file.clone(),
        tags: args.tags.clone(),
        build_args,
        target: args.target.clone(),
        no_cache: args.no_cache,
        pull: pull.to_owned(),
        platform: args.platform.clone(),
        labels,
        network: args.network.parse::<Network>()?,
        quiet: args.quiet,
    })
}

struct Display<'a> {
    ctx: &'a Context,
    quiet: bool,
    tls_verify: bool,
}

impl Host for Display<'_> {
    fn event(&self, event: BuildEvent) {
        if let BuildEvent::Warning(message) = &event {
            log::warn!("{message}");
        }
        if self.quiet {
            return;
        }
        match event {
            BuildEvent::Step { stage, n, m, text } => match stage {
                Some((s, total)) => println!("[{s}/{total}] STEP {n}/{m}: {text}"),
                None => println!("STEP {n}/{m}: {text}"),
            },
            BuildEvent::CacheHit { id } => println!("--> Using cache {id}"),
            BuildEvent::Committed { id } => println!("--> {}", &id[..id.len().min(12)]),
            BuildEvent::Tagged { name } => println!("Successfully tagged {name}"),
            BuildEvent::Warning(_) => {}
        }
    }

    fn pull(&self, reference: &str, platform: Option<&str>) -> Result<String, ImagesError> {
        let opts = PullOptions {
            reference: reference.to_owned(),
            platform: platform.map(str::to_owned),
            tls_verify: self.tls_verify,
        };
        pull_image(self.ctx, &opts, self.quiet)
    }
}
