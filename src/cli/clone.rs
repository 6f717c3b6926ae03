//! `coracle container clone`: a new container from another's create options.

use super::create::progress;
use super::resource_flags::LimitArgs;
use crate::engine::containers::clone::CloneOptions;
use crate::engine::interface::Engine;

#[derive(clap::Args)]
pub struct Args {
    #[command(flatten)]
    limits: LimitArgs,
    /// destroy the original container
    #[arg(long)]
    destroy: bool,
    /// force the existing container to be destroyed
    #[arg(short, long)]
    force: bool,
    /// Assign a name to the container
    #[arg(long)]
    name: Option<String>,
    /// Put the clone in this pod instead of the original's
    #[arg(long)]
    pod: Option<String>,
    /// run the new container
    #[arg(long)]
    run: bool,
    /// CONTAINER
    container: String,
    /// The clone's name (over --name)
    #[arg(value_name = "NAME")]
    new_name: Option<String>,
    /// The clone's image instead of the original's
    image: Option<String>,
}

pub fn exec(engine: &dyn Engine, args: Args) -> anyhow::Result<()> {
    let opts = CloneOptions {
        name: args.new_name.or(args.name),
        image: args.image,
        resources: args.limits.plan()?,
        destroy: args.destroy,
        force: args.force,
        run: args.run,
        pod: args.pod,
    };
    let id = engine.clone_container(&args.container, &opts, progress(false))?;
    println!("{id}");
    Ok(())
}
