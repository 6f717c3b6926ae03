//! `coracle logs`: the container's output as it logged it, stdout entries to our
//! stdout and stderr entries to our stderr.

use super::targets::Latest;
use crate::engine::containers::logs::{parse_time, LogOptions};
use crate::engine::interface::Engine;
use crate::engine::interface::{LogEntry as Entry, LogStream as Stream};
use std::io::Write;

#[derive(clap::Args)]
pub struct Args {
    /// Follow log output until the container stops
    #[arg(short, long)]
    follow: bool,
    /// Show logs since a time: RFC 3339, unix seconds, or a duration such as 42m
    #[arg(long)]
    since: Option<String>,
    /// Show logs before a time: RFC 3339, unix seconds, or a duration such as 42m
    #[arg(long)]
    until: Option<String>,
    /// Number of lines to show from the end of the logs, or "all"
    #[arg(long, default_value = "all")]
    tail: String,
    /// Show timestamps
    #[arg(short, long)]
    timestamps: bool,
    /// Show extra details (none are logged)
    #[arg(long)]
    details: bool,
    /// Accepted: Podman prefixes (and colours) lines only when it shows several
    /// containers' logs, and coracle shows one container's
    #[arg(short = 'n', long)]
    names: bool,
    /// Accepted: see --names
    #[arg(long)]
    color: bool,
    #[command(flatten)]
    latest: Latest,
    #[arg(required_unless_present = "latest")]
    container: Option<String>,
}

pub fn exec(engine: &dyn Engine, args: Args) -> anyhow::Result<()> {
    if args.names || args.color {
        log::debug!("ignoring --names and --color: they mark lines of several containers' logs, and coracle shows one container's");
    }
    let container = args.latest.resolve(engine, args.container)?;
    let tail = match args.tail.as_str() {
        "all" => None,
        n => Some(n.parse::<i64>().map_err(|_| {
            anyhow::anyhow!("invalid --tail {n:?}: give a number of lines or \"all\"")
        })?),
    };
    let opts = LogOptions {
        follow: args.follow,
        since: args.since.as_deref().map(parse_time).transpose()?,
        until: args.until.as_deref().map(parse_time).transpose()?,
        // Docker treats a negative count as all.
        tail: tail.and_then(|n| usize::try_from(n).ok()),
    };
    for entries in engine.logs(&container, &opts)? {
        let entries = entries?;
        let (mut out, mut err) = (std::io::stdout().lock(), std::io::stderr().lock());
        for entry in &entries {
            if args.timestamps {
                write!(sink(entry, &mut out, &mut err), "{} ", entry.time)?;
            }
            sink(entry, &mut out, &mut err).write_all(entry.log.as_bytes())?;
        }
        out.flush()?;
    }
    Ok(())
}

fn sink<'a>(entry: &Entry, out: &'a mut dyn Write, err: &'a mut dyn Write) -> &'a mut dyn Write {
    match entry.stream {
        Stream::Stdout => out,
        Stream::Stderr => err,
    }
}
