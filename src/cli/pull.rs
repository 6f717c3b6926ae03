//! `coracle pull`

use super::progress::TransferDisplay;
use crate::engine::images::pull::PullOptions;
use crate::engine::interface::Engine;
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

pub fn exec(engine: &dyn Engine, args: Args) -> anyhow::Result<()> {
    let opts = PullOptions {
        reference: args.image,
        platform: args.platform,
        tls_verify: args.tls_verify,
        credentials: None,
    };
    let display = Arc::new(TransferDisplay::new(args.quiet));
    let events = display.clone();
    let result = engine.pull(&opts, Arc::new(move |e| events.pull(e)));
    display.finish(result.is_ok());
    println!("{}", result?);
    Ok(())
}
