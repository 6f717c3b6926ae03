//! Podman's global flags beyond the store's paths: the ones coracle maps, the ones
//! it takes and ignores, and the ones it refuses (see `unsupported`).

use super::unsupported::{ignored, refused};
use anyhow::Context as _;
use clap::builder::{BoolValueParser, PossibleValuesParser, StringValueParser};
use std::os::fd::AsRawFd;
use std::path::PathBuf;

/// `--hooks-dir`, `--runtime-flag` and `--ssh` are taken before the subcommand
/// only: `build` has flags of its own by those names, which in Podman shadow these.
#[derive(clap::Args)]
#[command(next_help_heading = "Global Options")]
pub struct Globals {
    /// Do not output to stdout
    #[arg(long, global = true)]
    noout: bool,
    /// Send output (stdout) to this file instead
    #[arg(long, global = true, value_name = "FILE")]
    out: Option<PathBuf>,
    /// Access the API service: --url, or else the run root's coracle.sock
    #[arg(short, long, global = true)]
    pub remote: bool,
    /// Cgroup manager to use (ignored: coracle's containers are made by libcontainer,
    /// which picks the cgroup manager the host has)
    #[arg(long, global = true, value_name = "MANAGER",
          value_parser = ignored(PossibleValuesParser::new(["cgroupfs", "systemd"])))]
    cgroup_manager: Option<String>,
    /// Path of the conmon binary (ignored: coracle's own monitor process does
    /// conmon's work)
    #[arg(long, global = true, value_name = "PATH", value_parser = ignored(StringValueParser::new()))]
    conmon: Option<String>,
    /// Connection to use for remote service (unsupported: coracle has no named
    /// connections; use --url unix:///PATH)
    #[arg(long, global = true, value_name = "NAME", value_parser = refused(StringValueParser::new()))]
    connection: Option<String>,
    /// Events backend to use (ignored: coracle always records events in its own
    /// log file under the run root)
    #[arg(long, global = true, value_name = "BACKEND",
          value_parser = ignored(PossibleValuesParser::new(["file", "journald", "none"])))]
    events_backend: Option<String>,
    /// Set the OCI hooks directory path (unsupported: coracle runs no OCI hooks)
    #[arg(long, value_name = "DIR", value_parser = refused(StringValueParser::new()))]
    hooks_dir: Vec<String>,
    /// Path to SSH identity file (ignored: only ssh:// connections use it, and
    /// --url takes unix:// only)
    #[arg(long, global = true, value_name = "PATH", value_parser = ignored(StringValueParser::new()))]
    identity: Option<String>,
    /// Set the libpod namespace (unsupported: coracle has no namespaces that
    /// separate views of the store)
    #[arg(long, global = true, value_name = "NAME", value_parser = refused(StringValueParser::new()))]
    namespace: Option<String>,
    /// Path to the command for configuring the network (unsupported: coracle finds
    /// pasta or slirp4netns on PATH)
    #[arg(long, global = true, value_name = "PATH", value_parser = refused(StringValueParser::new()))]
    network_cmd_path: Option<String>,
    /// Path of the configuration directory for networks (unsupported: coracle keeps
    /// networks in its store)
    #[arg(long, global = true, value_name = "DIR", value_parser = refused(StringValueParser::new()))]
    network_config_dir: Option<String>,
    /// Path of the OCI runtime binary (unsupported: coracle runs containers with
    /// libcontainer in its own process, not an OCI runtime binary)
    #[arg(long, global = true, value_name = "PATH", value_parser = refused(StringValueParser::new()))]
    runtime: Option<String>,
    /// Add global flags for the container runtime (unsupported: coracle calls no OCI
    /// runtime binary)
    #[arg(long, value_name = "FLAG", value_parser = refused(StringValueParser::new()))]
    runtime_flag: Vec<String>,
    /// Define the ssh mode (ignored: --url takes unix:// only)
    #[arg(long, value_name = "MODE",
          value_parser = ignored(PossibleValuesParser::new(["golang", "native"])))]
    ssh: Option<String>,
    /// Pass an option to the storage driver (ignored: coracle's overlay store takes
    /// no options)
    #[arg(long, global = true, value_name = "OPTION", value_parser = ignored(StringValueParser::new()))]
    storage_opt: Vec<String>,
    /// Output logging information to syslog as well (ignored: coracle logs to stderr
    /// only)
    #[arg(long, global = true, value_parser = ignored(BoolValueParser::new()))]
    syslog: bool,
    /// Path to the tmp directory for libpod state (ignored: coracle keeps its state
    /// under --runroot)
    #[arg(long, global = true, value_name = "DIR", value_parser = ignored(StringValueParser::new()))]
    tmpdir: Option<String>,
    /// Keep container state in the run root only (ignored: coracle's store already
    /// survives a crash without repair)
    #[arg(long, global = true, value_parser = ignored(BoolValueParser::new()))]
    transient_store: bool,
    /// Path of a separate image store (unsupported: coracle keeps images and
    /// containers in one store, --root)
    #[arg(long, global = true, value_name = "DIR", value_parser = refused(StringValueParser::new()))]
    imagestore: Option<String>,
    /// Load a containers.conf module (unsupported: coracle reads containers.conf from its usual files and CONTAINERS_CONF only)
    #[arg(long, global = true, value_name = "PATH", value_parser = refused(StringValueParser::new()))]
    module: Vec<String>,
    /// Path of the volume directory (unsupported: coracle keeps volumes under --root)
    #[arg(long, global = true, value_name = "DIR", value_parser = refused(StringValueParser::new()))]
    volumepath: Option<String>,
}

impl Globals {
    /// Points this process's stdout where --noout or --out say, before anything
    /// prints, so every command and the containers it attaches to follow.
    pub fn redirect_stdout(&self) -> anyhow::Result<()> {
        let target = match (&self.out, self.noout) {
            (_, true) => PathBuf::from("/dev/null"),
            (Some(out), false) => out.clone(),
            (None, false) => return Ok(()),
        };
        let file = std::fs::OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .open(&target)
            .with_context(|| format!("cannot open {}", target.display()))?;
        nix::unistd::dup2(file.as_raw_fd(), libc::STDOUT_FILENO)
            .with_context(|| format!("cannot send stdout to {}", target.display()))?;
        Ok(())
    }
}
