//! `coracle network create|ls|inspect|rm|prune|exists|connect|disconnect`, as
//! Podman's.

use super::network_show::{inspect, list, InspectArgs, ListArgs};
use crate::engine::interface::Engine;
use crate::engine::networks::remove::check_prune_filters;
use crate::engine::networks::{ConnectOptions, CreateOptions};
use crate::engine::ErrorKind;
use std::time::Duration;

#[derive(clap::Subcommand)]
#[command(defer = true)]
pub enum NetworkCommand {
    /// Create a network
    Create(CreateArgs),
    /// List networks
    #[command(visible_alias = "list")]
    Ls(ListArgs),
    /// Display detailed information on one or more networks
    Inspect(InspectArgs),
    /// Remove one or more networks
    #[command(visible_alias = "remove")]
    Rm(RmArgs),
    /// Remove the networks no container is on
    Prune(PruneArgs),
    /// Check whether a network exists (exit 0) or not (exit 1)
    Exists(ExistsArgs),
    /// Add container to a network
    Connect(ConnectArgs),
    /// Remove container from a network
    Disconnect(DisconnectArgs),
}

#[derive(clap::Args)]
pub struct CreateArgs {
    /// Driver: only bridge
    #[arg(short, long)]
    driver: Option<String>,
    /// Subnet in CIDR notation (default: the first free 10.89.N.0/24)
    #[arg(long)]
    subnet: Option<String>,
    /// Gateway of the subnet (default: its first address)
    #[arg(long)]
    gateway: Option<String>,
    /// Hand out addresses only from this range, in CIDR notation, inside the subnet
    #[arg(long, value_name = "CIDR")]
    ip_range: Option<String>,
    /// No way out of the network: containers reach only each other
    #[arg(long)]
    internal: bool,
    /// Containers on the network do not resolve each other's names
    #[arg(long)]
    disable_dns: bool,
    /// Set metadata on the network (KEY=VALUE)
    #[arg(long)]
    label: Vec<String>,
    /// Driver option: mtu=BYTES
    #[arg(short, long = "opt", value_name = "KEY=VALUE")]
    opts: Vec<String>,
    /// The network's name (default: podmanN)
    name: Option<String>,
}

#[derive(clap::Args)]
pub struct RmArgs {
    /// Remove the containers on the network too (running ones are stopped)
    #[arg(short, long)]
    force: bool,
    /// Seconds to wait for running containers to stop before killing them
    #[arg(short, long, value_name = "SECONDS")]
    time: Option<u64>,
    #[arg(required = true, value_name = "NETWORK")]
    networks: Vec<String>,
}

#[derive(clap::Args)]
pub struct PruneArgs {
    /// Do not ask for confirmation
    #[arg(short, long)]
    force: bool,
    /// Only networks matching: label=KEY[=VALUE], until=TIME
    #[arg(long = "filter", value_name = "FILTER")]
    filters: Vec<String>,
}

#[derive(clap::Args)]
pub struct ExistsArgs {
    network: String,
}

#[derive(clap::Args)]
pub struct ConnectArgs {
    /// Network scoped alias for the container (repeatable)
    #[arg(long = "alias", value_name = "ALIAS")]
    aliases: Vec<String>,
    /// A static address for the container on this network
    #[arg(long)]
    ip: Option<String>,
    network: String,
    container: String,
}

#[derive(clap::Args)]
pub struct DisconnectArgs {
    /// Leave the network in the container's record even if its running side
    /// cannot be reached
    #[arg(short, long)]
    force: bool,
    network: String,
    container: String,
}

pub fn exec(engine: &dyn Engine, cmd: NetworkCommand) -> anyhow::Result<()> {
    match cmd {
        NetworkCommand::Create(args) => create(engine, args),
        NetworkCommand::Ls(args) => list(engine, args),
        NetworkCommand::Inspect(args) => inspect(engine, args),
        NetworkCommand::Rm(args) => remove(engine, args),
        NetworkCommand::Prune(args) => prune(engine, args),
        NetworkCommand::Exists(args) => exists(engine, args),
        NetworkCommand::Connect(args) => connect(engine, args),
        NetworkCommand::Disconnect(args) => {
            engine.disconnect_network(&args.network, &args.container, args.force)?;
            Ok(())
        }
    }
}

fn connect(engine: &dyn Engine, args: ConnectArgs) -> anyhow::Result<()> {
    let opts = ConnectOptions {
        network: args.network,
        container: args.container,
        aliases: args.aliases,
        ip: args.ip,
    };
    Ok(engine.connect_network(&opts)?)
}

fn create(engine: &dyn Engine, args: CreateArgs) -> anyhow::Result<()> {
    let opts = CreateOptions {
        name: args.name,
        driver: args.driver,
        subnet: args.subnet,
        gateway: args.gateway,
        ip_range: args.ip_range,
        internal: args.internal,
        disable_dns: args.disable_dns,
        labels: super::key_values(&args.label),
        options: super::key_values(&args.opts),
    };
    println!("{}", engine.create_network(&opts)?.name);
    Ok(())
}

/// Podman's codes, as `rm`'s: 1 when a network is unknown, 2 when one is in use.
fn remove(engine: &dyn Engine, args: RmArgs) -> anyhow::Result<()> {
    let results = engine.remove_networks(
        &args.networks,
        args.force,
        args.time.map(Duration::from_secs),
    )?;
    super::rm::report(&args.networks, results)
}

fn prune(engine: &dyn Engine, args: PruneArgs) -> anyhow::Result<()> {
    check_prune_filters(&args.filters)?;
    super::prune::unused("networks", args.force, || {
        engine.prune_networks(&args.filters)
    })
}

fn exists(engine: &dyn Engine, args: ExistsArgs) -> anyhow::Result<()> {
    match engine.inspect_network(&args.network) {
        Ok(_) => Ok(()),
        Err(e) if e.kind() == ErrorKind::NotFound => Err(super::Exit(1).into()),
        Err(e) => Err(e.into()),
    }
}
