//! `coracle container ...`: Docker's management-command spellings of the
//! container commands, with the same flags (each is the top-level command).

use super::unsupported::ignored;
use super::Command;
use super::{
    attach, cp, create, diff, exec, inspect, logs, mount, pause, prune, ps, rm, run, start, stop,
    top,
};
use crate::engine::containers::select::Selection;
use crate::engine::interface::{Each, Engine};
use crate::engine::ErrorKind;
use clap::builder::BoolValueParser;

#[derive(clap::Subcommand)]
#[command(defer = true)]
pub enum ContainerCommand {
    /// List containers
    #[command(visible_aliases = ["list", "ps"])]
    Ls(ps::Args),
    /// Display detailed information on one or more containers
    Inspect(inspect::ContainerArgs),
    /// Fetch the logs of a container
    Logs(logs::Args),
    /// Remove all stopped containers
    Prune(prune::Args),
    /// Display the running processes of a container
    Top(top::Args),
    /// Display a live stream of container resource usage statistics
    Stats(super::stats::Args),
    /// List port mappings of a container
    Port(top::PortArgs),
    /// Remove one or more containers
    #[command(visible_alias = "remove")]
    Rm(rm::Args),
    /// Start one or more stopped containers
    Start(start::Args),
    /// Stop one or more running containers
    Stop(stop::StopArgs),
    /// Send a signal to one or more running containers
    Kill(stop::KillArgs),
    /// Wait for containers to exit and print their exit codes
    Wait(stop::WaitArgs),
    /// Restart one or more containers
    Restart(start::RestartArgs),
    /// Rename a container
    Rename(rm::RenameArgs),
    /// Attach to a running container's input and output
    Attach(attach::Args),
    /// Create a container without starting it
    Create(Box<create::Args>),
    /// Run a command in a new container
    Run(Box<run::RunArgs>),
    /// Pause all processes in one or more containers
    Pause(pause::Args),
    /// Unpause all processes in one or more containers
    Unpause(pause::Args),
    /// Update the cgroup configuration of a given container
    Update(Box<super::update::Args>),
    /// Run a command in a running container
    Exec(exec::Args),
    /// Copy files between a container and the host
    Cp(cp::Args),
    /// Write a container's filesystem as a tar archive
    Export(cp::ExportArgs),
    /// Show what a container changed in its file system
    Diff(diff::Args),
    /// Mount a container's root file system, or list the mounted ones
    Mount(mount::MountArgs),
    /// Unmount a container's root file system
    #[command(visible_alias = "unmount")]
    Umount(mount::UnmountArgs),
    /// Check whether a container exists (exit 0 if it does, 1 if not)
    Exists(ExistsArgs),
    /// Ready one or more containers for their start without starting them
    Init(InitArgs),
    /// Create an image from a container's changes
    Commit(super::commit::Args),
    /// Create a copy of an existing container
    Clone(Box<super::clone::Args>),
}

#[derive(clap::Args)]
pub struct ExistsArgs {
    /// Also look at other tools' containers in the store (ignored: coracle's store
    /// holds no other tool's containers)
    #[arg(long, value_parser = ignored(BoolValueParser::new()))]
    external: bool,
    container: String,
}

#[derive(clap::Args)]
pub struct InitArgs {
    /// Initialize every container
    #[arg(short, long)]
    all: bool,
    /// Act on the latest container coracle is aware of
    #[arg(short, long)]
    latest: bool,
    #[arg(value_name = "CONTAINER")]
    containers: Vec<String>,
}

impl ContainerCommand {
    /// The top-level command this one is.
    pub fn into_command(self) -> Command {
        match self {
            ContainerCommand::Ls(a) => Command::Ps(a),
            ContainerCommand::Inspect(a) => Command::Inspect(a.into()),
            ContainerCommand::Logs(a) => Command::Logs(a),
            ContainerCommand::Prune(a) => Command::ContainerPrune(a),
            ContainerCommand::Top(a) => Command::Top(a),
            ContainerCommand::Stats(a) => Command::Stats(a),
            ContainerCommand::Port(a) => Command::Port(a),
            ContainerCommand::Rm(a) => Command::Rm(a),
            ContainerCommand::Start(a) => Command::Start(a),
            ContainerCommand::Stop(a) => Command::Stop(a),
            ContainerCommand::Kill(a) => Command::Kill(a),
            ContainerCommand::Wait(a) => Command::Wait(a),
            ContainerCommand::Restart(a) => Command::Restart(a),
            ContainerCommand::Rename(a) => Command::Rename(a),
            ContainerCommand::Attach(a) => Command::Attach(a),
            ContainerCommand::Create(a) => Command::Create(a),
            ContainerCommand::Run(a) => Command::Run(a),
            ContainerCommand::Pause(a) => Command::Pause(a),
            ContainerCommand::Unpause(a) => Command::Unpause(a),
            ContainerCommand::Update(a) => Command::Update(a),
            ContainerCommand::Exec(a) => Command::Exec(a),
            ContainerCommand::Cp(a) => Command::Cp(a),
            ContainerCommand::Export(a) => Command::Export(a),
            ContainerCommand::Diff(a) => Command::ContainerDiff(a),
            ContainerCommand::Mount(a) => Command::Mount(a),
            ContainerCommand::Umount(a) => Command::Umount(a),
            ContainerCommand::Exists(a) => Command::ContainerExists(a),
            ContainerCommand::Init(a) => Command::ContainerInit(a),
            ContainerCommand::Commit(a) => Command::Commit(a),
            ContainerCommand::Clone(a) => Command::ContainerClone(a),
        }
    }
}

/// Exit 0 when the container exists, 1 when it does not, as Podman's.
pub fn exists(engine: &dyn Engine, args: ExistsArgs) -> anyhow::Result<()> {
    match engine.container_exists(&args.container)? {
        true => Ok(()),
        false => Err(super::Exit(1).into()),
    }
}

/// Podman moves each to "initialized"; coracle makes the runtime state as it
/// starts a container, so init checks each and leaves it created (see
/// engine/containers/init.rs).
pub fn init(engine: &dyn Engine, args: InitArgs) -> anyhow::Result<()> {
    let missing = "you must provide at least one name or id";
    super::targets::check(&args.containers, args.all, args.latest, &[], missing)?;
    let sel = Selection {
        names: args.containers,
        all: args.all,
        latest: args.latest,
        ..Selection::default()
    };
    let names = engine.select_containers(&sel)?;
    print_names(&names, engine.init_containers(&names)?)
}

/// The names and results left when `ignore` (`--ignore`) drops those of
/// missing containers: they are neither printed nor an error.
pub fn unless_missing(names: Vec<String>, results: Each, ignore: bool) -> (Vec<String>, Each) {
    names
        .into_iter()
        .zip(results)
        .filter(|(_, r)| !(ignore && r.as_ref().is_err_and(|e| e.kind() == ErrorKind::NotFound)))
        .unzip()
}

/// Prints each name whose verb worked and each error, as Docker's commands on
/// several containers do; exits 125 if any failed.
pub fn print_names(names: &[String], results: Each) -> anyhow::Result<()> {
    let mut failed = false;
    for (name, result) in names.iter().zip(results) {
        match result {
            Ok(()) => println!("{name}"),
            Err(e) => {
                eprintln!("Error: {e}");
                failed = true;
            }
        }
    }
    match failed {
        false => Ok(()),
        true => Err(super::Exit(super::ENGINE_ERROR).into()),
    }
}
