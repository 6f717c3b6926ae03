//! `pod create`.

use crate::engine::interface::Engine;
use crate::engine::net::attachments;
use crate::engine::net::names::NameOptions;
use crate::engine::pods::create::{parse_share, DEFAULT_SHARE};
use crate::engine::pods::PodCreateOptions;
use clap::builder::BoolValueParser;

#[derive(clap::Args)]
#[command(disable_help_flag = true)]
pub struct Args {
    /// Assign a name to the pod (default: a generated one)
    #[arg(short, long)]
    name: Option<String>,
    /// Publish a port of the pod's on the host: [[IP:][HOSTPORT]:]CTRPORT[/tcp|udp]
    #[arg(short, long)]
    publish: Vec<String>,
    /// The pod's network: pasta, slirp4netns, host, none, or network names
    #[arg(long = "network", visible_alias = "net")]
    network: Vec<String>,
    /// Kernel namespaces the pod's containers share: ipc, net, pid, uts or
    /// none (+KIND adds to the default)
    #[arg(long, default_value = DEFAULT_SHARE)]
    share: String,
    /// Set metadata on the pod (KEY=VALUE)
    #[arg(short, long)]
    label: Vec<String>,
    /// Create an infra container, which holds the shared namespaces
    #[arg(long, default_value_t = true, value_parser = BoolValueParser::new(), action = clap::ArgAction::Set, num_args = 0..=1, default_missing_value = "true")]
    infra: bool,
    /// The pod's hostname (default: its name)
    #[arg(short, long)]
    hostname: Option<String>,
    /// Read labels from a file of KEY=VALUE lines
    #[arg(long, value_name = "FILE")]
    label_file: Vec<std::path::PathBuf>,
    /// Print help (-h is --hostname, as in Podman)
    #[arg(long, action = clap::ArgAction::Help)]
    help: Option<bool>,
    /// If a pod of the same name exists, remove it (and its containers) first
    #[arg(long)]
    replace: bool,
    /// What becomes of the infra once the last other container exits: continue or stop
    #[arg(long, default_value = "continue", value_name = "POLICY")]
    exit_policy: String,
    /// Another name for the pod on its networks (repeatable)
    #[arg(long, value_name = "ALIAS")]
    network_alias: Vec<String>,
    /// The pod's address on its one network
    #[arg(long)]
    ip: Option<String>,
    /// Use this nameserver in the pod instead of the host's (repeatable)
    #[arg(long, value_name = "IP")]
    dns: Vec<String>,
    /// Use this DNS search domain in the pod instead of the host's ('.' for none; repeatable)
    #[arg(long, value_name = "DOMAIN")]
    dns_search: Vec<String>,
    /// Set a resolver option in the pod instead of the host's, as ndots:2 (repeatable)
    #[arg(long, alias = "dns-opt", value_name = "OPTION")]
    dns_option: Vec<String>,
    /// Add a line to the pod's /etc/hosts: NAME:IP (IP may be host-gateway: the host)
    #[arg(long, value_name = "HOST:IP")]
    add_host: Vec<String>,
    /// Leave the image's /etc/hosts as it is in the pod's containers
    #[arg(long)]
    no_hosts: bool,
    /// The pod's name, as --name
    #[arg(value_name = "NAME", conflicts_with = "name")]
    positional_name: Option<String>,
}

pub fn exec(engine: &dyn Engine, args: Args) -> anyhow::Result<()> {
    let infra = args.infra;
    // Podman's words: without an infra, nothing can be shared.
    let share = match parse_share(&args.share)? {
        kinds if !infra && args.share != DEFAULT_SHARE && !kinds.is_empty() => {
            anyhow::bail!(
                "cannot set share({}) namespaces without an infra container",
                kinds.join(",")
            )
        }
        kinds => kinds,
    };
    let opts = PodCreateOptions {
        name: args.name.or(args.positional_name),
        labels: super::super::key_values(&[label_files(&args.label_file)?, args.label].concat()),
        publish: args
            .publish
            .iter()
            .map(|p| p.parse())
            .collect::<Result<_, _>>()?,
        network: attachments::from_flags(&args.network, &args.network_alias, args.ip.as_deref())?,
        share,
        infra,
        hostname: args.hostname,
        create_command: std::env::args().collect(),
        replace: args.replace,
        exit_policy: args.exit_policy.parse()?,
        names: NameOptions::parse(
            &args.dns,
            &args.dns_search,
            &args.dns_option,
            &args.add_host,
            args.no_hosts,
        )?,
    };
    println!("{}", engine.create_pod(&opts)?);
    Ok(())
}

/// The KEY=VALUE lines of each file (blank lines and comments skipped).
pub(super) fn label_files(files: &[std::path::PathBuf]) -> anyhow::Result<Vec<String>> {
    let mut labels = Vec::new();
    for file in files {
        let text = std::fs::read_to_string(file)
            .map_err(|e| anyhow::anyhow!("cannot read the label file {}: {e}", file.display()))?;
        labels.extend(
            text.lines()
                .map(str::trim)
                .filter(|l| !l.is_empty() && !l.starts_with('#'))
                .map(str::to_owned),
        );
    }
    Ok(labels)
}
