//! `coracle container ...`: the container commands under their group name, as
//! Docker and Podman have them.

use crate::engine::context::Context;

#[derive(clap::Subcommand)]
pub enum ContainerCommand {
    /// Run a command in a running container
    Exec(super::exec::Args),
    /// Copy files between a container and the host
    Cp(super::cp::Args),
    /// Write a container's filesystem as a tar archive
    Export(super::cp::ExportArgs),
}

impl ContainerCommand {
    /// As the same command outside the group (see `Command::enters_namespace_first`).
    pub fn enters_namespace_first(&self) -> bool {
        match self {
            ContainerCommand::Exec(_) | ContainerCommand::Cp(_) | ContainerCommand::Export(_) => {
                false
            }
        }
    }
}

pub fn exec(ctx: &Context, cmd: ContainerCommand) -> anyhow::Result<()> {
    match cmd {
        ContainerCommand::Exec(args) => super::exec::exec(ctx, args),
        ContainerCommand::Cp(args) => super::cp::exec(ctx, args),
        ContainerCommand::Export(args) => super::cp::export(ctx, args),
    }
}
