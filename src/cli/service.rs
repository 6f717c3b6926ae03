//! `system service`: serves the Docker API until idle.

use crate::api::{serve, ServiceOptions};
use crate::engine::context::ContextOptions;
use std::time::Duration;

#[derive(clap::Args)]
pub struct Args {
    /// Seconds without a client before the service exits (0: never)
    #[arg(short, long, default_value_t = 5, value_name = "SECONDS")]
    time: u64,
    /// Set CORS headers: the origin each response allows
    #[arg(long, value_name = "ORIGIN")]
    cors: Option<String>,
    /// Where to listen: unix:///PATH or tcp://HOST:PORT (default: coracle.sock
    /// in the run root, $XDG_RUNTIME_DIR/coracle or /run/coracle)
    uri: Option<String>,
}

pub fn exec(ctx: &ContextOptions, args: Args) -> anyhow::Result<()> {
    let opts = ServiceOptions {
        uri: args.uri,
        idle: Duration::from_secs(args.time),
        cors: args.cors,
    };
    Ok(serve(ctx, &opts)?)
}
