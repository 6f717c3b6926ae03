//! `coracle completion`: the script a shell loads to complete coracle's
//! commands, as Podman's command prints it. The script asks coracle at each tab
//! (see complete.rs), so it holds no list of commands that could go stale.

use super::complete::{script, Shell};
use std::io::Write;
use std::path::PathBuf;

#[derive(clap::Args)]
#[command(after_help = "Examples:
  coracle completion bash
  coracle completion zsh -f _coracle
  coracle completion fish --no-desc")]
pub struct Args {
    /// Output the completion to file rather than stdout
    #[arg(short, long, value_name = "FILE")]
    file: Option<PathBuf>,
    /// Don't include descriptions in the completion output
    #[arg(long)]
    no_desc: bool,
    #[arg(value_enum)]
    shell: Shell,
}

pub fn exec(args: Args) -> anyhow::Result<()> {
    let text = script(args.shell, args.no_desc)?;
    match &args.file {
        Some(path) => std::fs::write(path, text)
            .map_err(|e| anyhow::anyhow!("cannot write {}: {e}", path.display())),
        None => Ok(std::io::stdout().write_all(&text)?),
    }
}
