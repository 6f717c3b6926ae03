//! `coracle run`: create the container, then relay its stdio until it exits (in
//! the foreground), or leave it running (`-d`), or attach to it (`-t`).

use super::create::{plan, progress};
use crate::engine::containers::attach::{parse_detach_keys, AttachEnd, DEFAULT_DETACH_KEYS};
use crate::engine::containers::start::{RunEnd, RunOptions};
use crate::engine::interface::Engine;
use crate::engine::streams::Output;
use anyhow::bail;

#[derive(clap::Args)]
#[command(trailing_var_arg = true)]
#[command(mut_arg("attach", |a| a.help(super::create::ATTACH_HELP)))]
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
    /// Pass the caller's file descriptors 3 to 3+N-1 on to the process
    #[arg(long, default_value_t = 0, value_name = "N")]
    preserve_fds: u32,
    /// Pass the signals the caller receives on to the process (with -t; a
    /// foreground run without -t always does: it is the container's monitor)
    #[arg(long, default_value_t = true, action = clap::ArgAction::Set, num_args = 0..=1, default_missing_value = "true")]
    sig_proxy: bool,
    #[command(flatten)]
    create: super::create::Args,
}

pub fn exec(engine: &dyn Engine, args: RunArgs) -> anyhow::Result<()> {
    let mut create = plan(&args.create)?;
    if args.rmi && args.detach {
        bail!("coracle does not support --rmi with --detach: nothing waits for the container to exit to remove its image");
    }
    create.remove |= args.rmi;
    create.settings.preserve_fds = preserved_fds(args.preserve_fds)?;
    if !args.sig_proxy && !create.tty && !args.detach {
        bail!("coracle does not support --sig-proxy=false without -t: a foreground run is the container's monitor, which must pass signals on; use -t, or -d and attach");
    }
    let opts = RunOptions {
        sig_proxy: args.sig_proxy,
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

/// `--preserve-fds N`: fds 3 to 3+N-1 must be open here, as Podman checks.
fn preserved_fds(n: u32) -> anyhow::Result<u32> {
    let last = 3 + n as i32 - 1;
    for fd in 3..=last {
        if nix::fcntl::fcntl(fd, nix::fcntl::FcntlArg::F_GETFD).is_err() {
            bail!("file descriptor {fd} is not available - the preserve-fds option requires that all file descriptors between fd 3 and {last}, inclusive, are available");
        }
    }
    Ok(n)
}

/// How an attached session ends for the caller: the container's exit code, or 0
/// when detached.
pub fn attach_result(end: AttachEnd) -> anyhow::Result<()> {
    match end {
        AttachEnd::Exited(0) | AttachEnd::Detached => Ok(()),
        AttachEnd::Exited(code) => Err(super::Exit(code).into()),
    }
}
