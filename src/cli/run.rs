//! `coracle run`: create the container, then be its monitor (in the foreground), or
//! leave one behind (`-d`), or leave one behind and attach to it (`-t`).

use crate::engine::containers::attach::{parse_detach_keys, AttachOptions, DEFAULT_DETACH_KEYS};
use crate::engine::containers::start::{self, StartOptions};
use crate::engine::context::Context;
use crate::engine::monitor::Options;
use anyhow::Context as _;
use std::os::unix::process::CommandExt;

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

pub fn exec(ctx: &Context, args: RunArgs) -> anyhow::Result<()> {
    // One connection for the whole run: opening the store costs a quarter of a
    // millisecond each time.
    let store = ctx.open_store()?;
    let id = super::create::prepare(ctx, &store, &args.create)?;
    if args.detach {
        let opts = StartOptions {
            attach: None,
            remove_on_failure: true,
            tty_size: None,
        };
        start::start(ctx, &store, &id, opts).map_err(super::start::exit_code)?;
        println!("{id}");
        return Ok(());
    }
    // With a terminal, a detached monitor and us attached to it, as Docker and
    // Podman do: the detach keys leave the container running, and other
    // terminals may attach.
    if args.create.tty() {
        let opts = AttachOptions {
            stdin: args.create.interactive(),
            tty: true,
            detach_keys: parse_detach_keys(&args.detach_keys)?,
            // As a foreground run without -t does (and Podman's): signals sent
            // to `coracle run` reach the container; Ctrl-C does too, as a key
            // with -i or as SIGINT without.
            sig_proxy: true,
        };
        let end = start::start_attached(ctx, &store, &id, &opts, true);
        return super::start::attach_result(end);
    }
    let foreground = Options {
        remove_on_failure: true,
        ..Options::default()
    };
    // The monitor must start single-threaded. Unless a pull left threads behind,
    // this process is, and saves the cost of a fresh one.
    if single_threaded() {
        return super::monitor::run(ctx, store, &id, foreground);
    }
    // exec leaves every thread behind.
    let exe = std::env::current_exe().context("cannot find the coracle binary")?;
    let err = std::process::Command::new(exe)
        .arg("--root")
        .arg(&ctx.root)
        .arg("--runroot")
        .arg(&ctx.runroot)
        .args(["monitor", "--remove-on-failure", &id])
        .exec();
    let _ = store.remove_container(&id);
    Err(err).context("cannot start the container monitor")
}

fn single_threaded() -> bool {
    std::fs::read_dir("/proc/self/task").is_ok_and(|tasks| tasks.count() == 1)
}
