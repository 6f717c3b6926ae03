//! `coracle ps` (`container ls`): Docker's columns, status words and `--format` keys.

use super::format::{human_size, print_rows};
use super::table::Table;
use crate::engine::containers::list::{ListOptions, Listed};
use crate::engine::containers::status::status;
use crate::engine::duration::human_duration;
use crate::engine::interface::Engine;
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
    fn commands_are_cut_at_twenty_characters() {
        assert_eq!(ellipsis("sleep 1000", 20), "sleep 1000");
        assert_eq!(
            ellipsis("sh -c while true; do sleep 1; done", 20),
            "sh -c while true; d…"
        );
    }
}
