//! The flags `run` and `create` share about the process, its environment and its
//! namespaces (`--tz`, `--umask`, `--sysctl`, `--pid`, `--device`, ...), parsed
//! into the engine's `Settings`; and those coracle takes only to refuse.

use crate::engine::containers::health::{self, HealthRequest, OnFailure};
use crate::engine::containers::settings::{self, Settings};
use crate::engine::oci::platform::Platform;
use crate::engine::runtime::devices::Device;
use crate::engine::runtime::environment::{EnvFlags, PROXY_VARIABLES};
use crate::engine::runtime::namespaces::{Kind, NamespaceMode};
use crate::engine::runtime::sysctl;
use anyhow::{bail, Context as _};
use std::path::PathBuf;

#[derive(clap::Args)]
pub struct SettingsArgs {
    /// Set the container's time zone: local (the host's) or a zone such as Europe/Berlin
    #[arg(long, value_name = "TIMEZONE")]
    tz: Option<String>,
    /// Set the process's umask (octal)
    #[arg(long)]
    umask: Option<String>,
    /// Set a namespaced kernel parameter: KEY=VALUE (net.*, fs.mqueue.*, kernel.shm*, kernel.msg*, kernel.sem)
    #[arg(long, value_name = "SYSCTL")]
    sysctl: Vec<String>,
    /// Size of /dev/shm: <number>[<unit>], unit b, k, m or g
    #[arg(long, value_name = "SIZE")]
    shm_size: Option<String>,
    /// PID namespace: private, host or container:NAME|ID
    #[arg(long, value_name = "MODE")]
    pid: Option<String>,
    /// IPC namespace: private, shareable, host, none or container:NAME|ID
    #[arg(long, value_name = "MODE")]
    ipc: Option<String>,
    /// UTS namespace: private, host or container:NAME|ID
    #[arg(long, value_name = "MODE")]
    uts: Option<String>,
    /// Cgroup namespace: private or host (default: host on cgroup v1, private on v2)
    #[arg(long, value_name = "MODE")]
    cgroupns: Option<String>,
    /// Add a supplementary group (name or gid), or keep-groups (keep the caller's)
    #[arg(long, value_name = "GROUP")]
    group_add: Vec<String>,
    /// Add a host device: HOST-PATH[:CONTAINER-PATH][:PERMISSIONS]
    #[arg(long, value_name = "DEVICE")]
    device: Vec<String>,
    /// Add an annotation to the container: KEY=VALUE
    #[arg(long, value_name = "KEY=VALUE")]
    annotation: Vec<String>,
    /// Read labels from a file, KEY=VALUE a line
    #[arg(long, value_name = "FILE")]
    label_file: Vec<PathBuf>,
    /// The execution domain: LINUX or LINUX32
    #[arg(long)]
    personality: Option<String>,
    /// With --read-only, mount writable tmpfs on /run, /tmp and /var/tmp
    #[arg(long, default_value_t = true, action = clap::ArgAction::Set, num_args = 0..=1, default_missing_value = "true")]
    read_only_tmpfs: bool,
    /// Seconds `stop` waits for the stop signal to work before killing (default 10)
    #[arg(long, value_name = "SECONDS")]
    stop_timeout: Option<u64>,
    /// Pass all the caller's environment variables on (under the image's)
    #[arg(long)]
    env_host: bool,
    /// Pass the caller's proxy variables on (http_proxy, https_proxy, ftp_proxy, no_proxy)
    #[arg(long, default_value_t = true, action = clap::ArgAction::Set, num_args = 0..=1, default_missing_value = "true")]
    http_proxy: bool,
    /// Set a variable from the image's: KEY=VALUE, $VAR and ${VAR} replaced
    #[arg(long, value_name = "KEY=VALUE")]
    env_merge: Vec<String>,
    /// Unset a default or image variable
    #[arg(long, value_name = "NAME")]
    unsetenv: Vec<String>,
    /// Unset all default and image variables
    #[arg(long)]
    unsetenv_all: bool,
    /// Directories that get the container's /etc/hosts and /etc/resolv.conf too
    #[arg(long, value_name = "DIR")]
    chrootdirs: Vec<String>,
    /// The init binary --init runs (default: coracle's own)
    #[arg(long, value_name = "PATH")]
    init_path: Option<PathBuf>,
    /// Add the host's account (name or uid) to the container's /etc/passwd
    #[arg(long, value_name = "USER")]
    hostuser: Vec<String>,
    /// Containers to start before this one (comma-separated, repeatable)
    #[arg(long, value_name = "CONTAINER", value_delimiter = ',')]
    requires: Vec<String>,
    #[command(flatten)]
    health: HealthArgs,
}

#[derive(clap::Args)]
pub struct HealthArgs {
    /// Set a healthcheck command for the container ('none' disables the existing healthcheck)
    #[arg(long, value_name = "COMMAND")]
    health_cmd: Option<String>,
    /// Set an interval for the healthchecks (a value of disable results in no automatic timer setup) (default "30s")
    #[arg(long, value_name = "DURATION")]
    health_interval: Option<String>,
    /// The maximum time allowed to complete the healthcheck before an interval is considered failed (default "30s")
    #[arg(long, value_name = "DURATION")]
    health_timeout: Option<String>,
    /// The number of retries allowed before a healthcheck is considered to be unhealthy (default 3)
    #[arg(long, value_name = "N")]
    health_retries: Option<u32>,
    /// The initialization time needed for a container to bootstrap (default "0s")
    #[arg(long, value_name = "DURATION", allow_hyphen_values = true)]
    health_start_period: Option<String>,
    /// Action to take once the container turns unhealthy: none, kill, restart or stop
    #[arg(long, value_name = "ACTION", default_value = "none")]
    health_on_failure: String,
    /// Disable healthchecks on container
    #[arg(long)]
    no_healthcheck: bool,
}

impl HealthArgs {
    fn plan(&self) -> anyhow::Result<HealthRequest> {
        let test = match (&self.health_cmd, self.no_healthcheck) {
            (Some(_), true) => bail!("cannot specify both --no-healthcheck and --health-cmd"),
            (Some(cmd), false) => Some(health::config::parse_command(cmd)?),
            (None, true) => Some(vec!["NONE".to_owned()]),
            (None, false) => None,
        };
        let parse = |text: &Option<String>, parser: fn(&str) -> Result<u64, _>| {
            text.as_deref().map(parser).transpose()
        };
        Ok(HealthRequest {
            test,
            interval: parse(&self.health_interval, health::config::parse_interval)?,
            timeout: parse(&self.health_timeout, health::config::parse_timeout)?,
            start_period: parse(
                &self.health_start_period,
                health::config::parse_start_period,
            )?,
            retries: self
                .health_retries
                .map(health::config::check_retries)
                .transpose()?,
            on_failure: OnFailure::parse(&self.health_on_failure)?,
        })
    }
}

impl SettingsArgs {
    pub fn plan(&self) -> anyhow::Result<Settings> {
        let mode = |kind, flag: &Option<String>| -> anyhow::Result<NamespaceMode> {
            Ok(NamespaceMode::parse(
                kind,
                flag.as_deref().unwrap_or_default(),
            )?)
        };
        let keep_groups = self.group_add.iter().any(|g| g == "keep-groups");
        let mut sysctls = Vec::new();
        for flag in &self.sysctl {
            let (key, value, _) = sysctl::parse(flag)?;
            sysctls.push((key, value));
        }
        let mut annotations = Vec::new();
        for a in &self.annotation {
            match a.split_once('=') {
                Some((k, v)) if !k.is_empty() => annotations.push((k.to_owned(), v.to_owned())),
                _ => bail!("annotations must be formatted KEY=VALUE"),
            }
        }
        Ok(Settings {
            timezone: self.tz.clone(),
            umask: self
                .umask
                .as_deref()
                .map(settings::parse_umask)
                .transpose()?,
            sysctls,
            shm_size: self
                .shm_size
                .as_deref()
                .map(|s| settings::parse_size("shm-size", s))
                .transpose()?,
            pid: mode(Kind::Pid, &self.pid)?,
            ipc: mode(Kind::Ipc, &self.ipc)?,
            uts: mode(Kind::Uts, &self.uts)?,
            cgroupns: self
                .cgroupns
                .as_ref()
                .map(|c| NamespaceMode::parse(Kind::Cgroup, c))
                .transpose()?,
            group_add: self
                .group_add
                .iter()
                .filter(|g| *g != "keep-groups")
                .cloned()
                .collect(),
            keep_groups,
            devices: self
                .device
                .iter()
                .map(|d| Device::parse(d))
                .collect::<Result<_, _>>()?,
            annotations,
            personality: self
                .personality
                .as_deref()
                .map(settings::parse_personality)
                .transpose()?,
            read_only_tmpfs: self.read_only_tmpfs,
            stop_timeout: self.stop_timeout,
            env: self.env_flags(),
            preserve_fds: 0,
            chrootdirs: self.chrootdirs.clone(),
            init_path: self.init_path.clone(),
            requires: self.requires.clone(),
            hostusers: self.hostuser.clone(),
            // From the resource flags (resource_flags.rs).
            resources: Default::default(),
            health: self.health.plan()?,
        })
    }

    /// The caller's variables that `--env-host` and `--http-proxy` pass on.
    fn env_flags(&self) -> EnvFlags {
        let host: Vec<String> = match self.env_host {
            true => std::env::vars().map(|(k, v)| format!("{k}={v}")).collect(),
            false => Vec::new(),
        };
        let proxy = match self.http_proxy {
            true => PROXY_VARIABLES
                .iter()
                .filter_map(|k| std::env::var(k).ok().map(|v| format!("{k}={v}")))
                .collect(),
            false => Vec::new(),
        };
        EnvFlags {
            host,
            proxy,
            unset: self.unsetenv.clone(),
            unset_all: self.unsetenv_all,
            merge: self.env_merge.clone(),
        }
    }

    /// `--label-file`s' labels, `KEY=VALUE` a line; blank lines and `#`
    /// comments skipped.
    pub fn file_labels(&self) -> anyhow::Result<Vec<String>> {
        let mut labels = Vec::new();
        for file in &self.label_file {
            let text = std::fs::read_to_string(file)
                .with_context(|| format!("cannot read label file {}", file.display()))?;
            labels.extend(
                text.lines()
                    .map(str::trim)
                    .filter(|l| !l.is_empty() && !l.starts_with('#'))
                    .map(str::to_owned),
            );
        }
        Ok(labels)
    }
}

// The flags about where the image comes from and how the container is run
// that coracle checks, honours where it can, and otherwise refuses.
#[derive(clap::Args)]
pub struct PullAndRunArgs {
    /// Pull the image for this platform: os/arch[/variant]
    #[arg(long)]
    platform: Option<String>,
    /// Pull the image for this architecture instead of the host's
    #[arg(long)]
    arch: Option<String>,
    /// Pull the image for this OS instead of the host's
    #[arg(long)]
    os: Option<String>,
    /// Pull the image for this architecture variant
    #[arg(long)]
    variant: Option<String>,
    /// Refused: coracle reads REGISTRY_AUTH_FILE and the default auth files
    #[arg(long, value_name = "PATH")]
    authfile: Option<PathBuf>,
    /// Attach to these streams only: stdin, stdout, stderr
    #[arg(short, long, value_name = "STREAM")]
    attach: Vec<String>,
    /// Run in systemd mode: true, false or always (ignored: coracle has no systemd
    /// mode, so the command runs as any other; always is refused)
    #[arg(long, default_value = "true", value_name = "MODE", value_parser = super::unsupported::ignored(clap::builder::StringValueParser::new()))]
    systemd: String,
    /// Where the seccomp profile comes from: default (refused: image)
    #[arg(long, default_value = "default", value_name = "POLICY")]
    seccomp_policy: String,
    /// Refused: use --userns=auto or keep-id
    #[arg(long, value_name = "MAP")]
    uidmap: Vec<String>,
    /// Refused: use --userns=auto or keep-id
    #[arg(long, value_name = "MAP")]
    gidmap: Vec<String>,
    /// Refused: use --userns=auto or keep-id
    #[arg(long, value_name = "NAME")]
    subuidname: Option<String>,
    /// Refused: use --userns=auto or keep-id
    #[arg(long, value_name = "NAME")]
    subgidname: Option<String>,
    /// Refused: import the directory as an image and run that
    #[arg(long)]
    rootfs: bool,
}

/// Which streams `-a` attaches: stdin, stdout, stderr.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Attached {
    pub stdin: bool,
    pub stdout: bool,
    pub stderr: bool,
}

impl Attached {
    pub const ALL: Attached = Attached {
        stdin: true,
        stdout: true,
        stderr: true,
    };
}

impl PullAndRunArgs {
    /// The platform to pull, from `--platform` or `--os`/`--arch`/`--variant`.
    pub fn platform(&self) -> anyhow::Result<Option<String>> {
        let parts = self.os.is_some() || self.arch.is_some() || self.variant.is_some();
        if self.platform.is_some() && parts {
            bail!("--platform option can only be specified if --arch and --os are not");
        }
        if let Some(p) = &self.platform {
            return Ok(Some(Platform::parse(p)?.to_string()));
        }
        if !parts {
            return Ok(None);
        }
        let host = Platform::host();
        let platform = Platform::new(
            self.os.as_deref().unwrap_or(&host.os),
            self.arch.as_deref().unwrap_or(&host.architecture),
            self.variant.as_deref(),
        );
        Ok(Some(platform.to_string()))
    }

    /// `-a`; none given is all three (stdin as `-i` says).
    pub fn attached(&self) -> anyhow::Result<Attached> {
        let mut on = Attached {
            stdin: self.attach.is_empty(),
            stdout: self.attach.is_empty(),
            stderr: self.attach.is_empty(),
        };
        for stream in &self.attach {
            match stream.to_ascii_lowercase().as_str() {
                "stdin" => on.stdin = true,
                "stdout" => on.stdout = true,
                "stderr" => on.stderr = true,
                _ => bail!(
                    "invalid stream {stream:?} for --attach - must be one of stdin, stdout, or stderr: invalid argument"
                ),
            }
        }
        Ok(on)
    }

    /// Refuses what coracle cannot do honestly; logs what it takes as a no-op.
    pub fn check(&self) -> anyhow::Result<()> {
        let refuse = |flag: &str, why: &str| -> anyhow::Result<()> {
            bail!("coracle does not support {flag}: {why}")
        };
        if self.authfile.is_some() {
            refuse(
                "--authfile",
                "set REGISTRY_AUTH_FILE=PATH, which coracle reads, or log in with `coracle login`",
            )?;
        }
        match self.systemd.as_str() {
            "true" | "false" => {}
            "always" => refuse("--systemd=always", "it has no systemd mode (tmpfs on /run and /tmp, a writable cgroup tree, SIGRTMIN+3 to stop); mount those with --tmpfs and give --stop-signal")?,
            _ => bail!("invalid config provided: --systemd values must be one of \"true, false, always\": invalid configuration"),
        }
        match self.seccomp_policy.as_str() {
            "default" => {}
            "image" => refuse("--seccomp-policy=image", "it does not read a profile from the image's annotations; give it with --security-opt seccomp=PROFILE.json")?,
            other => bail!("invalid seccomp policy {other:?}: valid policies are [\"default\" \"image\"]"),
        }
        let maps = !self.uidmap.is_empty() || !self.gidmap.is_empty();
        if maps || self.subuidname.is_some() || self.subgidname.is_some() {
            refuse("--uidmap, --gidmap, --subuidname or --subgidname", "give the container ids of its own with --userns=auto[:size=N], or yours with --userns=keep-id")?;
        }
        if self.rootfs {
            refuse("--rootfs", "import the directory as an image (tar -C DIR -c . | coracle import - NAME) and run that")?;
        }
        Ok(())
    }
}
