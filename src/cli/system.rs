//! `system reset`, `system prune`, `system info`, `system migrate`

use crate::engine::images::remove::Pruned;
use crate::engine::interface::Engine;
use crate::engine::system::PruneOptions;

#[derive(clap::Subcommand)]
#[command(defer = true)]
pub enum SystemCommand {
    /// Remove every image, container and setting coracle stored
    Reset(ResetArgs),
    /// Display system-wide information
    Info(super::info::InfoArgs),
    /// Remove stopped containers, the build cache and dangling images
    Prune(PruneArgs),
    /// Show the disk space images, containers and volumes use
    Df(super::df::Args),
    /// Serve the Docker-compatible API on a socket until idle
    Service(super::service::Args),
    /// Migrate the store to this version of coracle (a no-op: its store needs none)
    Migrate(MigrateArgs),
}

#[derive(clap::Args)]
pub struct MigrateArgs {
    /// Move containers to another OCI runtime (unsupported: coracle runs containers
    /// with libcontainer, not an OCI runtime binary)
    #[arg(long, value_name = "RUNTIME", value_parser = super::unsupported::refused(clap::builder::StringValueParser::new()))]
    new_runtime: Option<String>,
}

#[derive(clap::Args)]
pub struct PruneArgs {
    /// Remove every image no container uses, not only dangling ones
    #[arg(short, long)]
    all: bool,
    /// Do not ask for confirmation
    #[arg(short, long)]
    force: bool,
    /// Only what matches: label=KEY[=VALUE], until=TIME
    #[arg(long = "filter", value_name = "FILTER")]
    filters: Vec<String>,
    /// Prune the volumes no container uses too
    #[arg(long)]
    volumes: bool,
}

#[derive(clap::Args)]
pub struct ResetArgs {
    /// Do not ask for confirmation
    #[arg(short, long)]
    force: bool,
}

pub fn exec(engine: &dyn Engine, cmd: SystemCommand) -> anyhow::Result<()> {
    match cmd {
        SystemCommand::Reset(args) => {
            let prompt = "WARNING! This will remove all images and containers, and everything coracle stored.\nAre you sure you want to continue? [y/N] ";
            if args.force || super::confirm(prompt)? {
                engine.reset()?;
            }
            Ok(())
        }
        SystemCommand::Prune(args) => {
            let (images, cache) = match args.all {
                true => (
                    "all images without at least one container associated with them",
                    "all build cache",
                ),
                false => ("all dangling images", "all dangling build cache"),
            };
            let volumes = match args.volumes {
                true => "\n\t- all volumes not used by at least one container",
                false => "",
            };
            let prompt = format!(
                "WARNING! This command removes:\n\t- all stopped containers\n\t- all networks not used by at least one container{volumes}\n\t- {images}\n\t- {cache}\n\nAre you sure you want to continue? [y/N] "
            );
            if !args.force && !super::confirm(&prompt)? {
                return Ok(());
            }
            let opts = PruneOptions {
                all: args.all,
                volumes: args.volumes,
                filters: args.filters,
            };
            let pruned = engine.prune_system(&opts)?;
            if !pruned.containers.is_empty() {
                println!("Deleted Containers:");
                pruned.containers.iter().for_each(|id| println!("{id}"));
                println!();
            }
            if !pruned.networks.is_empty() {
                println!("Deleted Networks:");
                pruned.networks.iter().for_each(|n| println!("{n}"));
                println!();
            }
            // Podman's volume section has no colon and no blank line after it.
            if !pruned.volumes.is_empty() {
                println!("Deleted Volumes");
                pruned.volumes.iter().for_each(|v| println!("{v}"));
            }
            super::images::print_pruned(&Pruned {
                removed: pruned.images,
                reclaimed: pruned.reclaimed,
            })
        }
        SystemCommand::Info(args) => super::info::info(engine, args),
        SystemCommand::Df(args) => super::df::exec(engine, args),
        SystemCommand::Service(_) => unreachable!("served before an engine is made"),
        // Podman rewrites its store's locks and runtime here; coracle's store has
        // one schema that each version opens as it is.
        SystemCommand::Migrate(_) => Ok(()),
    }
}
