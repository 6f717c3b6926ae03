//! `mount` and `umount`/`unmount`: a container's rootfs where the caller can
//! reach it, printed as Podman prints it.

use super::targets;
use crate::engine::containers::mount::Mounted;
use crate::engine::containers::select::Selection;
use crate::engine::interface::Engine;

#[derive(clap::Args)]
pub struct MountArgs {
    /// Mount all containers
    #[arg(short, long)]
    all: bool,
    /// Act on the latest container coracle is aware of
    #[arg(short, long)]
    latest: bool,
    /// Change the output format (json) of the list of mounted containers
    #[arg(long)]
    format: Option<String>,
    /// Do not truncate IDs in the list
    #[arg(long)]
    no_trunc: bool,
    /// The containers to mount; with none, list the mounted ones
    names: Vec<String>,
}

#[derive(clap::Args)]
pub struct UnmountArgs {
    /// Unmount every mounted container
    #[arg(short, long, conflicts_with = "names")]
    all: bool,
    /// Unmount however many times it was mounted
    #[arg(short, long)]
    force: bool,
    /// The containers to unmount
    #[arg(required_unless_present = "all")]
    names: Vec<String>,
}

pub fn mount(engine: &dyn Engine, args: MountArgs) -> anyhow::Result<()> {
    if args.names.is_empty() && !args.all && !args.latest {
        return list(engine, &args);
    }
    targets::check(&args.names, args.all, args.latest, &[], "")?;
    // Names stay as given, so each missing one is reported on its own line.
    let names = match args.all || args.latest {
        true => engine.select_containers(&Selection {
            all: args.all,
            latest: args.latest,
            ..Selection::default()
        })?,
        false => args.names,
    };
    let mut failed = false;
    for result in engine.mount(&names)? {
        match result {
            Ok(path) => println!("{}", path.display()),
            Err(e) => {
                eprintln!("Error: {e}");
                failed = true;
            }
        }
    }
    exit_if(failed)
}

pub fn unmount(engine: &dyn Engine, args: UnmountArgs) -> anyhow::Result<()> {
    if args.all {
        engine
            .unmount_all(args.force)?
            .iter()
            .for_each(|id| println!("{id}"));
        return Ok(());
    }
    let mut failed = false;
    for (name, result) in args
        .names
        .iter()
        .zip(engine.unmount(&args.names, args.force)?)
    {
        match result {
            Ok(true) => println!("{name}"),
            // A running container is left mounted, and not named (Podman's way).
            Ok(false) => {}
            Err(e) => {
                eprintln!("Error: {e}");
                failed = true;
            }
        }
    }
    exit_if(failed)
}

fn list(engine: &dyn Engine, args: &MountArgs) -> anyhow::Result<()> {
    let mounted = engine.mounted()?;
    match args.format.as_deref() {
        None | Some("") => {
            for m in &mounted {
                let id = if args.no_trunc { &m.id } else { &m.id[..12] };
                println!("{id}  {}", m.path.display());
            }
            Ok(())
        }
        Some("json") => {
            println!("{}", serde_json::to_string_pretty(&json(&mounted))?);
            Ok(())
        }
        Some(other) => anyhow::bail!("unknown --format argument: {other}"),
    }
}

/// Podman's report: `id`, `Names` and `mountpoint`.
fn json(mounted: &[Mounted]) -> serde_json::Value {
    mounted
        .iter()
        .map(|m| {
            serde_json::json!({
                "id": m.id,
                "Names": [m.name],
                "mountpoint": m.path,
            })
        })
        .collect()
}

fn exit_if(failed: bool) -> anyhow::Result<()> {
    match failed {
        false => Ok(()),
        true => Err(super::Exit(super::ENGINE_ERROR).into()),
    }
}
