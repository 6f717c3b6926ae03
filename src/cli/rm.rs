//! `coracle rm` and `coracle rename`

use crate::engine::containers::remove::RemoveOptions;
use crate::engine::interface::Engine;
use crate::engine::ErrorKind;

#[derive(clap::Args)]
pub struct Args {
    /// Kill the container first if it is running
    #[arg(short, long)]
    force: bool,
    /// Remove the container's anonymous volumes too
    #[arg(short, long)]
    volumes: bool,
    #[arg(required = true, value_name = "CONTAINER")]
    containers: Vec<String>,
}

#[derive(clap::Args)]
pub struct RenameArgs {
    container: String,
    new_name: String,
}

pub fn rename(engine: &dyn Engine, args: RenameArgs) -> anyhow::Result<()> {
    Ok(engine.rename(&args.container, &args.new_name)?)
}

/// Podman's codes: 1 when a container is unknown, 2 when one is running.
pub fn exec(engine: &dyn Engine, args: Args) -> anyhow::Result<()> {
    let opts = RemoveOptions {
        force: args.force,
        volumes: args.volumes,
    };
    let results = engine.remove_containers(&args.containers, &opts)?;
    report(&args.containers, results)
}

/// Prints each name removed, and each error; exits with Podman's codes for the
/// worst: 1 when a name is unknown, 2 when one is in use (also `network rm`).
pub(super) fn report(
    names: &[String],
    results: Vec<Result<(), crate::engine::Error>>,
) -> anyhow::Result<()> {
    let mut code = 0;
    for (name, result) in names.iter().zip(results) {
        match result {
            Ok(()) => println!("{name}"),
            Err(e) => {
                eprintln!("Error: {e}");
                code = code.max(match e.kind() {
                    ErrorKind::NotFound => 1,
                    ErrorKind::Conflict => 2,
                    _ => 125,
                });
            }
        }
    }
    if code != 0 {
        return Err(super::Exit(code).into());
    }
    Ok(())
}
