//! `pod start|stop|restart|kill|pause|unpause|rm|prune|exists`: each prints
//! the IDs of the pods it acted on, as Podman's do.

use super::report;
use crate::engine::interface::Engine;
use crate::engine::ErrorKind;
use std::time::Duration;

#[derive(clap::Args)]
pub struct Names {
    #[arg(required = true, value_name = "POD")]
    pub pods: Vec<String>,
}

#[derive(clap::Args)]
pub struct StopArgs {
    /// Seconds to wait for each container to stop before killing it
    #[arg(short, long, value_name = "SECONDS")]
    time: Option<u64>,
    #[arg(required = true, value_name = "POD")]
    pods: Vec<String>,
}

#[derive(clap::Args)]
pub struct KillArgs {
    /// Signal to send to the containers of the pod
    #[arg(short, long, default_value = "KILL")]
    pub signal: String,
    #[arg(required = true, value_name = "POD")]
    pub pods: Vec<String>,
}

#[derive(clap::Args)]
pub struct RmArgs {
    /// Stop running containers and remove them with the pod
    #[arg(short, long)]
    force: bool,
    /// Seconds to wait for containers to stop before killing them (with -f)
    #[arg(short, long, value_name = "SECONDS")]
    time: Option<u64>,
    /// Ignore errors when a pod does not exist
    #[arg(short, long)]
    ignore: bool,
    #[arg(required = true, value_name = "POD")]
    pods: Vec<String>,
}

#[derive(clap::Args)]
pub struct PruneArgs {
    /// Do not ask for confirmation
    #[arg(short, long)]
    force: bool,
}

#[derive(clap::Args)]
pub struct ExistsArgs {
    pod: String,
}

pub fn stop(engine: &dyn Engine, args: StopArgs) -> anyhow::Result<()> {
    let timeout = args.time.map(Duration::from_secs);
    report(engine.stop_pods(&args.pods, timeout)?, 125)
}

/// Podman exits 1 when a pod is unknown (0 with --ignore).
pub fn remove(engine: &dyn Engine, args: RmArgs) -> anyhow::Result<()> {
    let results = engine.remove_pods(&args.pods, args.force, args.time.map(Duration::from_secs))?;
    let results = results
        .into_iter()
        .filter(|r| !(args.ignore && r.as_ref().is_err_and(|e| e.kind() == ErrorKind::NotFound)))
        .collect();
    report(results, 1)
}

pub fn prune(engine: &dyn Engine, args: PruneArgs) -> anyhow::Result<()> {
    let prompt = "WARNING! This will remove all stopped/exited pods..\nAre you sure you want to continue? [y/N] ";
    if !args.force && !crate::cli::confirm(prompt)? {
        return Ok(());
    }
    for id in engine.prune_pods()? {
        println!("{id}");
    }
    Ok(())
}

pub fn exists(engine: &dyn Engine, args: ExistsArgs) -> anyhow::Result<()> {
    match engine.pod_exists(&args.pod)? {
        true => Ok(()),
        false => Err(crate::cli::Exit(1).into()),
    }
}
