//! `build`'s flags beyond the Dockerfile's own: how RUN steps run, what the
//! result holds, and Podman's flags coracle accepts without acting on them (each
//! logged) or refuses (each with the reason).

use crate::engine::build::{
    epoch_time, BuildOutput, ImageStyle, NamedContext, ResultSettings, RunSettings, Squash,
};
use crate::engine::images::push::plan::ManifestFormat;
use crate::engine::net::names::NameOptions;
use crate::engine::registry::creds::Credentials;
use crate::engine::runtime::ulimit::Ulimit;
use crate::engine::volumes::parse;
use anyhow::{bail, Context as _};
use std::path::PathBuf;

#[derive(clap::Args)]
pub struct Flags {
    /// Add a line to RUN steps' /etc/hosts: NAME:IP
    #[arg(long, value_name = "HOST:IP")]
    add_host: Vec<String>,
    /// Add a capability to RUN steps (or ALL)
    #[arg(long, value_delimiter = ',')]
    cap_add: Vec<String>,
    /// Drop a capability from RUN steps (or ALL)
    #[arg(long, value_delimiter = ',')]
    cap_drop: Vec<String>,
    /// RUN steps' nameserver instead of the host's (repeatable)
    #[arg(long, value_name = "IP", value_delimiter = ',')]
    dns: Vec<String>,
    /// RUN steps' resolver option instead of the host's (repeatable)
    #[arg(long, value_name = "OPTION", value_delimiter = ',')]
    dns_option: Vec<String>,
    /// RUN steps' DNS search domain instead of the host's (repeatable)
    #[arg(long, value_name = "DOMAIN", value_delimiter = ',')]
    dns_search: Vec<String>,
    /// Leave the image's /etc/hosts as it is in RUN steps
    #[arg(long)]
    no_hosts: bool,
    /// RUN steps' security options: seccomp=unconfined, seccomp=PROFILE.json,
    /// no-new-privileges
    #[arg(long)]
    security_opt: Vec<String>,
    /// RUN steps' resource limit: NAME=SOFT[:HARD]
    #[arg(long, value_delimiter = ',')]
    ulimit: Vec<String>,
    /// Bind mount a host path (or a volume) into RUN steps: SOURCE:DEST[:OPTIONS]
    #[arg(short, long)]
    volume: Vec<String>,
    /// Set an environment variable in the image (KEY=VALUE, or KEY for the caller's value)
    #[arg(long, value_name = "KEY=VALUE")]
    env: Vec<String>,
    /// Remove an environment variable from the image
    #[arg(long, value_name = "KEY", value_delimiter = ',')]
    unsetenv: Vec<String>,
    /// Set an annotation on the image's manifest (KEY=VALUE)
    #[arg(long, value_name = "KEY=VALUE")]
    annotation: Vec<String>,
    /// The image's manifest and config format: oci or docker
    #[arg(long, default_value = "oci", value_parser = ["oci", "docker"])]
    format: String,
    /// The image's created time, in seconds since the epoch (for reproducible builds)
    #[arg(long, value_name = "SECONDS")]
    timestamp: Option<i64>,
    /// A required OS feature of the image, added to the base image's (NAME- removes one)
    #[arg(long, value_name = "FEATURE")]
    os_feature: Vec<String>,
    /// The required OS version of the image, instead of the base image's
    #[arg(long, value_name = "VERSION")]
    os_version: Option<String>,
    /// Leave the history out of the image
    #[arg(long)]
    omit_history: bool,
    /// A named source for COPY --from=NAME (and FROM NAME): NAME=DIR, or
    /// NAME=docker-image://IMAGE
    #[arg(long, value_name = "NAME=VALUE")]
    build_context: Vec<String>,
    /// Build on this image instead of the first FROM's
    #[arg(long, value_name = "IMAGE")]
    from: Option<String>,
    /// Read this ignore file instead of the context's .containerignore or .dockerignore
    #[arg(long, value_name = "FILE")]
    ignorefile: Option<PathBuf>,
    /// Use and fill the step cache (false: neither)
    #[arg(long, default_value_t = true, action = clap::ArgAction::Set, num_args = 0..=1, default_missing_value = "true")]
    layers: bool,
    /// Write the result's files out too: DIR, type=local,dest=DIR or type=tar,dest=FILE
    #[arg(short, long, value_name = "OUTPUT")]
    output: Option<String>,
    /// Pull base images with these credentials: USERNAME:PASSWORD
    #[arg(long, value_name = "USERNAME:PASSWORD")]
    creds: Option<String>,
    /// Pass stdin into RUN steps
    #[arg(long)]
    stdin: bool,
    /// Write what would go to stdout and stderr to this file instead
    #[arg(long, value_name = "FILE")]
    logfile: Option<PathBuf>,
    /// Make the layers the build adds one layer
    #[arg(long, conflicts_with = "squash_all")]
    squash: bool,
    /// Make all the image's layers one layer
    #[arg(long)]
    squash_all: bool,
    /// The image's OS
    #[arg(long)]
    os: Option<String>,
    /// The image's architecture
    #[arg(long)]
    arch: Option<String>,
    /// The image's architecture variant
    #[arg(long)]
    variant: Option<String>,
    #[command(flatten)]
    ignored: Ignored,
    #[command(flatten)]
    refused: Refused,
}

// Podman's flags that change nothing here: those ignored whatever their value say
// why in their help (unsupported.rs), the rest in the debug log when given.
#[derive(clap::Args)]
struct Ignored {
    /// Remove RUN steps' containers, even after a failure (always done)
    #[arg(long, default_value_t = true, action = clap::ArgAction::Set, num_args = 0..=1, default_missing_value = "true")]
    force_rm: bool,
    /// Remove RUN steps' containers after a successful build (always done)
    #[arg(long, default_value_t = true, action = clap::ArgAction::Set, num_args = 0..=1, default_missing_value = "true")]
    rm: bool,
    /// Compress tarballs (ignored: a legacy option with no effect)
    #[arg(long, value_parser = super::unsupported::ignored(clap::builder::BoolValueParser::new()))]
    compress: bool,
    /// Do not compress layers (they are stored uncompressed; push compresses)
    #[arg(short = 'D', long, default_value_t = true, action = clap::ArgAction::Set, num_args = 0..=1, default_missing_value = "true")]
    disable_compression: bool,
    /// Docker's content trust (ignored: Docker's option, with no effect)
    #[arg(long, value_parser = super::unsupported::ignored(clap::builder::BoolValueParser::new()))]
    disable_content_trust: bool,
    /// Process isolation: oci, chroot or rootless (ignored: RUN steps run as
    /// `coracle run` runs containers)
    #[arg(long, value_parser = super::unsupported::ignored(clap::builder::PossibleValuesParser::new(["oci", "chroot", "rootless"])))]
    isolation: Option<String>,
    /// Stages to build in parallel (ignored: stages are built one at a time)
    #[arg(long, value_parser = super::unsupported::ignored(clap::value_parser!(u32)))]
    jobs: Option<u32>,
    /// Times to retry a failed pull (ignored: a base image's pull is tried once)
    #[arg(long, value_parser = super::unsupported::ignored(clap::value_parser!(u32)))]
    retry: Option<u32>,
    /// Delay between pull retries (ignored: a base image's pull is tried once)
    #[arg(long, value_name = "DURATION", value_parser = super::unsupported::ignored(clap::builder::StringValueParser::new()))]
    retry_delay: Option<String>,
    /// A registry to use as a cache source (ignored: the step cache is local)
    #[arg(long, value_parser = super::unsupported::ignored(clap::builder::StringValueParser::new()))]
    cache_from: Option<String>,
    /// A registry to use as a cache destination (ignored: the step cache is local)
    #[arg(long, value_parser = super::unsupported::ignored(clap::builder::StringValueParser::new()))]
    cache_to: Option<String>,
    /// Only cache images under this age (ignored: cached steps stay until
    /// `coracle builder prune`)
    #[arg(long, value_parser = super::unsupported::ignored(clap::builder::StringValueParser::new()))]
    cache_ttl: Option<String>,
    /// Skip stages the target does not need (always done)
    #[arg(long, default_value_t = true, action = clap::ArgAction::Set, num_args = 0..=1, default_missing_value = "true")]
    skip_unused_stages: bool,
    /// Add Podman's identity label (coracle adds none)
    #[arg(long, action = clap::ArgAction::Set, num_args = 0..=1, default_missing_value = "true")]
    identity_label: Option<bool>,
    /// Pass the caller's proxy variables to RUN steps
    #[arg(long, default_value_t = true, action = clap::ArgAction::Set, num_args = 0..=1, default_missing_value = "true")]
    http_proxy: bool,
    /// OCI hooks directory (ignored: coracle runs no OCI hooks)
    #[arg(long, value_parser = super::unsupported::ignored(clap::builder::StringValueParser::new()))]
    hooks_dir: Vec<String>,
    /// Global flags for the OCI runtime (ignored: the runtime is built in)
    #[arg(long, allow_hyphen_values = true, value_parser = super::unsupported::ignored(clap::builder::StringValueParser::new()))]
    runtime_flag: Vec<String>,
    /// Size of RUN steps' /dev/shm (ignored: RUN steps get the runtime's /dev/shm)
    #[arg(long, value_name = "SIZE", value_parser = super::unsupported::ignored(clap::builder::StringValueParser::new()))]
    shm_size: Option<String>,
    /// Split the log file by platform (ignored: one platform is built)
    #[arg(long, value_parser = super::unsupported::ignored(clap::builder::BoolValueParser::new()))]
    logsplit: bool,
    /// RUN steps' PID namespace (ignored: RUN steps have their own PID namespace)
    #[arg(long, value_parser = super::unsupported::ignored(clap::builder::StringValueParser::new()))]
    pid: Option<String>,
    /// RUN steps' IPC namespace (ignored: RUN steps have their own IPC namespace)
    #[arg(long, value_parser = super::unsupported::ignored(clap::builder::StringValueParser::new()))]
    ipc: Option<String>,
    /// RUN steps' UTS namespace (ignored: RUN steps have their own UTS namespace)
    #[arg(long, value_parser = super::unsupported::ignored(clap::builder::StringValueParser::new()))]
    uts: Option<String>,
    /// RUN steps' cgroup namespace (ignored: RUN steps share coracle's cgroup
    /// namespace)
    #[arg(long, value_parser = super::unsupported::ignored(clap::builder::StringValueParser::new()))]
    cgroupns: Option<String>,
    /// RUN steps' user namespace (ignored: RUN steps run in coracle's user
    /// namespace)
    #[arg(long, value_parser = super::unsupported::ignored(clap::builder::StringValueParser::new()))]
    userns: Option<String>,
}

// Podman's flags coracle refuses, rather than build something else than asked.
#[derive(clap::Args)]
struct Refused {
    /// Build for every platform of the base image (refused: no emulation)
    #[arg(long)]
    all_platforms: bool,
    /// Authentication file for pulls (refused: `coracle login`'s is used)
    #[arg(long)]
    authfile: Option<String>,
    /// Certificates for pulls (refused)
    #[arg(long)]
    cert_dir: Option<String>,
    /// Key to decrypt images (refused)
    #[arg(long)]
    decryption_key: Vec<String>,
    /// Sign the image (refused)
    #[arg(long)]
    sign_by: Option<String>,
    /// Flags for cpp on a Containerfile.in (refused)
    #[arg(long, allow_hyphen_values = true)]
    cpp_flag: Vec<String>,
    /// SSH agent sockets or keys for RUN steps (refused)
    #[arg(long)]
    ssh: Vec<String>,
    /// Add the image to a manifest list (refused)
    #[arg(long)]
    manifest: Option<String>,
    /// RUN steps' user namespace uid mapping (refused)
    #[arg(long)]
    userns_uid_map: Vec<String>,
    /// RUN steps' user namespace gid mapping (refused)
    #[arg(long)]
    userns_gid_map: Vec<String>,
    /// /etc/subuid entries for RUN steps' mapping (refused)
    #[arg(long)]
    userns_uid_map_user: Option<String>,
    /// /etc/subgid entries for RUN steps' mapping (refused)
    #[arg(long)]
    userns_gid_map_group: Option<String>,
}

impl Flags {
    /// RUN steps' settings, every value checked.
    pub fn run(&self) -> anyhow::Result<RunSettings> {
        let (seccomp, no_new_privileges) = super::create::security_opts(&self.security_opt)?;
        Ok(RunSettings {
            names: NameOptions::parse(
                &self.dns,
                &self.dns_search,
                &self.dns_option,
                &self.add_host,
                self.no_hosts,
            )?,
            cap_add: self.cap_add.clone(),
            cap_drop: self.cap_drop.clone(),
            seccomp,
            no_new_privileges,
            ulimits: self
                .ulimit
                .iter()
                .map(|u| Ulimit::parse(u))
                .collect::<Result<_, _>>()?,
            mounts: self
                .volume
                .iter()
                .map(|v| parse::volume_flag(v))
                .collect::<Result<_, _>>()?,
        })
    }

    /// What the result holds, and how the build's images are written.
    pub fn result(&self) -> anyhow::Result<ResultSettings> {
        let env = super::create::env_flags(&self.env, &[])?
            .into_iter()
            .map(|e| match e.split_once('=') {
                Some((k, v)) => (k.to_owned(), v.to_owned()),
                None => (e, String::new()),
            })
            .collect();
        let created = self
            .timestamp
            .map(|t| epoch_time(t).with_context(|| format!("--timestamp {t}: out of range")))
            .transpose()?;
        Ok(ResultSettings {
            env,
            unsetenv: self.unsetenv.clone(),
            omit_history: self.omit_history,
            os_version: self.os_version.clone(),
            os_features: self.os_feature.clone(),
            style: ImageStyle {
                format: match self.format.as_str() {
                    "docker" => ManifestFormat::V2s2,
                    _ => ManifestFormat::Oci,
                },
                annotations: super::key_values(&self.annotation),
                created,
            },
        })
    }

    /// `--build-context`s; a directory must be there.
    pub fn named_contexts(&self) -> anyhow::Result<Vec<(String, NamedContext)>> {
        let mut named = Vec::new();
        for flag in &self.build_context {
            let (name, value) = flag
                .split_once('=')
                .filter(|(n, v)| !n.is_empty() && !v.is_empty())
                .with_context(|| format!("--build-context {flag:?}: give NAME=VALUE"))?;
            let context = value
                .parse::<NamedContext>()
                .map_err(|e| anyhow::anyhow!("--build-context {e}"))?;
            if let NamedContext::Dir(dir) = &context {
                if !dir.is_dir() {
                    bail!(
                        "--build-context {flag:?}: {} is not a directory",
                        dir.display()
                    );
                }
            }
            named.push((name.to_owned(), context));
        }
        Ok(named)
    }

    pub fn from(&self) -> Option<String> {
        self.from.clone()
    }

    pub fn ignorefile(&self) -> Option<PathBuf> {
        self.ignorefile.clone()
    }

    pub fn output(&self) -> anyhow::Result<Option<BuildOutput>> {
        let parsed = self.output.as_deref().map(str::parse::<BuildOutput>);
        parsed.transpose().map_err(anyhow::Error::msg)
    }

    /// `--logfile`: stdout and stderr (the steps, RUN output, errors, the image
    /// ID) go to the file from here on.
    pub fn redirect_to_logfile(&self) -> anyhow::Result<()> {
        use std::os::fd::AsRawFd;
        let Some(path) = &self.logfile else {
            return Ok(());
        };
        let file = std::fs::File::create(path)
            .with_context(|| format!("cannot create the log file {}", path.display()))?;
        for fd in [1, 2] {
            nix::unistd::dup2(file.as_raw_fd(), fd)
                .with_context(|| format!("cannot log to {}", path.display()))?;
        }
        Ok(())
    }

    pub fn credentials(&self) -> anyhow::Result<Option<Credentials>> {
        self.creds
            .as_deref()
            .map(super::push::parse_creds)
            .transpose()
    }

    pub fn stdin(&self) -> bool {
        self.stdin
    }

    pub fn squash(&self) -> Squash {
        match (self.squash, self.squash_all) {
            (_, true) => Squash::All,
            (true, _) => Squash::New,
            _ => Squash::No,
        }
    }

    pub fn layers(&self) -> bool {
        self.layers
    }

    /// `--platform`, or one made of `--os`, `--arch` and `--variant` (each
    /// replacing its part of the host's).
    pub fn platform(&self, platform: Option<&str>) -> anyhow::Result<Option<String>> {
        if self.os.is_none() && self.arch.is_none() && self.variant.is_none() {
            return Ok(platform.map(str::to_owned));
        }
        if platform.is_some() {
            bail!("--platform and --os, --arch or --variant cannot be used together");
        }
        let host = crate::engine::oci::platform::Platform::host();
        let os = self.os.clone().unwrap_or(host.os);
        let arch = self.arch.clone().unwrap_or(host.architecture);
        Ok(Some(match &self.variant {
            Some(v) => format!("{os}/{arch}/{v}"),
            None => format!("{os}/{arch}"),
        }))
    }

    /// Refuses what coracle cannot do, and logs what it accepts without acting on.
    pub fn check(&self) -> anyhow::Result<()> {
        self.refused.check()?;
        self.ignored.check()?;
        self.ignored.log();
        Ok(())
    }
}

/// Podman's `<number>[<unit>]`.
fn is_size(text: &str) -> bool {
    let digits = text.trim_end_matches(|c: char| "bkmgBKMG".contains(c));
    !digits.is_empty() && text.len() - digits.len() <= 1 && digits.parse::<u64>().is_ok()
}

/// `coracle does not support --FLAG: WHY`, Podman's exit code 125.
fn refuse(flag: &str, why: &str) -> anyhow::Result<()> {
    bail!("coracle does not support {flag}: {why}")
}

impl Refused {
    fn check(&self) -> anyhow::Result<()> {
        let r = self;
        let refusals: [(bool, &str, &str); 12] = [
            (r.all_platforms, "--all-platforms", "RUN steps cannot run for other architectures here (no emulation); build with --platform for the host's"),
            (r.authfile.is_some(), "--authfile", "base images are pulled with the credentials `coracle login` stored"),
            (r.cert_dir.is_some(), "--cert-dir", "pulls trust the system's certificates"),
            (!r.decryption_key.is_empty(), "--decryption-key", "encrypted images cannot be pulled"),
            (r.sign_by.is_some(), "--sign-by", "images are not signed"),
            (!r.cpp_flag.is_empty(), "--cpp-flag", "Containerfile.in is not preprocessed"),
            (!r.ssh.is_empty(), "--ssh", "RUN steps get no SSH agent"),
            (r.manifest.is_some(), "--manifest", "build the image, then add it with `coracle manifest add`"),
            (!r.userns_uid_map.is_empty(), "--userns-uid-map", "RUN steps run in coracle's user namespace"),
            (!r.userns_gid_map.is_empty(), "--userns-gid-map", "RUN steps run in coracle's user namespace"),
            (r.userns_uid_map_user.is_some(), "--userns-uid-map-user", "RUN steps run in coracle's user namespace"),
            (r.userns_gid_map_group.is_some(), "--userns-gid-map-group", "RUN steps run in coracle's user namespace"),
        ];
        match refusals.iter().find(|(given, ..)| *given) {
            Some((_, flag, why)) => refuse(flag, why),
            None => Ok(()),
        }
    }
}

impl Ignored {
    /// Namespace flags: what RUN steps get anyway is accepted; anything else
    /// would be a different build.
    fn check(&self) -> anyhow::Result<()> {
        let namespaces = [
            ("--pid", &self.pid, "private"),
            ("--ipc", &self.ipc, "private"),
            ("--uts", &self.uts, "private"),
            ("--cgroupns", &self.cgroupns, "host"),
            ("--userns", &self.userns, "host"),
        ];
        for (flag, value, own) in namespaces {
            match value.as_deref() {
                None | Some("") => {}
                Some(v) if v == own => {}
                Some(v) => refuse(
                    &format!("{flag}={v}"),
                    &format!("RUN steps always run with a {own} namespace"),
                )?,
            }
        }
        if let Some(size) = self.shm_size.as_deref().filter(|s| !is_size(s)) {
            bail!("invalid --shm-size {size:?}: give <number>[<unit>], unit b, k, m or g");
        }
        Ok(())
    }

    fn log(&self) {
        let i = self;
        let ignored = [
            (
                !i.force_rm,
                "--force-rm=false",
                "RUN steps' containers are always removed",
            ),
            (
                !i.rm,
                "--rm=false",
                "RUN steps' containers are always removed",
            ),
            (
                !i.disable_compression,
                "--disable-compression=false",
                "layers are stored uncompressed and compressed when pushed",
            ),
            (
                !i.skip_unused_stages,
                "--skip-unused-stages=false",
                "stages the target does not need are always skipped",
            ),
            (
                i.identity_label == Some(true),
                "--identity-label",
                "coracle adds no identity label",
            ),
            (
                !i.http_proxy,
                "--http-proxy=false",
                "only proxy build args reach RUN steps",
            ),
        ];
        for (_, flag, why) in ignored.iter().filter(|(given, ..)| *given) {
            log::debug!("build {flag} accepted and ignored: {why}");
        }
    }
}
