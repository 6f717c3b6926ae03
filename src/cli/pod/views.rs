//! `pod top`, `pod logs`, `pod stats`: the container verbs over a pod's
//! containers (its running ones, for top and stats).

use crate::cli::table::Table;
use crate::cli::{logs, stats};
use crate::engine::containers::top::descriptors;
use crate::engine::interface::Engine;
use crate::engine::pods::report::PodReport;

#[derive(clap::Args)]
pub struct TopArgs {
    /// Show the latest pod created
    #[arg(short, long)]
    latest: bool,
    #[arg(required_unless_present = "latest")]
    pod: Option<String>,
    /// Descriptors (`user`, `pid`, `%C`, ...)
    #[arg(trailing_var_arg = true)]
    descriptors: Vec<String>,
}

#[derive(clap::Args)]
pub struct LogsArgs {
    /// Show the logs of this container of the pod only
    #[arg(short, long)]
    container: Option<String>,
    #[command(flatten)]
    flags: logs::Flags,
    /// Show the logs of the latest pod created
    #[arg(short, long)]
    latest: bool,
    #[arg(required_unless_present = "latest")]
    pod: Option<String>,
}

#[derive(clap::Args)]
pub struct StatsArgs {
    #[command(flatten)]
    flags: stats::Flags,
    /// Show every pod (the default when none is named)
    #[arg(short, long, conflicts_with = "pods")]
    all: bool,
    /// Show the latest pod created
    #[arg(short, long, conflicts_with_all = ["pods", "all"])]
    latest: bool,
    /// Pods to show (default: every pod)
    #[arg(value_name = "POD")]
    pods: Vec<String>,
}

/// The pod's running containers, the infra first (its process is the
/// pod's first).
fn running(report: &PodReport) -> Vec<String> {
    report
        .containers
        .iter()
        .rev()
        .filter(|c| c.status.has_monitor())
        .map(|c| c.id.clone())
        .collect()
}

/// The pod named, or with --latest the newest.
fn chosen(engine: &dyn Engine, name: Option<String>) -> anyhow::Result<PodReport> {
    match name {
        Some(name) => Ok(engine.inspect_pod(&name)?),
        None => engine
            .list_pods(&[])?
            .into_iter()
            .next()
            .ok_or_else(|| anyhow::anyhow!("no pods to act on: no pod exists")),
    }
}

pub fn top(engine: &dyn Engine, args: TopArgs) -> anyhow::Result<()> {
    let report = chosen(engine, args.pod)?;
    let ids = running(&report);
    if ids.is_empty() {
        anyhow::bail!(
            "pod {} is not running: no running containers",
            report.pod.id
        );
    }
    let columns = descriptors::parse(&args.descriptors).ok_or_else(|| {
        anyhow::anyhow!("pod top takes ps descriptors only (user, pid, ppid, %C, args, ...)")
    })?;
    let mut processes = Vec::new();
    for id in &ids {
        processes.extend(engine.top(id)?);
    }
    let mut rows = descriptors::table(&processes, &columns).into_iter();
    let header: Vec<String> = rows.next().unwrap_or_default();
    let mut table = Table::new(&header.iter().map(String::as_str).collect::<Vec<_>>());
    for row in rows {
        table.row(row);
    }
    Ok(table.print()?)
}

/// Every container's logs but the infra's (it logs nothing), or the one
/// asked for.
pub fn logs(engine: &dyn Engine, args: LogsArgs) -> anyhow::Result<()> {
    let report = chosen(engine, args.pod)?;
    let infra = report.pod.config.infra_id.as_deref();
    let mut containers: Vec<String> = report
        .containers
        .iter()
        .filter(|c| Some(c.id.as_str()) != infra)
        .filter(|c| match &args.container {
            Some(wanted) => c.name == *wanted || c.id.starts_with(wanted.as_str()),
            None => true,
        })
        .map(|c| c.id.clone())
        .collect();
    if let (Some(wanted), true) = (&args.container, containers.is_empty()) {
        anyhow::bail!("container {wanted} is not in pod {}", report.pod.name);
    }
    containers.dedup();
    logs::show(engine, &containers, &args.flags)
}

pub fn stats(engine: &dyn Engine, args: StatsArgs) -> anyhow::Result<()> {
    let reports = match (args.latest, args.pods.is_empty()) {
        (true, _) => vec![chosen(engine, None)?],
        (false, true) => engine.list_pods(&[])?,
        (false, false) => args
            .pods
            .iter()
            .map(|p| engine.inspect_pod(p))
            .collect::<Result<_, _>>()?,
    };
    let ids: Vec<String> = reports.iter().flat_map(running).collect();
    if ids.is_empty() {
        // An empty list would be every container's.
        return Ok(());
    }
    stats::show(engine, &ids, &args.flags)
}
