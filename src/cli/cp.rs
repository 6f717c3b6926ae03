//! `coracle cp` and `coracle export`, from the host side: the files on the host are
//! read and written as the caller (see engine/containers/cp).

use crate::engine::containers::cp::{CopyOptions, Endpoint};
use crate::engine::interface::Engine;
use anyhow::Context as _;
use std::path::PathBuf;

#[derive(clap::Args)]
pub struct Args {
    /// Keep the files' owners (uid and gid)
    #[arg(short, long)]
    archive: bool,
    /// Follow a symlink given as the source
    #[arg(short = 'L', long)]
    follow_link: bool,
    /// Allow replacing directories with non-directories and vice versa
    #[arg(long)]
    overwrite: bool,
    /// CONTAINER:PATH, a host path, or - (a tar stream on stdin)
    #[arg(value_name = "SRC")]
    src: String,
    /// CONTAINER:PATH, a host path, or - (a tar stream on stdout)
    #[arg(value_name = "DEST")]
    dest: String,
}

#[derive(clap::Args)]
pub struct ExportArgs {
    /// Write to this file instead of stdout
    #[arg(short, long, value_name = "FILE")]
    output: Option<PathBuf>,
    container: String,
}

/// `-` reads a tar from our stdin or writes one to our stdout.
pub fn exec(engine: &dyn Engine, args: Args) -> anyhow::Result<()> {
    let opts = CopyOptions {
        archive: args.archive,
        follow: args.follow_link,
        overwrite: args.overwrite,
    };
    let (src, dest) = (Endpoint::parse(&args.src), Endpoint::parse(&args.dest));
    // Not locked: the copy forks, and a child must not inherit a held lock.
    let (mut input, mut output) = (std::io::stdin(), std::io::stdout());
    Ok(engine.copy(&src, &dest, opts, &mut input, &mut output)?)
}

pub fn export(engine: &dyn Engine, args: ExportArgs) -> anyhow::Result<()> {
    let mut out: Box<dyn std::io::Write> = match &args.output {
        Some(path) => Box::new(
            std::fs::File::create(path)
                .with_context(|| format!("cannot create {}", path.display()))?,
        ),
        None => {
            if std::io::IsTerminal::is_terminal(&std::io::stdout()) {
                anyhow::bail!(
                    "refusing to write a tar to a terminal: use -o FILE or redirect stdout"
                );
            }
            Box::new(std::io::stdout().lock())
        }
    };
    Ok(engine.export(&args.container, &mut out)?)
}
