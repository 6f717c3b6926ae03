//! `system df`: Podman's summary (TYPE TOTAL ACTIVE SIZE RECLAIMABLE), or with
//! `-v` a table each of images, containers and volumes.

use super::format::{human_size_4, parse_time, print_rows, Listing};
use super::table::Table;
use crate::engine::disk_usage::DiskUsage;
use crate::engine::duration::human_duration;
use crate::engine::interface::Engine;
use serde_json::{json, Map, Value};

#[derive(clap::Args)]
pub struct Args {
    /// Show the images, containers and volumes one by one
    #[arg(short, long, conflicts_with = "format")]
    verbose: bool,
    /// Format the summary: json, or a Go template such as '{{.Type}} {{.Size}}'
    #[arg(long)]
    format: Option<String>,
}

pub fn exec(engine: &dyn Engine, args: Args) -> anyhow::Result<()> {
    let usage = engine.disk_usage()?;
    if args.verbose {
        return verbose(&usage);
    }
    let rows = summary(&usage);
    match args.format.as_deref() {
        None => {
            let mut table = Table::new(&["TYPE", "TOTAL", "ACTIVE", "SIZE", "RECLAIMABLE"]);
            for row in &rows {
                let cell = |k: &str| match &row[k] {
                    Value::String(s) => s.clone(),
                    v => v.to_string(),
                };
                table.row(
                    ["Type", "Total", "Active", "Size", "Reclaimable"]
                        .map(cell)
                        .to_vec(),
                );
            }
            Ok(table.print()?)
        }
        Some("json") => {
            println!("{}", serde_json::to_string_pretty(&rows)?);
            Ok(())
        }
        Some(template) => print_rows(template, &rows, Listing::default()),
    }
}

/// A row per kind, with the fields Podman's templates and JSON have.
fn summary(usage: &DiskUsage) -> Vec<Map<String, Value>> {
    let images = usage.images.iter();
    let containers = usage.containers.iter();
    let volumes = usage.volumes.iter();
    [
        row(
            "Images",
            usage.images.len(),
            images.clone().filter(|i| i.containers > 0).count(),
            images.clone().map(|i| i.size).sum(),
            images.filter(|i| i.containers == 0).map(|i| i.size).sum(),
        ),
        row(
            "Containers",
            usage.containers.len(),
            containers.clone().filter(|c| c.status == "running").count(),
            containers.clone().map(|c| c.size).sum(),
            containers
                .filter(|c| c.status != "running")
                .map(|c| c.size)
                .sum(),
        ),
        row(
            "Local Volumes",
            usage.volumes.len(),
            volumes.clone().map(|v| v.containers.len()).sum(),
            volumes.clone().map(|v| v.size).sum(),
            volumes
                .filter(|v| v.containers.is_empty())
                .map(|v| v.size)
                .sum(),
        ),
    ]
    .into()
}

fn row(kind: &str, total: usize, active: usize, size: u64, reclaimable: u64) -> Map<String, Value> {
    let percent = match size {
        0 => 0,
        _ => (reclaimable as f64 / size as f64 * 100.0).round() as u64,
    };
    let value = json!({
        "Type": kind,
        "Total": total,
        "TotalCount": total,
        "Active": active,
        "RawSize": size,
        "RawReclaimable": reclaimable,
        "Size": human_size_4(size),
        "Reclaimable": format!("{} ({percent}%)", human_size_4(reclaimable)),
    });
    match value {
        Value::Object(map) => map,
        _ => unreachable!("json! of an object"),
    }
}

fn verbose(usage: &DiskUsage) -> anyhow::Result<()> {
    let now = chrono::Utc::now();
    println!("Images space usage:\n");
    let mut images = Table::new(&[
        "REPOSITORY",
        "TAG",
        "IMAGE ID",
        "CREATED",
        "SIZE",
        "SHARED SIZE",
        "UNIQUE SIZE",
        "CONTAINERS",
    ]);
    for i in &usage.images {
        let created = i
            .created
            .as_deref()
            .and_then(parse_time)
            .map_or("N/A".to_owned(), |t| {
                human_duration((now - t).num_seconds())
            });
        images.row(vec![
            i.repository.clone(),
            i.tag.clone(),
            i.id[..12].to_owned(),
            created,
            human_size_4(i.size),
            human_size_4(i.shared_size),
            human_size_4(i.unique_size()),
            i.containers.to_string(),
        ]);
    }
    images.print()?;
    println!("\nContainers space usage:\n");
    let mut containers = Table::new(&[
        "CONTAINER ID",
        "IMAGE",
        "COMMAND",
        "LOCAL VOLUMES",
        "SIZE",
        "CREATED",
        "STATUS",
        "NAMES",
    ]);
    for c in &usage.containers {
        containers.row(vec![
            c.id[..12].to_owned(),
            c.image_id[..12.min(c.image_id.len())].to_owned(),
            c.command.join(" "),
            c.local_volumes.to_string(),
            human_size_4(c.size),
            human_duration(now.timestamp() - c.created),
            c.status.clone(),
            c.name.clone(),
        ]);
    }
    containers.print()?;
    println!("\nLocal Volumes space usage:\n");
    let mut volumes = Table::new(&["VOLUME NAME", "LINKS", "SIZE"]);
    for v in &usage.volumes {
        volumes.row(vec![
            v.name.clone(),
            v.containers.len().to_string(),
            human_size_4(v.size),
        ]);
    }
    Ok(volumes.print()?)
}
