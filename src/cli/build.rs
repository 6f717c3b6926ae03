//! `coracle build`: flags into BuildOptions, steps printed as Podman prints them,
//! the image ID last.

use super::progress::TransferDisplay;
use crate::engine::build::{BuildEvent, BuildOptions, ContextInput, RunOutput, Secret};
use crate::engine::images::policy::PullPolicy;
use crate::engine::interface::Engine;
use crate::engine::net::Network;
use crate::engine::oci::reference::Reference;
use anyhow::Context as _;
use std::ffi::OsStr;
use std::os::fd::{AsFd, OwnedFd};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

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
    /// Network for RUN steps, as run's --network (default: run's default)
    #[arg(long, alias = "net")]
    network: Option<String>,
    /// A secret RUN --mount=type=secret may read (id=ID,src=PATH or id=ID,env=VAR)
    #[arg(long, value_name = "id=ID,src=PATH")]
    secret: Vec<String>,
    /// Require HTTPS and verify certificates when pulling
    #[arg(long, default_value_t = true, action = clap::ArgAction::Set, num_args = 0..=1, default_missing_value = "true")]
    tls_verify: bool,
    #[command(flatten)]
    flags: super::build_flags::Flags,
    /// A directory, or - for a tar on stdin
    #[arg(default_value = ".")]
    context: String,
}

pub fn exec(engine: &dyn Engine, args: Args) -> anyhow::Result<()> {
    let opts = plan(&args)?;
    args.flags.redirect_to_logfile()?;
    let context = match args.context.as_str() {
        "-" => ContextInput::Reader(Box::new(std::io::stdin())),
        dir => ContextInput::Dir(PathBuf::from(dir)),
    };
    let display = Arc::new(Display {
        quiet: args.quiet,
        pull: Mutex::new(None),
    });
    let events = display.clone();
    let id = engine.build(
        context,
        run_output(args.quiet, args.flags.stdin())?,
        &opts,
        Arc::new(move |event| events.show(event)),
    )?;
    if let Some(path) = &args.iidfile {
        std::fs::write(path, format!("sha256:{id}"))
            .with_context(|| format!("cannot write the image ID to {}", path.display()))?;
    }
    println!("{id}");
    Ok(())
}

/// `build -t TAG -f FILE DIR`, for `kube play`'s images that have a directory
/// of their own.
pub fn build_tagged(engine: &dyn Engine, tag: &str, file: &Path, dir: &Path) -> anyhow::Result<()> {
    use clap::{Args as _, FromArgMatches as _};
    let argv = [
        OsStr::new("build"),
        OsStr::new("-t"),
        OsStr::new(tag),
        OsStr::new("-f"),
        file.as_os_str(),
        dir.as_os_str(),
    ];
    let matches = Args::augment_args(clap::Command::new("build")).try_get_matches_from(argv)?;
    exec(engine, Args::from_arg_matches(&matches)?)
}

/// RUN output goes where ours does; quiet, its stdout goes to stderr, so that
/// stdout holds only the image ID. With `--stdin`, RUN steps read ours.
fn run_output(quiet: bool, stdin: bool) -> anyhow::Result<RunOutput> {
    let dup = |fd: std::os::fd::BorrowedFd| -> anyhow::Result<OwnedFd> {
        fd.try_clone_to_owned()
            .context("cannot duplicate stdout or stderr for RUN steps")
    };
    let stderr = dup(std::io::stderr().as_fd())?;
    let stdout = match quiet {
        true => dup(stderr.as_fd())?,
        false => dup(std::io::stdout().as_fd())?,
    };
    let stdin = match stdin {
        true => Some(dup(std::io::stdin().as_fd())?),
        false => None,
    };
    Ok(RunOutput {
        stdout,
        stderr,
        stdin,
    })
}

/// Every flag checked before anything is read or pulled.
fn plan(args: &Args) -> anyhow::Result<BuildOptions> {
    args.flags.check()?;
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
        "true" => PullPolicy::Always,
        "false" => PullPolicy::Missing,
        other => other.parse()?,
    };
    Ok(BuildOptions {
        file: args.file.clone(),
        tags: args.tags.clone(),
        build_args,
        target: args.target.clone(),
        no_cache: args.no_cache,
        pull,
        tls_verify: args.tls_verify,
        credentials: args.flags.credentials()?,
        platform: args.flags.platform(args.platform.as_deref())?,
        labels,
        network: args
            .network
            .as_deref()
            .map(str::parse::<Network>)
            .transpose()?,
        secrets: args
            .secret
            .iter()
            .map(|s| s.parse::<Secret>().map_err(anyhow::Error::msg))
            .collect::<anyhow::Result<_>>()?,
        named_contexts: args.flags.named_contexts()?,
        from: args.flags.from(),
        ignorefile: args.flags.ignorefile(),
        layers: args.flags.layers(),
        run: args.flags.run()?,
        result: args.flags.result()?,
        output: args.flags.output()?,
        squash: args.flags.squash(),
    })
}

/// The steps on stdout as Podman prints them; pulls' progress on stderr.
struct Display {
    quiet: bool,
    /// The pull under way, drawn from its first event to its end.
    pull: Mutex<Option<TransferDisplay>>,
}

impl Display {
    fn show(&self, event: BuildEvent) {
        if let BuildEvent::Warning(message) = &event {
            log::warn!("{message}");
        }
        match event {
            BuildEvent::Pull(event) => {
                let mut pull = self.pull.lock().unwrap_or_else(|e| e.into_inner());
                pull.get_or_insert_with(|| TransferDisplay::new(self.quiet))
                    .pull(event);
                return;
            }
            BuildEvent::Pulled { ok } => {
                let pull = self.pull.lock().unwrap_or_else(|e| e.into_inner()).take();
                pull.unwrap_or_else(|| TransferDisplay::new(self.quiet))
                    .finish(ok);
                return;
            }
            _ if self.quiet => return,
            _ => {}
        }
        match event {
            BuildEvent::Step { stage, n, m, text } => match stage {
                Some((s, total)) => println!("[{s}/{total}] STEP {n}/{m}: {text}"),
                None => println!("STEP {n}/{m}: {text}"),
            },
            BuildEvent::CacheHit { id } => println!("--> Using cache {id}"),
            BuildEvent::Committed { id } => println!("--> {}", &id[..id.len().min(12)]),
            BuildEvent::Tagged { name } => println!("Successfully tagged {name}"),
            BuildEvent::Warning(_) | BuildEvent::Pull(_) | BuildEvent::Pulled { .. } => {}
        }
    }
}
