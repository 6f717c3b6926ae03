//! `coracle kube down FILE|-`: removes what `kube play` made of the YAML.

use super::read_yaml;
use crate::engine::interface::Engine;
use crate::engine::kube::play::Teardown;

#[derive(clap::Args)]
pub struct Args {
    /// The YAML file, or - for standard input
    #[arg(value_name = "KUBEFILE|-")]
    file: String,
}

pub fn exec(engine: &dyn Engine, args: Args) -> anyhow::Result<()> {
    print(engine.down_kube(&read_yaml(&args.file)?)?)
}

/// Podman's report: the pods stopped, then the pods removed.
pub fn print(down: Teardown) -> anyhow::Result<()> {
    println!("Pods stopped:");
    down.pods.iter().for_each(|p| println!("{p}"));
    println!("Pods removed:");
    down.pods.iter().for_each(|p| println!("{p}"));
    Ok(())
}
