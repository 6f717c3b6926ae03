//! `coracle exec`: a command in a running container, from the host side (see
//! engine/containers/exec.rs).

use super::targets::Latest;
use crate::engine::containers::attach::{parse_detach_keys, DEFAULT_DETACH_KEYS};
use crate::engine::containers::exec::ExecOptions;
use crate::engine::interface::Engine;
use crate::engine::ErrorKind;

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
    /// Pass N more file descriptors to the process (only 0: refused otherwise)
    #[arg(long, value_name = "N", default_value_t = 0)]
    preserve_fds: u32,
    #[command(flatten)]
    latest: Latest,
    #[arg(value_name = "CONTAINER")]
    container: Option<String>,
    #[arg(value_name = "COMMAND")]
    command: Vec<String>,
}

/// Podman's code for an exec that could not begin.
const EXEC_FAILED: i32 = 255;

pub fn exec(engine: &dyn Engine, args: Args) -> anyhow::Result<()> {
    if args.preserve_fds > 0 {
        anyhow::bail!(
            "coracle does not support --preserve-fds: an exec session's process gets only its stdio"
        );
    }
    // With --latest the first word is the command.
    let (container, command) = match args.latest.latest {
        true => (
            None,
            args.container.into_iter().chain(args.command).collect(),
        ),
        false => (args.container, args.command),
    };
    if container.is_none() && !args.latest.latest {
        anyhow::bail!("exec requires the name or ID of a container or the --latest flag");
    }
    if command.is_empty() {
        eprintln!(
            "Error: must provide a non-empty command to start an exec session: invalid argument"
        );
        return Err(super::Exit(EXEC_FAILED).into());
    }
    let container = args.latest.resolve(engine, container)?;
    parse_detach_keys(&args.detach_keys)?;
    if let Some(u) = &args.user {
        crate::engine::runtime::user::check_syntax(u)?;
    }
    let opts = ExecOptions {
        env: super::create::env_flags(&args.env, &args.env_file)?,
        command,
        user: args.user,
        workdir: args.workdir,
        interactive: args.interactive,
        tty: args.tty,
        detach: args.detach,
        privileged: args.privileged,
    };
    let streams = super::terminal::streams(opts.interactive, !opts.detach);
    match engine.exec(&container, &opts, streams) {
        Ok(0) => Ok(()),
        Ok(code) => Err(super::Exit(code).into()),
        // Podman's exec exits 255 when the container's state forbids it.
        Err(e) if e.kind() == ErrorKind::Conflict => {
            eprintln!("Error: {e}");
            Err(super::Exit(EXEC_FAILED).into())
        }
        Err(e) => Err(e.into()),
    }
}
