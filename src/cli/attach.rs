//! `coracle attach`: a running container's output (and input, when it keeps its
//! stdin open) through its monitor.

use crate::engine::containers::attach::{self, AttachEnd, AttachOptions, DEFAULT_DETACH_KEYS};
use crate::engine::containers::lookup::{config_of, lookup};
use crate::engine::context::Context;
use crate::engine::monitor::{socket, ATTACH_SOCKET};
use crate::engine::store::containers::Status;

#[derive(clap::Args)]
pub struct Args {
    /// Do not attach stdin
    #[arg(long)]
    no_stdin: bool,
    /// The keys that detach from the container
    #[arg(long, default_value = DEFAULT_DETACH_KEYS)]
    detach_keys: String,
    /// Pass signals on to the container (when it has no terminal)
    #[arg(long, default_value_t = true, action = clap::ArgAction::Set, num_args = 0..=1, default_missing_value = "true")]
    sig_proxy: bool,
    container: String,
}

pub fn exec(ctx: &Context, args: Args) -> anyhow::Result<()> {
    let detach_keys = attach::parse_detach_keys(&args.detach_keys)?;
    let store = ctx.open_store()?;
    let record = lookup(&store, &args.container)?;
    if !matches!(record.state.status, Status::Running | Status::Paused) {
        anyhow::bail!("you cannot attach to a stopped container, start it first");
    }
    let config = config_of(&record)?;
    let sock = socket::connect_in(&store.container_dir(&record.id), ATTACH_SOCKET).map_err(|e| {
        anyhow::anyhow!(
            "cannot attach to container {}: {e} (a foreground `run --rm` gives its output to its caller alone)",
            args.container
        )
    })?;
    let opts = AttachOptions {
        stdin: config.interactive && !args.no_stdin,
        tty: config.tty,
        detach_keys,
        // Docker's rule: with a terminal, keys such as Ctrl-C travel as input.
        sig_proxy: args.sig_proxy && !config.tty,
    };
    match attach::relay(sock, &opts)? {
        AttachEnd::Exited(0) | AttachEnd::Detached => Ok(()),
        AttachEnd::Exited(code) => Err(super::Exit(code).into()),
    }
}
