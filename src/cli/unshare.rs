//! `coracle unshare [COMMAND...]`: a command (the caller's $SHELL by default) as
//! root in the rootless user namespace, as `podman unshare`.

use crate::engine::interface::Engine;

#[derive(clap::Args)]
pub struct Args {
    /// COMMAND [ARG...]
    #[arg(
        trailing_var_arg = true,
        allow_hyphen_values = true,
        value_name = "COMMAND"
    )]
    command: Vec<String>,
}

pub fn exec(engine: &dyn Engine, args: Args) -> anyhow::Result<()> {
    match engine.unshare(&args.command)? {}
}
