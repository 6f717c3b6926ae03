//! `pod start|stop|restart|kill|pause|unpause|rm|prune|exists`: each prints
//! the IDs of the pods it acted on, as Podman's do.

use super::report;
use crate::engine::interface::{Each, Engine};
use crate::engine::ErrorKind;
use std::time::Duration;

/// The pods a verb acts on: those named, or `--all`, or `--latest`.
#[derive(clap::Args)]
pub struct Names {
    /// Act on every pod
    #[arg(short, long, conflicts_with = "latest")]
    all: bool,
    /// Act on the latest pod created
    #[arg(short, long)]
    latest: bool,
    #[arg(value_name = "POD", required_unless_present_any = ["all", "latest"], conflicts_with_all = ["all", "latest"])]
    pods: Vec<String>,
}

impl Names {
    /// The names given, or every pod's ID (the newest only with --latest).
    pub fn resolve(&self, engine: &dyn Engine) -> anyhow::Result<Vec<String>> {
        if !self.all && !self.latest {
            return Ok(self.pods.clone());
        }
        let mut ids: Vec<String> = engine
            .list_pods(&[])?
            .into_iter()
            .map(|p| p.pod.id)
            .collect();
        if self.latest {
            ids.truncate(1);
            if ids.is_empty() {
                anyhow::bail!("no pods to act on: no pod exists");
            }
        }
        Ok(ids)
    }
}

#[derive(clap::Args)]
pub struct StopArgs {
    /// Seconds to wait for each container to stop before killing it
    #[arg(short, long, value_name = "SECONDS")]
    time: Option<u64>,
    /// Ignore errors when a pod does not exist
    #[arg(short, long)]
    ignore: bool,
    #[command(flatten)]
    names: Names,
}

#[derive(clap::Args)]
pub struct KillArgs {
    /// Signal to send to the containers of the pod
    #[arg(short, long, default_value = "KILL")]
    pub signal: String,
    #[command(flatten)]
    pub names: Names,
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
    #[command(flatten)]
    names: Names,
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
    let results = engine.stop_pods(&args.names.resolve(engine)?, timeout)?;
    report(unless_ignored(results, args.ignore), 125)
}

/// With --ignore, a pod that is not there is no error.
fn unless_ignored(results: Each<String>, ignore: bool) -> Each<String> {
    results
        .into_iter()
        .filter(|r| !(ignore && r.as_ref().is_err_and(|e| e.kind() == ErrorKind::NotFound)))
        .collect()
}

/// Podman exits 1 when a pod is unknown (0 with --ignore).
pub fn remove(engine: &dyn Engine, args: RmArgs) -> anyhow::Result<()> {
    let names = args.names.resolve(engine)?;
    let results = engine.remove_pods(&names, args.force, args.time.map(Duration::from_secs))?;
    report(unless_ignored(results, args.ignore), 1)
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
