//! `coracle kube generate|play|down`, and Podman's older spellings
//! `generate kube` and `play kube`.

mod down;
mod generate;
mod play;

use crate::engine::interface::Engine;
use anyhow::Context as _;
use std::io::Read;

#[derive(clap::Subcommand)]
#[command(defer = true)]
pub enum KubeCommand {
    /// Generate Kubernetes YAML from containers, pods or volumes
    Generate(generate::Args),
    /// Play a pod or volume based on Kubernetes YAML
    Play(play::Args),
    /// Remove pods based on Kubernetes YAML
    Down(down::Args),
}

/// `coracle generate kube`.
#[derive(clap::Subcommand)]
#[command(defer = true)]
pub enum GenerateCommand {
    /// Generate Kubernetes YAML from containers, pods or volumes
    Kube(generate::Args),
}

/// `coracle play kube`.
#[derive(clap::Subcommand)]
#[command(defer = true)]
pub enum PlayCommand {
    /// Play a pod or volume based on Kubernetes YAML
    Kube(play::Args),
}

pub fn exec(engine: &dyn Engine, cmd: KubeCommand) -> anyhow::Result<()> {
    match cmd {
        KubeCommand::Generate(args) => generate::exec(engine, args),
        KubeCommand::Play(args) => play::exec(engine, args),
        KubeCommand::Down(args) => down::exec(engine, args),
    }
}

pub fn exec_generate(engine: &dyn Engine, cmd: GenerateCommand) -> anyhow::Result<()> {
    let GenerateCommand::Kube(args) = cmd;
    generate::exec(engine, args)
}

pub fn exec_play(engine: &dyn Engine, cmd: PlayCommand) -> anyhow::Result<()> {
    let PlayCommand::Kube(args) = cmd;
    play::exec(engine, args)
}

/// The YAML from a file, or from standard input for `-`.
fn read_yaml(file: &str) -> anyhow::Result<String> {
    if file == "-" {
        let mut text = String::new();
        std::io::stdin()
            .read_to_string(&mut text)
            .context("cannot read the YAML from standard input")?;
        return Ok(text);
    }
    std::fs::read_to_string(file).with_context(|| format!("cannot read {file}"))
}
