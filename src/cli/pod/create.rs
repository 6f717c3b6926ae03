//! `pod create`.

use crate::engine::interface::Engine;
use crate::engine::net::attachments;
use crate::engine::pods::create::{parse_share, DEFAULT_SHARE};
use crate::engine::pods::PodCreateOptions;
use clap::builder::BoolValueParser;

#[derive(clap::Args)]
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
    #[arg(long)]
    hostname: Option<String>,
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
        labels: super::super::key_values(&args.label),
        publish: args
            .publish
            .iter()
            .map(|p| p.parse())
            .collect::<Result<_, _>>()?,
        network: attachments::from_flags(&args.network, &[], None)?,
        share,
        infra,
        hostname: args.hostname,
        create_command: std::env::args().collect(),
    };
    println!("{}", engine.create_pod(&opts)?);
    Ok(())
}
