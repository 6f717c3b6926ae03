//! `coracle events`: what commands and monitors recorded, as Podman prints
//! it: one line per event, or `--format json` / a Go template.

use super::format;
use crate::engine::containers::logs::parse_time;
use crate::engine::events::{Event, EventsOptions, Type};
use crate::engine::interface::Engine;
use chrono::{DateTime, Utc};
use serde_json::{Map, Value};
use std::io::Write;

#[derive(clap::Args)]
pub struct Args {
    /// Filter output (container=, image=, event=, type=, label=, network=,
    /// volume=, since=, until=)
    #[arg(short, long)]
    filter: Vec<String>,
    /// Format the output: json, or a Go template ({{.Status}}, {{.Name}}...)
    #[arg(long)]
    format: Option<String>,
    /// Show events since a time: RFC 3339, unix seconds, or a duration such as 10m
    #[arg(long)]
    since: Option<String>,
    /// Show events until a time: RFC 3339, unix seconds, or a duration such as 10m
    #[arg(long)]
    until: Option<String>,
    /// Follow new events (false: print those recorded and exit)
    #[arg(long, default_value_t = true, action = clap::ArgAction::Set, num_args = 0..=1, default_missing_value = "true")]
    stream: bool,
    /// Do not truncate IDs
    #[arg(long, default_value_t = true, action = clap::ArgAction::Set, num_args = 0..=1, default_missing_value = "true")]
    no_trunc: bool,
}

pub fn exec(engine: &dyn Engine, args: Args) -> anyhow::Result<()> {
    // Podman takes the time range among the filters too.
    let mut since = args.since;
    let mut until = args.until;
    let mut filters = Vec::new();
    for filter in args.filter {
        match filter.split_once('=') {
            Some(("since", t)) => since = Some(t.to_owned()),
            Some(("until", t)) => until = Some(t.to_owned()),
            Some((key @ ("event" | "action"), status)) => {
                filters.extend(stored_actions(status).map(|a| format!("{key}={a}")))
            }
            _ => filters.push(filter),
        }
    }
    let nanos = |t: Option<String>| -> anyhow::Result<Option<i64>> {
        Ok(t.as_deref()
            .map(parse_time)
            .transpose()?
            .map(|t| t.timestamp_nanos_opt().unwrap_or(i64::MAX)))
    };
    let opts = EventsOptions {
        since: nanos(since)?,
        until: nanos(until)?,
        filters,
        stream: args.stream,
    };
    for batch in engine.events(&opts)? {
        let batch = batch?;
        if batch.is_empty() {
            continue;
        }
        if args.format.is_none() {
            // A hundred thousand lines are written in large pieces, not a
            // write(2) a line.
            let mut out = std::io::BufWriter::with_capacity(1 << 16, std::io::stdout().lock());
            for event in &batch {
                writeln!(
                    out,
                    "{}",
                    human(&readable(event, args.no_trunc), event.time_nano)
                )?;
            }
            out.flush()?;
            continue;
        }
        let rows: Vec<Map<String, Value>> =
            batch.iter().map(|e| readable(e, args.no_trunc)).collect();
        if let Some(format) = args.format.as_deref() {
            let listing = format::Listing {
                json: format::Json::Lines,
                ..format::Listing::default()
            };
            format::print_rows(format, &rows, listing)?
        }
    }
    Ok(())
}

/// Podman's JSON event: ID, Name, Image, Status, Type, Time and the other
/// attributes; a container's exit code as ContainerExitCode, a network's
/// name as Network.
fn readable(event: &Event, no_trunc: bool) -> Map<String, Value> {
    let mut row = Map::new();
    let id = match (no_trunc, event.id.strip_prefix("sha256:")) {
        (true, _) => event.id.clone(),
        (false, Some(hex)) => hex.chars().take(12).collect(),
        (false, None) => event.id.chars().take(12).collect(),
    };
    let time = DateTime::<Utc>::from_timestamp_nanos(event.time_nano);
    let mut attributes = event.attributes.clone();
    let mut take = |key: &str| attributes.remove(key).map(Value::String);
    match event.kind {
        Type::Container => {
            row.insert("ID".into(), Value::String(id));
            row.extend(take("image").map(|v| ("Image".into(), v)));
            row.extend(take("name").map(|v| ("Name".into(), v)));
            if let Some(code) = take("exitCode").and_then(|v| v.as_str()?.parse::<i64>().ok()) {
                row.insert("ContainerExitCode".into(), code.into());
            }
        }
        Type::Network => {
            row.insert("ID".into(), Value::String(id));
            row.extend(take("name").map(|v| ("Network".into(), v)));
            row.extend(take("container").map(|v| ("Name".into(), v)));
        }
        Type::Image | Type::Pod => {
            row.insert("ID".into(), Value::String(id));
            row.extend(take("name").map(|v| ("Name".into(), v)));
        }
        Type::Volume => {
            row.insert("Name".into(), Value::String(event.id.clone()));
        }
    }
    row.insert("Status".into(), podman_status(&event.action).into());
    row.insert(
        "Time".into(),
        time.to_rfc3339_opts(chrono::SecondsFormat::Nanos, true)
            .into(),
    );
    row.insert("Type".into(), event.kind.as_str().into());
    if !attributes.is_empty() {
        let attributes = attributes.into_iter().map(|(k, v)| (k, v.into()));
        row.insert("Attributes".into(), Value::Object(attributes.collect()));
    }
    row
}

/// The log keeps Docker's words (the API serves them as they are); Podman's
/// CLI says `died`, `remove`, `exec` and `exec_died` for them.
fn podman_status(action: &str) -> &str {
    match action {
        "die" => "died",
        "destroy" | "delete" => "remove",
        "exec_die" => "exec_died",
        a if a.starts_with("exec_start") => "exec",
        a => a,
    }
}

/// The stored actions a Podman status filter means (Docker's own words match
/// too).
fn stored_actions(status: &str) -> impl Iterator<Item = &str> {
    let stored: &[&str] = match status {
        "died" => &["die"],
        "remove" => &["destroy", "delete"],
        "exec_died" => &["exec_die"],
        "exec" => &["exec_start"],
        _ => &[],
    };
    std::iter::once(status).chain(stored.iter().copied())
}

/// Podman's line: `TIME TYPE STATUS ID (image=…, name=…, …)`, the time as
/// Go prints one.
fn human(row: &Map<String, Value>, time_nano: i64) -> String {
    let text = |key: &str| row.get(key).and_then(Value::as_str).unwrap_or("");
    let time =
        DateTime::<Utc>::from_timestamp_nanos(time_nano).format("%Y-%m-%d %H:%M:%S%.9f +0000 UTC");
    let head = format!("{time} {} {}", text("Type"), text("Status"));
    match text("Type") {
        "container" => {
            let mut line = format!(
                "{head} {} (image={}, name={}",
                text("ID"),
                text("Image"),
                text("Name")
            );
            if let Some(code) = row.get("ContainerExitCode") {
                line.push_str(&format!(", exitCode={code}"));
            }
            for (key, value) in row
                .get("Attributes")
                .and_then(Value::as_object)
                .into_iter()
                .flatten()
            {
                line.push_str(&format!(", {key}={}", value.as_str().unwrap_or("")));
            }
            line + ")"
        }
        "network" => format!(
            "{head} {} (container={}, name={})",
            text("ID"),
            text("Name"),
            text("Network")
        ),
        "image" => format!("{head} {} {}", text("ID"), text("Name")),
        // Podman's: a pod has no image, and says so.
        "pod" => format!("{head} {} (image=, name={})", text("ID"), text("Name")),
        _ => format!("{head} {}", text("Name")),
    }
}
