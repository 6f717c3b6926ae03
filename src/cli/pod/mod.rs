//! `coracle pod ...`, as Podman's: create, ps, inspect, the lifecycle verbs,
//! and top/logs/stats over the pod's containers.

mod clone;
mod create;
mod inspect;
mod lifecycle;
mod ps;
mod views;

use crate::engine::interface::{Each, Engine};
use crate::engine::ErrorKind;

#[derive(clap::Subcommand)]
#[command(defer = true)]
pub enum PodCommand {
    /// Clone an existing pod
    Clone(clone::Args),
    /// Create a new empty pod
    Create(Box<create::Args>),
    /// List pods
    #[command(visible_alias = "ls", visible_alias = "list")]
    Ps(ps::Args),
    /// Display a pod configuration
    Inspect(inspect::Args),
    /// Start one or more pods
    Start(lifecycle::Names),
    /// Stop one or more pods
    Stop(lifecycle::StopArgs),
    /// Restart one or more pods
    Restart(lifecycle::Names),
    /// Send the specified signal or SIGKILL to containers in pod
    Kill(lifecycle::KillArgs),
    /// Pause one or more pods
    Pause(lifecycle::Names),
    /// Unpause one or more pods
    Unpause(lifecycle::Names),
    /// Remove one or more pods
    #[command(visible_alias = "remove")]
    Rm(lifecycle::RmArgs),
    /// Remove all stopped pods and their containers
    Prune(lifecycle::PruneArgs),
    /// Check if a pod exists in local storage (exit 0) or not (exit 1)
    Exists(lifecycle::ExistsArgs),
    /// Display the running processes of containers in a pod
    Top(views::TopArgs),
    /// Fetch logs for pod with one or more containers
    Logs(views::LogsArgs),
    /// Display a live stream of resource usage statistics for the containers in one or more pods
    Stats(views::StatsArgs),
}

pub fn exec(engine: &dyn Engine, cmd: PodCommand) -> anyhow::Result<()> {
    match cmd {
        PodCommand::Clone(args) => clone::exec(engine, args),
        PodCommand::Create(args) => create::exec(engine, *args),
        PodCommand::Ps(args) => ps::exec(engine, args),
        PodCommand::Inspect(args) => inspect::exec(engine, args),
        PodCommand::Start(args) => report(engine.start_pods(&args.resolve(engine)?)?, 125),
        PodCommand::Stop(args) => lifecycle::stop(engine, args),
        PodCommand::Restart(args) => report(engine.restart_pods(&args.resolve(engine)?)?, 125),
        PodCommand::Kill(args) => {
            let pods = args.names.resolve(engine)?;
            report(engine.kill_pods(&pods, &args.signal)?, 125)
        }
        PodCommand::Pause(args) => report(engine.pause_pods(&args.resolve(engine)?)?, 125),
        PodCommand::Unpause(args) => report(engine.unpause_pods(&args.resolve(engine)?)?, 125),
        PodCommand::Rm(args) => lifecycle::remove(engine, args),
        PodCommand::Prune(args) => lifecycle::prune(engine, args),
        PodCommand::Exists(args) => lifecycle::exists(engine, args),
        PodCommand::Top(args) => views::top(engine, args),
        PodCommand::Logs(args) => views::logs(engine, args),
        PodCommand::Stats(args) => views::stats(engine, args),
    }
}

/// Prints each pod's ID, and each error; exits with `not_found` when a pod
/// is unknown (Podman: 1 for `pod rm`, 125 otherwise), else 125.
fn report(results: Each<String>, not_found: i32) -> anyhow::Result<()> {
    let mut code = 0;
    for result in results {
        match result {
            Ok(id) => println!("{id}"),
            Err(e) => {
                eprintln!("Error: {e}");
                code = code.max(match e.kind() {
                    ErrorKind::NotFound => not_found,
                    _ => 125,
                });
            }
        }
    }
    match code {
        0 => Ok(()),
        code => Err(super::Exit(code).into()),
    }
}
