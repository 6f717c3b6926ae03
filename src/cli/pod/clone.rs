//! `pod clone`.

use crate::engine::interface::Engine;
use crate::engine::pods::clone::PodCloneOptions;

#[derive(clap::Args)]
#[command(disable_help_flag = true)]
pub struct Args {
    /// Name the new pod (default: the original's with -clone)
    #[arg(short, long)]
    name: Option<String>,
    /// Destroy the original pod
    #[arg(long)]
    destroy: bool,
    /// Start the new pod
    #[arg(long)]
    start: bool,
    /// Set the new pod's hostname
    #[arg(short, long)]
    hostname: Option<String>,
    /// Set metadata on the new pod (KEY=VALUE), over the original's
    #[arg(short, long)]
    label: Vec<String>,
    /// Read labels from a file of KEY=VALUE lines
    #[arg(long, value_name = "FILE")]
    label_file: Vec<std::path::PathBuf>,
    /// Print help (-h is --hostname, as in Podman)
    #[arg(long, action = clap::ArgAction::Help)]
    help: Option<bool>,
    /// The pod to clone
    pod: String,
    /// The new pod's name, as --name
    #[arg(value_name = "NAME", conflicts_with = "name")]
    new_name: Option<String>,
}

pub fn exec(engine: &dyn Engine, args: Args) -> anyhow::Result<()> {
    let labels = [super::create::label_files(&args.label_file)?, args.label].concat();
    let opts = PodCloneOptions {
        name: args.name.or(args.new_name),
        hostname: args.hostname,
        labels: super::super::key_values(&labels),
        destroy: args.destroy,
        start: args.start,
        create_command: std::env::args().collect(),
    };
    println!("{}", engine.clone_pod(&args.pod, &opts)?);
    Ok(())
}
