//! `coracle run`: create the container, then relay its stdio until it exits (in
//! the foreground), or leave it running (`-d`), or attach to it (`-t`).

use super::create::{plan, progress};
use crate::engine::containers::attach::{parse_detach_keys, AttachEnd, DEFAULT_DETACH_KEYS};
use crate::engine::containers::start::{RunEnd, RunOptions};
use crate::engine::interface::Engine;
use anyhow::bail;

#[derive(clap::Args)]
#[command(trailing_var_arg = true)]
pub struct RunArgs {
    /// Run the container in the background and print its ID
    #[arg(short, long)]
    detach: bool,
    /// The keys that detach from a `-t` container, leaving it running
    #[arg(long, default_value = DEFAULT_DETACH_KEYS)]
    detach_keys: String,
    /// Remove the image after the container exits, unless another container
    /// uses it (implies --rm)
    #[arg(long)]
    rmi: bool,
    #[command(flatten)]
    create: super::create::Args,
}

pub fn exec(engine: &dyn Engine, args: RunArgs) -> anyhow::Result<()> {
    let mut create = plan(&args.create)?;
    if args.rmi && args.detach {
        bail!("coracle does not support --rmi with --detach: nothing waits for the container to exit to remove its image");
    }
    create.remove |= args.rmi;
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
    let streams = super::terminal::streams(opts.create.interactive, tty);
    match engine.run(&opts, streams, progress(args.create.quiet))? {
        RunEnd::Started(id) => println!("{id}"),
        RunEnd::Ended(end) => {
            if args.rmi {
                remove_image(engine, &opts.create.image);
            }
            attach_result(end)?
        }
    }
    Ok(())
}

/// `--rmi`: an image another container still uses stays, as in Podman.
fn remove_image(engine: &dyn Engine, image: &str) {
    let results = engine.remove_images(&[image.to_owned()], false);
    for e in results.into_iter().flatten().filter_map(Result::err) {
        log::debug!("--rmi: image {image} stays: {e}");
    }
}

/// How an attached session ends for the caller: the container's exit code, or 0
/// when detached.
pub fn attach_result(end: AttachEnd) -> anyhow::Result<()> {
    match end {
        AttachEnd::Exited(0) | AttachEnd::Detached => Ok(()),
        AttachEnd::Exited(code) => Err(super::Exit(code).into()),
    }
}
