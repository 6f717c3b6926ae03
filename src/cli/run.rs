//! `coracle run`: create the container, then relay its stdio until it exits (in
//! the foreground), or leave it running (`-d`), or attach to it (`-t`).

use super::create::{plan, progress};
use crate::engine::containers::attach::{parse_detach_keys, AttachEnd, DEFAULT_DETACH_KEYS};
use crate::engine::containers::start::{RunEnd, RunOptions};
use crate::engine::interface::Engine;
use crate::engine::streams::Output;

#[derive(clap::Args)]
#[command(trailing_var_arg = true)]
pub struct RunArgs {
    /// Run the container in the background and print its ID
    #[arg(short, long)]
    detach: bool,
    /// The keys that detach from a `-t` container, leaving it running
    #[arg(long, default_value = DEFAULT_DETACH_KEYS)]
    detach_keys: String,
    #[command(flatten)]
    create: super::create::Args,
}

pub fn exec(engine: &dyn Engine, args: RunArgs) -> anyhow::Result<()> {
    let create = plan(&args.create)?;
    let opts = RunOptions {
        pulling: args.create.pulling()?,
        detach: args.detach,
        detach_keys: match create.tty {
            true => parse_detach_keys(&args.detach_keys)?,
            false => Vec::new(),
        },
        create,
    };
    let tty = opts.create.tty && !opts.detach;
    let attached = args.create.pull_run.attached()?;
    let mut streams = super::terminal::streams(opts.create.interactive && attached.stdin, tty);
    // `-a`: a stream not attached is not relayed to the caller (a pty's are one).
    if !attached.stdout && !tty {
        streams.stdout = Output::Writer(Box::new(std::io::sink()));
    }
    if !attached.stderr && !tty {
        streams.stderr = Output::Writer(Box::new(std::io::sink()));
    }
    match engine.run(&opts, streams, progress(args.create.quiet))? {
        RunEnd::Started(id) => println!("{id}"),
        RunEnd::Ended(end) => attach_result(end)?,
    }
    Ok(())
}

/// How an attached session ends for the caller: the container's exit code, or 0
/// when detached.
pub fn attach_result(end: AttachEnd) -> anyhow::Result<()> {
    match end {
        AttachEnd::Exited(0) | AttachEnd::Detached => Ok(()),
        AttachEnd::Exited(code) => Err(super::Exit(code).into()),
    }
}
