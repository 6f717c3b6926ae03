//! `coracle ps` (`container ls`): Docker's columns, status words and `--format` keys.

use super::format::{human_duration, human_size, print_rows};
use super::table::Table;
use crate::engine::containers::list::{ListOptions, Listed};
use crate::engine::interface::Engine;
use crate::engine::interface::{RunState, Status};
use crate::engine::net::ports;
use chrono::{DateTime, Utc};
use serde_json::{json, Map, Value};

#[derive(clap::Args)]
pub struct Args {
    /// Show all containers (the default shows just running ones)
    #[arg(short, long)]
    all: bool,
    /// Show only container IDs
    #[arg(short, long)]
    quiet: bool,
    /// Show the latest created container (of any state)
    #[arg(short, long)]
    latest: bool,
    /// Show the N last created containers (of any state)
    #[arg(short = 'n', long = "last", value_name = "N")]
    last: Option<usize>,
    /// Don't truncate output
    #[arg(long)]
    no_trunc: bool,
    /// Show the size of the files each container wrote
    #[arg(short, long)]
    size: bool,
    /// Filter output (status=, name=, id=, label=KEY[=VALUE], ancestor=, exited=)
    #[arg(short, long = "filter", value_name = "FILTER")]
    filters: Vec<String>,
    /// Format output: json, or a Go template such as '{{.ID}} {{.Status}}'
    #[arg(long)]
    format: Option<String>,
}

pub fn exec(engine: &dyn Engine, args: Args) -> anyhow::Result<()> {
    let opts = ListOptions {
        all: args.all,
        filters: args.filters.clone(),
        last: if args.latest { Some(1) } else { args.last },
        size: args.size,
    };
    let listed = engine.list_containers(&opts)?;
    let now = Utc::now().timestamp_millis();
    let rows: Vec<Map<String, Value>> = listed.iter().map(|l| row(l, &args, now)).collect();
    if args.quiet {
        return Ok(print_rows("{{.ID}}", &rows)?);
    }
    if let Some(format) = &args.format {
        return Ok(print_rows(format, &rows)?);
    }
    let mut header = vec![
        "CONTAINER ID",
        "IMAGE",
        "COMMAND",
        "CREATED",
        "STATUS",
        "PORTS",
        "NAMES",
    ];
    let keys = [
        "ID",
        "Image",
        "Command",
        "RunningFor",
        "Status",
        "Ports",
        "Names",
    ];
    if args.size {
        header.push("SIZE");
    }
    let mut table = Table::new(&header);
    for r in &rows {
        let text = |k: &str| r[k].as_str().unwrap_or_default().to_owned();
        let mut cells: Vec<String> = keys.iter().map(|k| text(k)).collect();
        if args.size {
            cells.push(text("Size"));
        }
        table.row(cells);
    }
    Ok(table.print()?)
}

/// One container with Docker's `--format` keys (and Restarts, which Podman has).
fn row(l: &Listed, args: &Args, now_ms: i64) -> Map<String, Value> {
    let r = &l.record;
    let command = l.config.command.join(" ");
    let command = if args.no_trunc {
        command
    } else {
        ellipsis(&command, 20)
    };
    let created = DateTime::from_timestamp(r.created, 0).unwrap_or_default();
    let labels: Vec<String> = l
        .config
        .labels
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect();
    let object = json!({
        "ID": if args.no_trunc { r.id.clone() } else { r.id[..12].to_owned() },
        "Image": r.image_name,
        "Command": serde_json::to_string(&command).unwrap_or_default(),
        "CreatedAt": created.format("%Y-%m-%d %H:%M:%S +0000 UTC").to_string(),
        "RunningFor": format!("{} ago", human_duration(now_ms / 1000 - r.created)),
        "Status": status(&r.state, now_ms),
        "State": r.state.status.as_str(),
        "Names": r.name,
        "Labels": labels.join(","),
        "Ports": ports::ps_column(&l.config.ports),
        "Size": size(l),
        "Mounts": "",
        // The mode, or the networks' names (a,b).
        "Networks": l.config.network.to_string(),
        "LocalVolumes": "0",
        "Restarts": r.state.restarts,
    });
    object.as_object().cloned().unwrap_or_default()
}

/// Docker's State.String(): "Up 3 seconds", "Exited (0) 2 minutes ago", ...
pub(crate) fn status(s: &RunState, now_ms: i64) -> String {
    let ago = |ms: Option<i64>| human_duration((now_ms - ms.unwrap_or(now_ms)) / 1000);
    let code = s.exit_code.unwrap_or(0);
    match s.status {
        Status::Running => format!("Up {}", ago(s.started_ms)),
        Status::Paused => format!("Up {} (Paused)", ago(s.started_ms)),
        Status::Restarting => format!("Restarting ({code}) {} ago", ago(s.finished_ms)),
        _ if s.started_ms.is_none() => "Created".to_owned(),
        Status::Exited => format!("Exited ({code}) {} ago", ago(s.finished_ms)),
        Status::Created => "Created".to_owned(),
    }
}

/// Docker's `Ellipsis`: at most `width` characters, the last one "…" when cut.
fn ellipsis(s: &str, width: usize) -> String {
    if s.chars().count() <= width {
        return s.to_owned();
    }
    format!("{}…", s.chars().take(width - 1).collect::<String>())
}

/// "0B (virtual 4.26MB)": what the container wrote, and that plus its image;
/// "0B" when not measured.
fn size(l: &Listed) -> String {
    match l.size {
        Some(size) => format!(
            "{} (virtual {})",
            human_size(size.rw),
            human_size(size.root_fs)
        ),
        None => "0B".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_words_are_dockers() {
        let now = 1_000_000_000;
        let mut s = RunState::created();
        assert_eq!(status(&s, now), "Created");
        s.status = Status::Running;
        s.started_ms = Some(now - 300);
        assert_eq!(status(&s, now), "Up Less than a second");
        s.started_ms = Some(now - 3_000);
        assert_eq!(status(&s, now), "Up 3 seconds");
        s.started_ms = Some(now - 70_000);
        assert_eq!(status(&s, now), "Up About a minute");
        s.status = Status::Paused;
        s.started_ms = Some(now - 5_000);
        assert_eq!(status(&s, now), "Up 5 seconds (Paused)");
        s.status = Status::Exited;
        s.exit_code = Some(0);
        s.finished_ms = Some(now - 120_000);
        assert_eq!(status(&s, now), "Exited (0) 2 minutes ago");
        s.status = Status::Restarting;
        s.exit_code = Some(1);
        s.finished_ms = Some(now - 2_000);
        assert_eq!(status(&s, now), "Restarting (1) 2 seconds ago");
    }

    #[test]
    fn commands_are_cut_at_twenty_characters() {
        assert_eq!(ellipsis("sleep 1000", 20), "sleep 1000");
        assert_eq!(
            ellipsis("sh -c while true; do sleep 1; done", 20),
            "sh -c while true; d…"
        );
    }
}
