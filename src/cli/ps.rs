//! `coracle ps` (`container ls`): Docker's columns, status words and `--format` keys.

use super::format::{custom, human_size, print_rows, Listing};
use super::ps_json::podman_json;
use super::unsupported::ignored;
use crate::engine::containers::list::{ListOptions, Listed};
use crate::engine::containers::status::status;
use crate::engine::duration::human_duration;
use crate::engine::interface::Engine;
use crate::engine::net::ports;
use chrono::{DateTime, Utc};
use clap::builder::BoolValueParser;
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
    /// Do not print the header line
    #[arg(long)]
    noheading: bool,
    /// Sort by command, created, id, image, names, runningfor, size or status
    #[arg(long, value_enum, default_value_t = Sort::Created)]
    sort: Sort,
    /// Print the list again every N seconds
    #[arg(short, long, value_name = "SECONDS", default_value_t = 0)]
    watch: u64,
    /// Sync container state with the runtime (ignored: coracle's monitor keeps
    /// the state in sync)
    #[arg(long, value_parser = ignored(BoolValueParser::new()))]
    sync: bool,
    /// Show containers in storage not made by run or create (ignored: coracle's
    /// build leaves no working containers behind, as buildah's do in Podman's)
    #[arg(long, value_parser = ignored(BoolValueParser::new()))]
    external: bool,
    /// Show each running container's namespaces
    #[arg(long)]
    ns: bool,
    /// Show the ID and name of the pod each container is in
    #[arg(short, long)]
    pod: bool,
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum Sort {
    Command,
    Created,
    Id,
    Image,
    Names,
    Runningfor,
    Size,
    Status,
}

/// Podman's default columns (`CreatedHuman` is headed CREATED).
const TABLE: &str =
    "table {{.ID}}\\t{{.Image}}\\t{{.Command}}\\t{{.CreatedHuman}}\\t{{.Status}}\\t{{.Ports}}\\t{{.Names}}";

/// Podman's `--ns` columns.
const NS_TABLE: &str = "table {{.ID}}\\t{{.Names}}\\t{{.Pid}}\\t{{.Namespaces.Cgroup}}\\t{{.Namespaces.IPC}}\\t{{.Namespaces.MNT}}\\t{{.Namespaces.NET}}\\t{{.Namespaces.PIDNS}}\\t{{.Namespaces.User}}\\t{{.Namespaces.UTS}}";

const HEADERS: &[(&str, &str)] = &[
    ("ID", "CONTAINER ID"),
    ("Cgroup", "CGROUPNS"),
    ("User", "USERNS"),
    ("CreatedHuman", "CREATED"),
    ("Pod", "POD ID"),
    ("PodName", "PODNAME"),
];

pub fn exec(engine: &dyn Engine, args: Args) -> anyhow::Result<()> {
    loop {
        list(engine, &args)?;
        if args.watch == 0 {
            return Ok(());
        }
        std::thread::sleep(std::time::Duration::from_secs(args.watch));
    }
}

fn list(engine: &dyn Engine, args: &Args) -> anyhow::Result<()> {
    let opts = ListOptions {
        all: args.all,
        filters: args.filters.clone(),
        last: if args.latest { Some(1) } else { args.last },
        size: args.size,
    };
    let mut listed = engine.list_containers(&opts)?;
    sort(&mut listed, args.sort);
    let now = Utc::now().timestamp_millis();
    let mut rows: Vec<Map<String, Value>> = listed.iter().map(|l| row(l, args, now)).collect();
    let pods = pod_names(engine, &listed)?;
    for (row, l) in rows.iter_mut().zip(&listed) {
        let (id, name) = pod_of(l, &pods, args.no_trunc);
        row.insert("Pod".into(), json!(id));
        row.insert("PodName".into(), json!(name));
    }
    if args.ns {
        for (row, l) in rows.iter_mut().zip(&listed) {
            // A container that is not running is in no namespaces: Pid 0, as Podman's.
            let ns = engine
                .container_namespaces(&l.record.id)
                .unwrap_or_default();
            row.insert("Pid".into(), json!(ns.pid));
            row.insert("Namespaces".into(), serde_json::to_value(&ns)?);
        }
    }
    let listing = Listing {
        noheading: args.noheading,
        headers: HEADERS,
        ..Listing::default()
    };
    if args.quiet {
        return print_rows("{{.ID}}", &rows, listing);
    }
    if args.format.as_deref() == Some("json") {
        let items: Vec<Value> = listed
            .iter()
            .map(|l| {
                let mut item = podman_json(l, now);
                let (id, name) = pod_of(l, &pods, true);
                item["Pod"] = json!(id);
                item["PodName"] = json!(name);
                item
            })
            .collect();
        println!("{}", serde_json::to_string_pretty(&items)?);
        return Ok(());
    }
    let mut default = match (args.ns, args.size) {
        (true, _) => NS_TABLE.to_owned(),
        (false, true) => format!("{TABLE}\\t{{{{.Size}}}}"),
        (false, false) => TABLE.to_owned(),
    };
    if args.pod {
        default.push_str("\\t{{.Pod}}\\t{{.PodName}}");
    }
    let format = custom(args.format.as_deref()).unwrap_or(&default);
    print_rows(format, &rows, listing)
}

/// The names of the pods the listed containers are in, by pod ID (no pod
/// looked up when none is in one).
fn pod_names(
    engine: &dyn Engine,
    listed: &[Listed],
) -> anyhow::Result<std::collections::HashMap<String, String>> {
    if listed.iter().all(|l| l.config.pod.is_none()) {
        return Ok(Default::default());
    }
    Ok(engine
        .list_pods(&[])?
        .into_iter()
        .map(|p| (p.pod.id, p.pod.name))
        .collect())
}

/// The container's pod's ID (cut unless `whole`) and name; empty when none.
fn pod_of(
    l: &Listed,
    pods: &std::collections::HashMap<String, String>,
    whole: bool,
) -> (String, String) {
    let Some(id) = l.config.pod.as_deref() else {
        return (String::new(), String::new());
    };
    let shown = match whole {
        true => id.to_owned(),
        false => id.chars().take(12).collect(),
    };
    (shown, pods.get(id).cloned().unwrap_or_default())
}

/// Podman's orders: newest first by time, otherwise ascending.
fn sort(listed: &mut [Listed], by: Sort) {
    let size = |l: &Listed| l.size.map(|s| s.root_fs).unwrap_or(0);
    match by {
        Sort::Created | Sort::Runningfor => {
            listed.sort_by_key(|l| std::cmp::Reverse(l.record.created))
        }
        Sort::Command => listed.sort_by_key(|l| l.config.command.join(" ")),
        Sort::Id => listed.sort_by(|a, b| a.record.id.cmp(&b.record.id)),
        Sort::Image => listed.sort_by(|a, b| a.record.image_name.cmp(&b.record.image_name)),
        Sort::Names => listed.sort_by(|a, b| a.record.name.cmp(&b.record.name)),
        Sort::Size => listed.sort_by_key(size),
        Sort::Status => listed.sort_by_key(|l| status(&l.record.state, 0)),
    }
}

/// One container with the `--format` keys (Docker's, and Podman's CreatedHuman and Restarts).
fn row(l: &Listed, args: &Args, now_ms: i64) -> Map<String, Value> {
    let r = &l.record;
    let command = l.config.command.join(" ");
    let command = if args.no_trunc {
        command
    } else {
        ellipsis(&command)
    };
    let created = DateTime::from_timestamp(r.created, 0).unwrap_or_default();
    let object = json!({
        "ID": if args.no_trunc { r.id.clone() } else { r.id[..12].to_owned() },
        "Image": r.image_name,
        "Command": command,
        "CreatedAt": created.format("%Y-%m-%d %H:%M:%S +0000 UTC").to_string(),
        "RunningFor": format!("{} ago", human_duration(now_ms / 1000 - r.created)),
        "CreatedHuman": format!("{} ago", human_duration(now_ms / 1000 - r.created)),
        "Status": l.status(now_ms),
        "State": r.state.status.as_str(),
        "Names": r.name,
        // A map, as Podman's: `{{.Labels.team}}` works.
        "Labels": l.config.labels.iter().map(|(k, v)| (k.clone(), json!(v))).collect::<Map<_, _>>(),
        "Ports": ports::ps_column(&l.config.ports),
        "Size": size(l),
        "Mounts": "",
        // The mode, or the networks' names (a,b).
        "Networks": l.config.network.to_string(),
        "LocalVolumes": "0",
        "Restarts": r.state.restarts,
        "IsInfra": l.config.infra,
    });
    object.as_object().cloned().unwrap_or_default()
}

/// Podman's psReporter.Command: past 17 characters, the first 17 and "...".
fn ellipsis(s: &str) -> String {
    if s.chars().count() <= 17 {
        return s.to_owned();
    }
    format!("{}...", s.chars().take(17).collect::<String>())
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
    fn commands_are_cut_as_podman_cuts_them() {
        assert_eq!(ellipsis("sleep 1000"), "sleep 1000");
        assert_eq!(
            ellipsis("sh -c while true; do sleep 1; done"),
            "sh -c while true;..."
        );
    }
}
