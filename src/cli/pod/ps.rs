//! `pod ps`: Podman's columns, `--format` keys and JSON.

use crate::cli::format::{custom, print_rows, Listing};
use crate::engine::duration::human_duration;
use crate::engine::interface::Engine;
use crate::engine::pods::report::PodReport;
use serde_json::{json, Map, Value};

#[derive(clap::Args)]
pub struct Args {
    /// Filter output: id=, name=REGEX, label=KEY[=VALUE], status=,
    /// ctr-names=, ctr-ids=, ctr-status=, ctr-number=
    #[arg(short, long = "filter", value_name = "FILTER")]
    filters: Vec<String>,
    /// Format output: json, or a Go template such as '{{.Name}} {{.Status}}'
    #[arg(long)]
    format: Option<String>,
    /// Print the pods' IDs only
    #[arg(short, long)]
    quiet: bool,
    /// Do not truncate pod and container IDs
    #[arg(long)]
    no_trunc: bool,
    /// Do not print the header line
    #[arg(long)]
    noheading: bool,
    /// Show the names of the containers in each pod
    #[arg(long)]
    ctr_names: bool,
    /// Show the IDs of the containers in each pod
    #[arg(long)]
    ctr_ids: bool,
    /// Show the status of the containers in each pod
    #[arg(long)]
    ctr_status: bool,
    /// Show the pods' cgroup and namespace columns
    #[arg(long)]
    ns: bool,
    /// Show the latest pod created
    #[arg(short, long)]
    latest: bool,
    /// Sort by created, id, name, number (of containers) or status
    #[arg(long, value_enum, default_value_t = Sort::Created)]
    sort: Sort,
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum Sort {
    Created,
    Id,
    Name,
    Number,
    Status,
}

const HEADERS: &[(&str, &str)] = &[
    ("ID", "POD ID"),
    ("InfraID", "INFRA ID"),
    ("Cgroup", "CGROUP"),
    ("Namespace", "NAMESPACES"),
    ("NumberOfContainers", "# OF CONTAINERS"),
    ("ContainerIds", "IDS"),
    ("ContainerNames", "NAMES"),
    ("ContainerStatuses", "STATUS"),
];

pub fn exec(engine: &dyn Engine, args: Args) -> anyhow::Result<()> {
    let mut pods = engine.list_pods(&args.filters)?;
    // Podman's: newest first by creation, otherwise ascending.
    match args.sort {
        Sort::Created => {}
        Sort::Id => pods.sort_by(|a, b| a.pod.id.cmp(&b.pod.id)),
        Sort::Name => pods.sort_by(|a, b| a.pod.name.cmp(&b.pod.name)),
        Sort::Number => pods.sort_by_key(|p| p.containers.len()),
        Sort::Status => pods.sort_by_key(|p| p.status),
    }
    if args.latest {
        pods.truncate(1);
    }
    // Podman prints whole IDs here, --no-trunc or not.
    if args.quiet {
        pods.iter().for_each(|p| println!("{}", p.pod.id));
        return Ok(());
    }
    if args.format.as_deref() == Some("json") {
        let all: Vec<Value> = pods.iter().map(PodReport::to_json).collect();
        println!("{}", serde_json::to_string_pretty(&all)?);
        return Ok(());
    }
    let now = chrono::Utc::now().timestamp();
    let rows: Vec<Map<String, Value>> = pods.iter().map(|p| row(p, &args, now)).collect();
    let listing = Listing {
        noheading: args.noheading,
        headers: HEADERS,
        ..Listing::default()
    };
    let default = table(&args);
    print_rows(
        custom(args.format.as_deref()).unwrap_or(&default),
        &rows,
        listing,
    )
}

/// Podman's podPsFormat: the container columns asked for, else their count.
fn table(args: &Args) -> String {
    let mut columns = vec![
        "{{.ID}}",
        "{{.Name}}",
        "{{.Status}}",
        "{{.Created}}",
        "{{.InfraID}}",
    ];
    if args.ns {
        columns.extend(["{{.Cgroup}}", "{{.Namespace}}"]);
    }
    if args.ctr_ids {
        columns.push("{{.ContainerIds}}");
    }
    if args.ctr_names {
        columns.push("{{.ContainerNames}}");
    }
    if args.ctr_status {
        columns.push("{{.ContainerStatuses}}");
    }
    if !(args.ctr_ids || args.ctr_names || args.ctr_status) {
        columns.push("{{.NumberOfContainers}}");
    }
    format!("table {}", columns.join("\\t"))
}

/// The `--format` keys: the JSON's, and Podman's reporter's methods.
fn row(p: &PodReport, args: &Args, now: i64) -> Map<String, Value> {
    let cut = |id: &str| match args.no_trunc {
        true => id.to_owned(),
        false => id.chars().take(12).collect(),
    };
    let list = |f: &dyn Fn(&crate::engine::pods::members::Member) -> String| {
        p.containers.iter().map(f).collect::<Vec<_>>().join(",")
    };
    let mut row = p.to_json().as_object().cloned().unwrap_or_default();
    row.insert("ID".into(), json!(cut(&p.pod.id)));
    row.insert(
        "Created".into(),
        json!(format!("{} ago", human_duration(now - p.pod.created))),
    );
    let infra = p.pod.config.infra_id.as_deref().unwrap_or_default();
    row.insert("InfraID".into(), json!(cut(infra)));
    row.insert("NumberOfContainers".into(), json!(p.containers.len()));
    row.insert("ContainerIds".into(), json!(list(&|c| cut(&c.id))));
    row.insert("ContainerNames".into(), json!(list(&|c| c.name.clone())));
    row.insert(
        "ContainerStatuses".into(),
        json!(list(&|c| c.status.as_str().to_owned())),
    );
    row
}
