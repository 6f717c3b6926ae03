//! `coracle monitor ID` (hidden): started by `run`, never by people.

use crate::engine::context::Context;
use crate::engine::monitor;

#[derive(clap::Args)]
pub struct Args {
    /// The container's full ID
    id: String,
}

pub fn exec(ctx: &Context, args: Args) -> anyhow::Result<()> {
    match monitor::run(ctx, &args.id) {
        Ok(0) => Ok(()),
        Ok(code) => Err(super::Exit(code).into()),
        Err(e) => {
            eprintln!("Error: {e}");
            Err(super::Exit(e.exit_code()).into())
        }
    }
}
