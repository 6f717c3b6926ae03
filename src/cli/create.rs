//! `coracle create`, and the flags `run` shares with it: validate every flag, pull
//! when needed, create the container.

use crate::engine::containers::{
    self, create::image_present, CreateOptions, RestartPolicy, Seccomp,
};
use crate::engine::context::Context;
use crate::engine::images::pull::PullOptions;
use crate::engine::images::ImagesError;
use crate::engine::registry::RegistryError;
use crate::engine::runtime::process;
use crate::engine::runtime::seccomp_profile::Profile;
use crate::engine::runtime::spec::Network;
use crate::engine::runtime::ulimit::Ulimit;
use crate::engine::store::Store;
use anyhow::{bail, Context as _};

#[derive(clap::Args)]
#[command(trailing_var_arg = true)]
pub struct Args {
    /// Remove the container when it exits
    #[arg(long)]
    rm: bool,
    /// Name the container
    #[arg(long)]
    name: Option<String>,
    /// Set an environment variable (KEY=VALUE, or KEY to pass the caller's value)
    #[arg(short, long = "env", value_name = "ENV")]
    env: Vec<String>,
    /// Read environment variables from a file, one per line
    #[arg(long, value_name = "FILE")]
    env_file: Vec<std::path::PathBuf>,
    /// Working directory inside the container (created when missing)
    #[arg(short, long)]
    workdir: Option<String>,
    /// Run as this user: name|uid[:group|gid]
    #[arg(short, long)]
    user: Option<String>,
    /// Override the image's entrypoint ('' clears it)
    #[arg(long)]
    entrypoint: Option<String>,
    /// The container's hostname (default: the short container ID)
    #[arg(long)]
    hostname: Option<String>,
    /// Keep stdin open
    #[arg(short, long)]
    interactive: bool,
    /// Give the container a pseudo-terminal
    #[arg(short, long)]
    tty: bool,
    /// Network mode: none (loopback only) or host
    #[arg(long, alias = "net", default_value = "none")]
    network: String,
    /// Mount the container's root filesystem read-only
    #[arg(long)]
    read_only: bool,
    /// Add a capability (or ALL)
    #[arg(long)]
    cap_add: Vec<String>,
    /// Drop a capability (or ALL)
    #[arg(long)]
    cap_drop: Vec<String>,
    /// All capabilities, no seccomp filter, no masked paths
    #[arg(long)]
    privileged: bool,
    /// Security options: seccomp=unconfined, seccomp=PROFILE.json (Docker's format), no-new-privileges
    #[arg(long)]
    security_opt: Vec<String>,
    /// The signal that stops the container (default: the image's, else SIGTERM)
    #[arg(long, value_name = "SIGNAL")]
    stop_signal: Option<String>,
    /// Set a resource limit: NAME=SOFT[:HARD] (nofile, nproc, core, ...; -1 is unlimited)
    #[arg(long, value_name = "ULIMIT")]
    ulimit: Vec<String>,
    /// Run an init as PID 1 that forwards signals to the command and reaps zombies
    #[arg(long)]
    init: bool,
    /// Restart policy: no, on-failure[:N], always, unless-stopped
    #[arg(long, default_value = "no", value_name = "POLICY")]
    restart: String,
    /// Set metadata on the container (KEY=VALUE)
    #[arg(short, long)]
    label: Vec<String>,
    /// When to pull the image: missing, always, never, or newer (ask the registry,
    /// but use the stored image when the registry cannot be reached)
    #[arg(long, default_value = "missing", value_parser = ["missing", "always", "never", "newer"])]
    pull: String,
    /// Suppress pull progress
    #[arg(short, long)]
    quiet: bool,
    /// Require HTTPS and verify certificates when pulling
    #[arg(long, default_value_t = true, action = clap::ArgAction::Set, num_args = 0..=1, default_missing_value = "true")]
    tls_verify: bool,
    /// IMAGE [COMMAND [ARG...]]
    #[arg(required = true, value_name = "IMAGE [COMMAND [ARG...]]")]
    image_and_command: Vec<String>,
}

impl Args {
    pub fn tty(&self) -> bool {
        self.tty
    }

    pub fn interactive(&self) -> bool {
        self.interactive
    }
}

pub fn exec(ctx: &Context, args: Args) -> anyhow::Result<()> {
    println!("{}", prepare(ctx, &ctx.open_store()?, &args)?);
    Ok(())
}

/// Checks the flags, pulls as `--pull` says, creates the container; returns its ID.
pub fn prepare(ctx: &Context, store: &Store, args: &Args) -> anyhow::Result<String> {
    let opts = plan(args)?;
    let present = image_present(store, &opts.image)?;
    match args.pull.as_str() {
        "never" if !present => bail!(
            "image {} is not in the store and --pull=never was given: pull it first",
            opts.image
        ),
        "always" => pull(ctx, args, &opts.image)?,
        "missing" | "newer" if !present => pull(ctx, args, &opts.image)?,
        // Podman's `newer`: ask the registry, but a stored image will do when it
        // cannot be reached.
        "newer" => {
            if let Err(e) = pull(ctx, args, &opts.image) {
                if !is_unreachable(&e) {
                    return Err(e);
                }
                log::warn!("{e:#}: using the stored image");
            }
        }
        _ => {}
    }
    Ok(containers::create(ctx, store, &opts)?)
}

fn pull(ctx: &Context, args: &Args, image: &str) -> anyhow::Result<()> {
    let opts = PullOptions {
        reference: image.to_owned(),
        platform: None,
        tls_verify: args.tls_verify,
    };
    super::pull::pull_image(ctx, &opts, args.quiet)?;
    Ok(())
}

fn is_unreachable(e: &anyhow::Error) -> bool {
    matches!(
        e.downcast_ref::<ImagesError>(),
        Some(ImagesError::Registry(RegistryError::Unreachable { .. }))
    )
}

/// `--env-file`s, then `-e`s, as `KEY=VALUE` entries with the caller's values
/// filled in for bare keys.
pub(super) fn env_flags(
    env: &[String],
    files: &[std::path::PathBuf],
) -> anyhow::Result<Vec<String>> {
    let host = |k: &str| std::env::var(k).ok();
    let mut out = Vec::new();
    for file in files {
        let text = std::fs::read_to_string(file)
            .with_context(|| format!("cannot read env file {}", file.display()))?;
        out.extend(process::env_file(&text, host)?);
    }
    for e in env {
        out.extend(process::env_flag(e, host)?);
    }
    Ok(out)
}

/// Every flag checked and resolved; nothing pulled or created yet.
fn plan(args: &Args) -> anyhow::Result<CreateOptions> {
    let (image, command) = args
        .image_and_command
        .split_first()
        .context("an image name is required")?;
    let env = env_flags(&args.env, &args.env_file)?;
    let mut seccomp = Seccomp::Default;
    let mut no_new_privileges = false;
    for opt in &args.security_opt {
        // Docker takes `key=value` and the older `key:value`.
        match opt.split_once(['=', ':']).unwrap_or((opt, "")) {
            ("seccomp", "unconfined") => seccomp = Seccomp::Unconfined,
            ("seccomp", file) if !file.is_empty() => {
                let text = std::fs::read_to_string(file)
                    .with_context(|| format!("cannot read the seccomp profile {file}"))?;
                seccomp = Seccomp::Profile(Profile::parse(file, &text)?);
            }
            ("no-new-privileges", "" | "true") => no_new_privileges = true,
            ("no-new-privileges", "false") => no_new_privileges = false,
            _ => bail!(
                "unknown --security-opt {opt:?}: use seccomp=unconfined, seccomp=PROFILE.json or no-new-privileges"
            ),
        }
    }
    let labels = super::key_values(&args.label);
    let opts = CreateOptions {
        image: image.clone(),
        name: args.name.clone(),
        command: command.to_vec(),
        entrypoint: args.entrypoint.clone(),
        env,
        workdir: args.workdir.clone(),
        user: args.user.clone(),
        hostname: args.hostname.clone(),
        network: args.network.parse::<Network>()?,
        read_only: args.read_only,
        privileged: args.privileged,
        cap_add: args.cap_add.clone(),
        cap_drop: args.cap_drop.clone(),
        seccomp,
        no_new_privileges,
        labels,
        interactive: args.interactive,
        tty: args.tty,
        remove: args.rm,
        stop_signal: args.stop_signal.clone(),
        ulimits: args
            .ulimit
            .iter()
            .map(|u| Ulimit::parse(u))
            .collect::<Result<_, _>>()?,
        init: args.init,
        restart: RestartPolicy::parse(&args.restart)?,
    };
    opts.validate()?;
    crate::engine::oci::reference::Reference::parse(image)?;
    Ok(opts)
}
