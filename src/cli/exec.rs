//! `coracle exec`: a command in a running container, from the host side (see
//! engine/containers/exec.rs).

use crate::engine::containers::attach::{parse_detach_keys, DEFAULT_DETACH_KEYS};
use crate::engine::containers::exec::ExecOptions;
use crate::engine::interface::Engine;

#[derive(clap::Args)]
#[command(trailing_var_arg = true)]
pub struct Args {
    /// Keep stdin open
    #[arg(short, long)]
    interactive: bool,
    /// Give the process a pseudo-terminal
    #[arg(short, long)]
    tty: bool,
    /// Run the command in the background
    #[arg(short, long)]
    detach: bool,
    /// Set an environment variable (KEY=VALUE, or KEY to pass the caller's value)
    #[arg(short, long = "env", value_name = "ENV")]
    env: Vec<String>,
    /// Read environment variables from a file, one per line
    #[arg(long, value_name = "FILE")]
    env_file: Vec<std::path::PathBuf>,
    /// Run as this user: name|uid[:group|gid]
    #[arg(short, long)]
    user: Option<String>,
    /// Working directory inside the container
    #[arg(short, long)]
    workdir: Option<String>,
    /// Give the process every capability
    #[arg(long)]
    privileged: bool,
    /// Checked and accepted as Docker's is, but an exec session cannot be detached
    /// from: no monitor would hold its terminal (use `run -d` and `attach`)
    #[arg(long, default_value = DEFAULT_DETACH_KEYS)]
    detach_keys: String,
    #[arg(value_name = "CONTAINER")]
    container: String,
    #[arg(required = true, value_name = "COMMAND")]
    command: Vec<String>,
}

pub fn exec(engine: &dyn Engine, args: Args) -> anyhow::Result<()> {
    parse_detach_keys(&args.detach_keys)?;
    if let Some(u) = &args.user {
        crate::engine::runtime::user::check_syntax(u)?;
    }
    let opts = ExecOptions {
        env: super::create::env_flags(&args.env, &args.env_file)?,
        command: args.command,
        user: args.user,
        workdir: args.workdir,
        interactive: args.interactive,
        tty: args.tty,
        detach: args.detach,
        privileged: args.privileged,
    };
    let streams = super::terminal::streams(opts.interactive, !opts.detach);
    match engine.exec(&args.container, &opts, streams)? {
        0 => Ok(()),
        code => Err(super::Exit(code).into()),
    }
}
