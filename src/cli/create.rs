//! `coracle create`, and the flags `run` shares with it: every flag checked, then
//! the engine pulls as `--pull` says and creates the container.

use super::progress::TransferDisplay;
use super::run_flags::Attached;
use super::unsupported::ignored;
use crate::engine::containers::create::{CreateEvent, CreateProgress, Pulling};
use crate::engine::containers::log_config::LogConfig;
use crate::engine::containers::settings::Settings;
use crate::engine::containers::{CreateOptions, RestartPolicy, Seccomp};
use crate::engine::interface::Engine;
use crate::engine::net::attachments;
use crate::engine::net::names::NameOptions;
use crate::engine::net::ports;
use crate::engine::oci::reference;
use crate::engine::runtime::process;
use crate::engine::runtime::seccomp_profile::Profile;
use crate::engine::runtime::ulimit::Ulimit;
use crate::engine::volumes::parse;
use anyhow::{bail, Context as _};
use clap::builder::BoolValueParser;
use std::sync::Arc;

/// `-a` as run takes it; create only checks it (run's Args put this back).
pub const ATTACH_HELP: &str = "Attach to these streams only: stdin, stdout, stderr";
const ATTACH_IGNORED: &str = "Attach to these streams only: stdin, stdout, stderr (ignored: \
     create keeps no streams for a later start, whose --attach attaches every stream)";

#[derive(clap::Args)]
#[command(trailing_var_arg = true, disable_help_flag = true)]
#[command(mut_arg("attach", |a| a.help(ATTACH_IGNORED)))]
pub struct Args {
    /// Remove the container when it exits
    #[arg(long)]
    rm: bool,
    /// Name the container
    #[arg(long)]
    name: Option<String>,
    /// Run the container in an existing pod (NAME or ID), or in a new one
    /// made for it (new:NAME)
    #[arg(long)]
    pod: Option<String>,
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
    #[arg(short, long)]
    hostname: Option<String>,
    /// Print help (-h is --hostname, as in Podman)
    #[arg(long, action = clap::ArgAction::Help)]
    help: Option<bool>,
    /// Keep stdin open
    #[arg(short, long)]
    interactive: bool,
    /// Give the container a pseudo-terminal
    #[arg(short, long)]
    tty: bool,
    /// Network mode: pasta[:OPTS], slirp4netns[:OPTS], none (loopback only), host,
    /// container:NAME|ID (share its network), ns:PATH, or a network's name,
    /// NAME[:alias=A,ip=IP] (repeatable; bridge is the default network podman)
    /// (default: pasta when it runs here, else slirp4netns)
    #[arg(long, alias = "net", value_name = "MODE|NETWORK")]
    network: Vec<String>,
    /// Another name for the container on its networks (repeatable)
    #[arg(long, value_name = "ALIAS")]
    network_alias: Vec<String>,
    /// The container's address on its one network
    #[arg(long)]
    ip: Option<String>,
    /// Use this nameserver instead of the host's (repeatable)
    #[arg(long, value_name = "IP")]
    dns: Vec<String>,
    /// Use this DNS search domain instead of the host's ('.' for none; repeatable)
    #[arg(long, value_name = "DOMAIN")]
    dns_search: Vec<String>,
    /// Set a resolver option instead of the host's, as ndots:2 (repeatable)
    #[arg(long, alias = "dns-opt", value_name = "OPTION")]
    dns_option: Vec<String>,
    /// Add a line to /etc/hosts: NAME:IP (IP may be host-gateway: the host)
    #[arg(long, value_name = "HOST:IP")]
    add_host: Vec<String>,
    /// Leave the image's /etc/hosts as it is
    #[arg(long)]
    no_hosts: bool,
    /// Publish container ports on the host: [[IP:][HOSTPORT]:]CTRPORT[/tcp|udp],
    /// ranges as 8000-8010:80-90, an empty HOSTPORT for a free one
    #[arg(short, long, value_name = "PORT")]
    publish: Vec<String>,
    /// Publish every exposed port (the image's EXPOSE and --expose) on a free host port
    #[arg(short = 'P', long)]
    publish_all: bool,
    /// Expose a port or range without publishing it: PORT[-PORT][/tcp|udp]
    #[arg(long, value_name = "PORT")]
    expose: Vec<String>,
    /// Mount a host path or a volume: [SOURCE:]CONTAINER-DIR[:OPTIONS], SOURCE a
    /// path (created when missing) or a volume's name (created when missing), none
    /// for an anonymous volume; OPTIONS ro, rw, z, Z, U, nocopy, [r]bind,
    /// [r]shared, [r]slave, [r]private, [no]exec, [no]suid, [no]dev
    #[arg(short, long = "volume", value_name = "VOLUME")]
    volume: Vec<String>,
    /// Mount a filesystem: type=bind|volume|tmpfs|image,src=SOURCE,dst=CONTAINER-DIR[,ro][,...]
    #[arg(long = "mount", value_name = "MOUNT")]
    mount: Vec<String>,
    /// Mount a tmpfs: CONTAINER-DIR[:OPTIONS] (default rw,noexec,nosuid,nodev)
    #[arg(long, value_name = "TMPFS")]
    tmpfs: Vec<String>,
    /// Mount the volumes and bind mounts of another container: CONTAINER[:ro|rw]
    #[arg(long, value_name = "CONTAINER")]
    volumes_from: Vec<String>,
    /// What the image's volumes become: bind (anonymous volumes), tmpfs or ignore
    #[arg(long, default_value = "bind", value_name = "MODE")]
    image_volume: String,
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
    /// User namespace: host (none of its own), keep-id[:uid=N,gid=N] (your ids
    /// inside, rootless), auto[:size=N] (a range of ids no other container uses)
    #[arg(long, value_name = "MODE")]
    userns: Option<String>,
    /// Set metadata on the container (KEY=VALUE)
    #[arg(short, long)]
    label: Vec<String>,
    /// When to pull the image: missing, always, never, or newer (ask the registry,
    /// but use the stored image when the registry cannot be reached)
    #[arg(long, default_value = "missing", value_parser = ["missing", "always", "never", "newer"])]
    pull: String,
    /// Suppress pull progress
    #[arg(short, long)]
    pub(super) quiet: bool,
    /// Require HTTPS and verify certificates when pulling
    #[arg(long, default_value_t = true, action = clap::ArgAction::Set, num_args = 0..=1, default_missing_value = "true")]
    tls_verify: bool,
    // Secrets, logs and run files (`--secret`, `--log-*`, `--cidfile`, ...).
    /// Give the container a secret: NAME[,type=mount|env][,target=T][,uid=N,gid=N,mode=M]
    #[arg(long, value_name = "SECRET")]
    secret: Vec<String>,
    /// Write the container ID to the file (which must not exist)
    #[arg(long, value_name = "FILE")]
    cidfile: Option<std::path::PathBuf>,
    /// Write the container's process ID to the file at each start
    #[arg(long, value_name = "FILE")]
    pidfile: Option<std::path::PathBuf>,
    /// Remove a container of the same --name first, running or not
    #[arg(long)]
    replace: bool,
    /// Kill the container after this many seconds (0: no limit)
    #[arg(long, default_value_t = 0, value_name = "SECONDS")]
    timeout: u32,
    /// Who tells systemd the container is ready: container (its program, through
    /// NOTIFY_SOCKET), conmon (coracle, once it has started) or ignore
    #[arg(long, default_value = "container", value_name = "MODE")]
    sdnotify: String,
    /// Where the container's output is kept: k8s-file (default), json-file,
    /// none or passthrough
    #[arg(long, value_name = "DRIVER")]
    log_driver: Option<String>,
    /// A log option: path=FILE, max-size=SIZE (the file is emptied when it would
    /// grow past it), tag=TAG
    #[arg(long, value_name = "KEY=VALUE")]
    log_opt: Vec<String>,
    /// Add a line to /etc/passwd (and /etc/group) for a --user the image does not know
    #[arg(long, default_value_t = true, action = clap::ArgAction::Set, num_args = 0..=1, default_missing_value = "true")]
    passwd: bool,
    /// The template of that line: $USERNAME, $UID, $GID, $NAME and $HOME are filled in
    #[arg(long, value_name = "TEMPLATE")]
    passwd_entry: Option<String>,
    /// Docker's flag (ignored: a no-op in Docker's and Podman's CLIs too)
    #[arg(long, value_parser = ignored(BoolValueParser::new()))]
    disable_content_trust: bool,
    #[command(flatten)]
    settings: super::run_flags::SettingsArgs,
    #[command(flatten)]
    limits: super::resource_flags::CreateLimitArgs,
    #[command(flatten)]
    pub(super) pull_run: super::run_flags::PullAndRunArgs,
    /// IMAGE [COMMAND [ARG...]]
    #[arg(required = true, value_name = "IMAGE [COMMAND [ARG...]]")]
    image_and_command: Vec<String>,
}

impl Args {
    /// `--pull` and `--tls-verify`.
    pub fn pulling(&self) -> anyhow::Result<Pulling> {
        Ok(Pulling {
            policy: self.pull.parse()?,
            tls_verify: self.tls_verify,
            platform: self.pull_run.platform()?,
        })
    }
}

pub fn exec(engine: &dyn Engine, args: Args) -> anyhow::Result<()> {
    let opts = plan(&args)?;
    if args.pull_run.attached()? != Attached::ALL {
        log::debug!("--attach: ignored by create; start --attach attaches every stream");
    }
    let id = engine.create(&opts, args.pulling()?, progress(args.quiet))?;
    println!("{id}");
    Ok(())
}

/// Pull progress for `create` and `run`, drawn as `pull` draws it.
pub(super) fn progress(quiet: bool) -> CreateProgress {
    let display = TransferDisplay::new(quiet);
    Arc::new(move |event| match event {
        CreateEvent::Pull(e) => display.pull(e),
        CreateEvent::Pulled { ok } => display.finish(ok),
        CreateEvent::Warning(text) => eprintln!("{text}"),
    })
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

/// `--log-driver` and `--log-opt`, `path=` made absolute.
fn log_config(args: &Args) -> anyhow::Result<LogConfig> {
    let mut log = LogConfig::parse(args.log_driver.as_deref(), &args.log_opt)?;
    log.path = log.path.as_deref().map(std::path::absolute).transpose()?;
    Ok(log)
}

/// `--security-opt`s: the seccomp profile, and no-new-privileges.
pub(super) fn security_opts(opts: &[String]) -> anyhow::Result<(Seccomp, bool)> {
    let mut seccomp = Seccomp::Default;
    let mut no_new_privileges = false;
    for opt in opts {
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
    Ok((seccomp, no_new_privileges))
}

/// Every flag checked and resolved; nothing pulled or created yet.
pub(super) fn plan(args: &Args) -> anyhow::Result<CreateOptions> {
    let (image, command) = args
        .image_and_command
        .split_first()
        .context("an image name is required")?;
    args.pull_run.check()?;
    args.pull_run.platform()?;
    args.pull_run.attached()?;
    let env = env_flags(&args.env, &args.env_file)?;
    let (seccomp, no_new_privileges) = security_opts(&args.security_opt)?;
    let labels = super::key_values(&[args.settings.file_labels()?, args.label.clone()].concat());
    let mut mounts = Vec::new();
    for v in &args.volume {
        mounts.push(parse::volume_flag(v)?);
    }
    for m in &args.mount {
        mounts.push(parse::mount_flag(m)?);
    }
    for t in &args.tmpfs {
        mounts.push(parse::tmpfs_flag(t)?);
    }
    let opts = CreateOptions {
        image: image.clone(),
        name: args.name.clone(),
        command: command.to_vec(),
        entrypoint: args.entrypoint.clone(),
        env,
        workdir: args.workdir.clone(),
        user: args.user.clone(),
        hostname: args.hostname.clone(),
        network: attachments::from_flags(&args.network, &args.network_alias, args.ip.as_deref())?,
        names: NameOptions::parse(
            &args.dns,
            &args.dns_search,
            &args.dns_option,
            &args.add_host,
            args.no_hosts,
        )?,
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
        // Only a build's RUN has mounts of its own making.
        extra_mounts: Vec::new(),
        restart: RestartPolicy::parse(&args.restart)?,
        publish: args
            .publish
            .iter()
            .map(|p| p.parse())
            .collect::<Result<_, _>>()?,
        publish_all: args.publish_all,
        expose: args
            .expose
            .iter()
            .map(|e| ports::parse_expose(e))
            .collect::<Result<Vec<_>, _>>()?
            .concat(),
        mounts,
        volumes_from: args
            .volumes_from
            .iter()
            .map(|v| parse::volumes_from_flag(v))
            .collect::<Result<_, _>>()?,
        image_volumes: args.image_volume.parse()?,
        userns: args.userns.as_deref().unwrap_or_default().parse()?,
        secrets: args
            .secret
            .iter()
            .map(|s| s.parse())
            .collect::<Result<_, _>>()?,
        // As given: create writes it from here, and Podman's error names it so.
        cidfile: args.cidfile.clone(),
        // Absolute: the monitor writes it from another directory.
        pidfile: args
            .pidfile
            .as_deref()
            .map(std::path::absolute)
            .transpose()?,
        replace: args.replace,
        timeout: args.timeout,
        sdnotify: args.sdnotify.parse()?,
        log: log_config(args)?,
        passwd: args.passwd,
        passwd_entry: args.passwd_entry.clone(),
        settings: Settings {
            resources: args.limits.plan()?,
            ..args.settings.plan()?
        },
        pod: args.pod.clone(),
        infra: false,
    };
    opts.validate()?;
    // A whole image ID is no name, but names an image as well (Docker's rule).
    if !reference::is_image_id(image) {
        reference::Reference::parse(image)?;
    }
    Ok(opts)
}
