//! `coracle attach`: a running container's output (and input, when it keeps its
//! stdin open) through its monitor.

use super::targets::Latest;
use crate::engine::containers::attach::{parse_detach_keys, AttachRequest, DEFAULT_DETACH_KEYS};
use crate::engine::interface::Engine;

#[derive(clap::Args)]
pub struct Args {
    /// Do not attach stdin
    #[arg(long)]
    no_stdin: bool,
    /// The keys that detach from the container
    #[arg(long, default_value = DEFAULT_DETACH_KEYS)]
    detach_keys: String,
    /// Pass signals on to the container (when it has no terminal)
    #[arg(long, default_value_t = true, action = clap::ArgAction::Set, num_args = 0..=1, require_equals = true, default_missing_value = "true")]
    sig_proxy: bool,
    #[command(flatten)]
    latest: Latest,
    container: Option<String>,
}

pub fn exec(engine: &dyn Engine, args: Args) -> anyhow::Result<()> {
    if args.container.is_none() && !args.latest.latest {
        anyhow::bail!("\"coracle attach\" requires a name, id, or the \"--latest\" flag");
    }
    let container = args.latest.resolve(engine, args.container)?;
    let request = AttachRequest {
        stdin: !args.no_stdin,
        detach_keys: parse_detach_keys(&args.detach_keys)?,
        sig_proxy: args.sig_proxy,
    };
    let streams = super::terminal::streams(!args.no_stdin, true);
    let end = engine.attach(&container, &request, streams)?;
    super::run::attach_result(end)
}
