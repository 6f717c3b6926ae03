//! `coracle pull`

use super::progress::TransferDisplay;
use crate::engine::context::Context;
use crate::engine::images::pull::{pull, PullOptions};
use crate::engine::images::ImagesError;
use std::sync::Arc;

#[derive(clap::Args)]
pub struct Args {
    /// Pull for this platform instead of the host's (os/arch[/variant])
    #[arg(long)]
    platform: Option<String>,
    /// Print only the image ID
    #[arg(short, long)]
    quiet: bool,
    /// Require HTTPS and verify certificates (loopback registries may use plain HTTP)
    #[arg(long, default_value_t = true, action = clap::ArgAction::Set, num_args = 0..=1, default_missing_value = "true")]
    tls_verify: bool,
    /// IMAGE[:TAG|@DIGEST]
    image: String,
}

pub fn exec(ctx: &Context, args: Args) -> anyhow::Result<()> {
    let opts = PullOptions {
        reference: args.image,
        platform: args.platform,
        tls_verify: args.tls_verify,
    };
    let id = pull_image(ctx, &opts, args.quiet)?;
    println!("{id}");
    Ok(())
}

/// Pulls with progress on stderr (none when quiet); used by `pull`, `run` and `build`.
pub fn pull_image(ctx: &Context, opts: &PullOptions, quiet: bool) -> Result<String, ImagesError> {
    let display = Arc::new(TransferDisplay::new(quiet));
    let events = display.clone();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| ImagesError::Task(format!("cannot start the pull's runtime: {e}")))?;
    let result = runtime.block_on(pull(ctx, opts, Arc::new(move |e| events.pull(e))));
    display.finish(result.is_ok());
    // Layers still unpacking after a failure would hold the exit; their temp dirs are
    // swept by the next pull.
    runtime.shutdown_background();
    result
}
