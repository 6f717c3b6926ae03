//! `coracle logs`: the containers' output as they logged it, stdout entries to
//! our stdout and stderr entries to our stderr.

use super::targets::{check, Latest};
use crate::engine::containers::logs::{parse_time, LogOptions};
use crate::engine::containers::select::Selection;
use crate::engine::interface::{Engine, LogBatches};
use crate::engine::interface::{LogEntry as Entry, LogStream as Stream};
use std::io::Write;

#[derive(clap::Args)]
pub struct Args {
    #[command(flatten)]
    flags: Flags,
    #[command(flatten)]
    latest: Latest,
    #[arg(value_name = "CONTAINER")]
    containers: Vec<String>,
}

/// What is shown of each container's logs (`logs`, `pod logs`).
#[derive(clap::Args)]
pub struct Flags {
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
    /// Mark each line with its container's name rather than its short ID
    /// (when several containers' logs are shown)
    #[arg(short = 'n', long)]
    names: bool,
    /// Colour each container's lines
    #[arg(long)]
    color: bool,
}

/// Podman's colours, one per container in turn.
const COLORS: [&str; 7] = [
    "\x1b[37m", "\x1b[31m", "\x1b[32m", "\x1b[33m", "\x1b[34m", "\x1b[35m", "\x1b[36m",
];
const RESET: &str = "\x1b[0m";

/// How one container's lines are marked: with several containers, each line
/// after its container's short ID (or name, with --names); with --color, in
/// its container's colour.
struct Marks {
    prefix: Option<String>,
    color: Option<&'static str>,
    timestamps: bool,
}

pub fn exec(engine: &dyn Engine, args: Args) -> anyhow::Result<()> {
    let missing = "specify at least one container name or ID to log";
    check(&args.containers, false, args.latest.latest, &[], missing)?;
    let sel = Selection {
        names: args.containers.clone(),
        latest: args.latest.latest,
        ..Selection::default()
    };
    let containers = engine.select_containers(&sel)?;
    show(engine, &containers, &args.flags)
}

/// The logs of `containers`, each line marked with its container's when
/// there are several.
pub fn show(engine: &dyn Engine, containers: &[String], args: &Flags) -> anyhow::Result<()> {
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
    let mut logs = Vec::new();
    for (i, name) in containers.iter().enumerate() {
        let prefix = match containers.len() {
            1 => None,
            _ => Some(label(engine, name, args.names)?),
        };
        let marks = Marks {
            prefix,
            color: args.color.then_some(COLORS[i % COLORS.len()]),
            timestamps: args.timestamps,
        };
        logs.push((engine.logs(name, &opts)?, marks));
    }
    match logs.len() > 1 && !args.follow {
        true => print_merged(logs),
        false => print_each(logs),
    }
}

/// A container's name (without Docker's `/`), or its short ID.
fn label(engine: &dyn Engine, name: &str, names: bool) -> anyhow::Result<String> {
    let doc = engine.inspect_container(name)?;
    let text = match names {
        true => doc["Name"].as_str().unwrap_or(name).trim_start_matches('/'),
        false => doc["Id"].as_str().unwrap_or(name),
    };
    Ok(match names {
        true => text.to_owned(),
        false => text.chars().take(12).collect(),
    })
}

/// Each container's batches as they come (each followed in a thread of its own).
fn print_each(logs: Vec<(LogBatches, Marks)>) -> anyhow::Result<()> {
    std::thread::scope(|s| {
        let drains: Vec<_> = logs
            .into_iter()
            .map(|(batches, marks)| {
                s.spawn(move || -> anyhow::Result<()> {
                    for entries in batches {
                        print(&entries?, &marks)?;
                    }
                    Ok(())
                })
            })
            .collect();
        drains
            .into_iter()
            .try_for_each(|d| d.join().expect("a log drain panicked"))
    })
}

/// Several containers' logs in the order they were written.
fn print_merged(mut logs: Vec<(LogBatches, Marks)>) -> anyhow::Result<()> {
    let mut all = Vec::new();
    for (i, (batches, _)) in logs.iter_mut().enumerate() {
        for entries in batches {
            all.extend(entries?.into_iter().map(|e| (i, e)));
        }
    }
    all.sort_by(|(_, a), (_, b)| a.time.cmp(&b.time));
    for (i, entry) in all {
        print(std::slice::from_ref(&entry), &logs[i].1)?;
    }
    Ok(())
}

fn print(entries: &[Entry], marks: &Marks) -> std::io::Result<()> {
    let (mut out, mut err) = (std::io::stdout().lock(), std::io::stderr().lock());
    for entry in entries {
        let sink = sink(entry, &mut out, &mut err);
        if let Some(color) = marks.color {
            sink.write_all(color.as_bytes())?;
        }
        if let Some(prefix) = &marks.prefix {
            write!(sink, "{prefix} ")?;
        }
        if marks.timestamps {
            write!(sink, "{} ", entry.time)?;
        }
        match marks.color {
            Some(_) => writeln!(sink, "{}{RESET}", entry.log.trim_end_matches('\n'))?,
            None => sink.write_all(entry.log.as_bytes())?,
        }
    }
    out.flush()
}

fn sink<'a>(entry: &Entry, out: &'a mut dyn Write, err: &'a mut dyn Write) -> &'a mut dyn Write {
    match entry.stream {
        Stream::Stdout => out,
        Stream::Stderr => err,
    }
}
