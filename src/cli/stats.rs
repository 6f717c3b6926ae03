//! `coracle stats`: what each container uses, in Podman's columns, once
//! (`--no-stream`) or every `--interval` seconds.

use super::format::{self, bytes_size, go_duration, human_size_4};
use super::targets::Latest;
use crate::engine::containers::stats::{Sample, Source};
use crate::engine::interface::Engine;
use serde_json::{json, Map, Value};
use std::collections::HashMap;
use std::io::{IsTerminal, Write};
use std::time::Duration;

/// Podman's columns.
const TABLE: &str = "table {{.ID}}\t{{.Name}}\t{{.CPUPerc}}\t{{.MemUsage}}\t{{.MemPerc}}\t\
                     {{.NetIO}}\t{{.BlockIO}}\t{{.PIDS}}\t{{.UpTime}}\t{{.AVGCPU}}";

const HEADERS: &[(&str, &str)] = &[
    ("CPUPerc", "CPU %"),
    ("MemUsage", "MEM USAGE / LIMIT"),
    ("MemUsageBytes", "MEM USAGE / LIMIT"),
    ("MemPerc", "MEM %"),
    ("NetIO", "NET IO"),
    ("BlockIO", "BLOCK IO"),
    ("UpTime", "CPU TIME"),
    ("AVGCPU", "AVG CPU %"),
];

#[derive(clap::Args)]
pub struct Args {
    /// Show all containers (stats with no names shows them all already, as Podman's does)
    #[arg(short, long)]
    all: bool,
    #[command(flatten)]
    latest: Latest,
    #[command(flatten)]
    flags: Flags,
    #[arg(value_name = "CONTAINER")]
    containers: Vec<String>,
}

/// How and how often readings are shown (`stats`, `pod stats`).
#[derive(clap::Args)]
pub struct Flags {
    /// Pretty-print container statistics to JSON or using a Go template
    #[arg(long)]
    format: Option<String>,
    /// Time in seconds between stats reports
    #[arg(short, long, default_value_t = 5, allow_negative_numbers = true)]
    interval: i64,
    /// Disable resetting the screen between intervals
    #[arg(long)]
    no_reset: bool,
    /// Disable streaming stats and only pull the first result
    #[arg(long)]
    no_stream: bool,
    /// Do not truncate output
    #[arg(long)]
    no_trunc: bool,
}

pub fn exec(engine: &dyn Engine, args: Args) -> anyhow::Result<()> {
    let given = [args.all, args.latest.latest, !args.containers.is_empty()];
    if given.iter().filter(|g| **g).count() > 1 {
        anyhow::bail!("--all, --latest and containers cannot be used together");
    }
    let names = match args.latest.latest {
        true => vec![args.latest.resolve(engine, None)?],
        false => args.containers.clone(),
    };
    show(engine, &names, &args.flags)
}

/// Readings of `names` (every container when empty), as the flags say.
pub fn show(engine: &dyn Engine, names: &[String], args: &Flags) -> anyhow::Result<()> {
    if args.interval < 1 {
        anyhow::bail!("invalid interval, must be a positive number greater zero");
    }
    let mut previous: HashMap<String, Sample> = HashMap::new();
    let mut warned = false;
    loop {
        let samples = engine
            .stats(names)
            .map_err(|e| anyhow::anyhow!("unable to get list of containers: {e}"))?;
        if !warned && samples.iter().any(|s| s.source == Source::Processes) {
            warned = true;
            log::warn!(
                "rootless containers have no cgroup of their own on this host (no cgroup v2 delegation): \
                 their CPU, memory, PIDs and block I/O are summed over their processes from /proc"
            );
        }
        let rows: Vec<Row> = samples
            .iter()
            .map(|s| Row::of(s, previous.get(&s.id), args.no_trunc))
            .collect();
        if !args.no_stream && !args.no_reset && std::io::stdout().is_terminal() {
            // Podman's goterm.Clear and MoveCursor(1, 1).
            print!("\x1b[2J\x1b[1;1H");
        }
        print(rows, args.format.as_deref())?;
        if args.no_stream {
            return Ok(());
        }
        previous = samples.into_iter().map(|s| (s.id.clone(), s)).collect();
        std::thread::sleep(Duration::from_secs(args.interval as u64));
    }
}

fn print(rows: Vec<Row>, format: Option<&str>) -> anyhow::Result<()> {
    let format = format.map(str::trim);
    if matches!(format, Some("json" | "{{json .}}" | "{{ json . }}")) {
        // Podman indents its stats by one space, keys in its struct's order.
        let items: Vec<&[(&str, String)]> = rows.iter().map(|r| r.json.as_slice()).collect();
        let mut out = std::io::stdout().lock();
        let mut ser = serde_json::Serializer::with_formatter(
            &mut out,
            serde_json::ser::PrettyFormatter::with_indent(b" "),
        );
        serde::Serializer::collect_seq(&mut ser, items.iter().map(|pairs| Ordered(pairs)))?;
        writeln!(out)?;
        return Ok(out.flush()?);
    }
    let fields: Vec<Map<String, Value>> = rows.into_iter().map(|r| r.fields).collect();
    let listing = format::Listing {
        headers: HEADERS,
        ..format::Listing::default()
    };
    let template = match format::custom(format) {
        Some(custom) => custom,
        None => TABLE,
    };
    format::print_rows(template, &fields, listing)
}

/// Pairs serialized as an object in their own order.
struct Ordered<'a>(&'a [(&'a str, String)]);

impl serde::Serialize for Ordered<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_map(self.0.iter().map(|(k, v)| (k, v)))
    }
}

/// One container's line: its template fields (Podman's containerStats) and
/// its `--format json` object.
struct Row {
    fields: Map<String, Value>,
    json: Vec<(&'static str, String)>,
}

impl Row {
    fn of(s: &Sample, previous: Option<&Sample>, no_trunc: bool) -> Row {
        let id = match no_trunc {
            true => s.id.clone(),
            false => s.id.chars().take(12).collect(),
        };
        let percent = |p: f64| format!("{p:.2}%");
        let pair = |a: u64, b: u64, show: fn(u64) -> String| format!("{} / {}", show(a), show(b));
        let cpu = s.cpu_percent(previous);
        let (limit, net_rx, net_tx) = match s.running {
            true => (s.memory_limit, s.net_rx(), s.net_tx()),
            false => (0, 0, 0),
        };
        let up = go_duration(s.cpu.total);
        let texts = [
            ("id", "ID", id),
            ("name", "Name", s.name.clone()),
            ("cpu_time", "UpTime", up.clone()),
            ("cpu_percent", "CPUPerc", percent(cpu)),
            ("avg_cpu", "AVGCPU", percent(s.average_cpu_percent())),
            ("mem_usage", "MemUsage", pair(s.memory, limit, human_size_4)),
            ("mem_percent", "MemPerc", percent(s.memory_percent())),
            ("net_io", "NetIO", pair(net_rx, net_tx, human_size_4)),
            (
                "block_io",
                "BlockIO",
                pair(s.block_read, s.block_write, human_size_4),
            ),
            ("pids", "PIDS", s.pids.to_string()),
        ];
        let mut json = Vec::new();
        let mut fields = Map::new();
        for (json_key, field, text) in texts {
            json.push((json_key, text.clone()));
            fields.insert(field.into(), text.into());
        }
        let numbers = json!({
            "ContainerID": s.id,
            "MemUsageBytes": pair(s.memory, limit, bytes_size),
            "Up": up,
            "CPU": cpu,
            "CPUNano": s.cpu.total,
            "CPUSystemNano": s.cpu.system,
            "SystemNano": s.read_nanos,
            "MemLimit": limit,
            "NetInput": net_rx,
            "NetOutput": net_tx,
            "BlockInput": s.block_read,
            "BlockOutput": s.block_write,
            "PIDs": s.pids,
        });
        if let Value::Object(numbers) = numbers {
            fields.extend(numbers);
        }
        Row { fields, json }
    }
}
