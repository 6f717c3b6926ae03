//! `network ls` and `network inspect`: Podman's JSON shape of a network, and
//! the Go-template fields Podman's `--format` sees (its struct's field names).

use super::format::{custom, print_rows, timestamp, Listing};
use super::inspect::{self, Kind};
use crate::engine::interface::Engine;
use crate::engine::net::network::NetworkConfig;
use chrono::SecondsFormat;
use serde_json::{json, Map, Value};

#[derive(clap::Args)]
pub struct ListArgs {
    /// Filter output: name=REGEX, id=REGEX, driver=DRIVER, label=KEY[=VALUE], until=TIME
    #[arg(short, long = "filter", value_name = "FILTER")]
    filters: Vec<String>,
    /// Format output: json, or a Go template such as '{{.Name}} {{.ID}}'
    #[arg(long)]
    format: Option<String>,
    /// Show only network names
    #[arg(short, long)]
    quiet: bool,
    /// Don't truncate network IDs
    #[arg(long)]
    no_trunc: bool,
    /// Do not print the header line
    #[arg(long)]
    noheading: bool,
}

#[derive(clap::Args)]
pub struct InspectArgs {
    /// Format output: json (default) or a Go template such as '{{.Subnets}}'
    #[arg(short, long)]
    format: Option<String>,
    #[arg(required = true, value_name = "NETWORK")]
    networks: Vec<String>,
}

pub fn list(engine: &dyn Engine, args: ListArgs) -> anyhow::Result<()> {
    let networks = engine.list_networks(&args.filters)?;
    let id = |n: &NetworkConfig| match args.no_trunc {
        true => n.id.clone(),
        false => n.id[..12].to_owned(),
    };
    if args.quiet {
        networks.iter().for_each(|n| println!("{}", n.name));
        return Ok(());
    }
    if args.format.as_deref() == Some("json") {
        let all: Vec<Value> = networks.iter().map(podman_json).collect();
        println!("{}", serde_json::to_string_pretty(&all)?);
        return Ok(());
    }
    let rows: Vec<Map<String, Value>> = networks
        .iter()
        .map(|n| {
            let mut row = fields(n);
            row.insert("ID".into(), json!(id(n)));
            row.insert("Labels".into(), json!(labels_text(n)));
            row
        })
        .collect();
    let listing = Listing {
        noheading: args.noheading,
        headers: &[("ID", "NETWORK ID")],
        ..Listing::default()
    };
    let default = "table {{.ID}}\\t{{.Name}}\\t{{.Driver}}";
    print_rows(
        custom(args.format.as_deref()).unwrap_or(default),
        &rows,
        listing,
    )
}

pub fn inspect(engine: &dyn Engine, args: InspectArgs) -> anyhow::Result<()> {
    let template = args.format.as_deref().filter(|f| *f != "json");
    super::inspect::print_each(template, &args.networks, "object", |name| {
        let network = inspect::one(engine.inspect_network(name), Kind::Network, name)?;
        Ok(document(&network, template.is_some()))
    })
}

/// A network for `inspect`: its JSON, or for a template its Go field names
/// (Podman's templates see the Go struct, its JSON the struct's tags).
pub fn document(n: &NetworkConfig, template: bool) -> Value {
    match template {
        true => Value::Object(fields(n)),
        false => podman_json(n),
    }
}

/// Podman's JSON of a network (netavark's config file, as `network inspect`
/// prints it).
fn podman_json(n: &NetworkConfig) -> Value {
    let subnets: Vec<Value> = n
        .subnets
        .iter()
        .map(|s| {
            let mut subnet = json!({ "subnet": s.subnet, "gateway": s.gateway });
            if let Some((start, end)) = s.lease_range() {
                subnet["lease_range"] = json!({ "start_ip": start, "end_ip": end });
            }
            subnet
        })
        .collect();
    let mut object = json!({
        "name": n.name,
        "id": n.id,
        "driver": n.driver,
        "network_interface": n.interface,
        "created": n.created.to_rfc3339_opts(SecondsFormat::AutoSi, true),
        "subnets": subnets,
        "ipv6_enabled": false,
        "internal": n.internal,
        "dns_enabled": n.dns_enabled,
        "ipam_options": { "driver": "host-local" },
    });
    // Left out when empty, as Podman leaves them.
    if !n.labels.is_empty() {
        object["labels"] = json!(n.labels);
    }
    if !n.options.is_empty() {
        object["options"] = json!(n.options);
    }
    object
}

/// The fields of Podman's network struct, by their Go names, for templates.
fn fields(n: &NetworkConfig) -> Map<String, Value> {
    let created = n.created.to_rfc3339_opts(SecondsFormat::Nanos, true);
    let subnets: Vec<Value> = n
        .subnets
        .iter()
        .map(|s| {
            let range = s
                .lease_range()
                .map(|(start, end)| json!({ "StartIP": start, "EndIP": end }));
            json!({ "Subnet": s.subnet, "Gateway": s.gateway, "LeaseRange": range })
        })
        .collect();
    let row = json!({
        "Name": n.name,
        "ID": n.id,
        "Driver": n.driver,
        "NetworkInterface": n.interface,
        "Created": timestamp(Some(&created)),
        "Subnets": subnets,
        "IPv6Enabled": false,
        "Internal": n.internal,
        "DNSEnabled": n.dns_enabled,
        "Labels": n.labels,
        "Options": n.options,
        "IPAMOptions": { "driver": "host-local" },
    });
    row.as_object().cloned().unwrap_or_default()
}

/// `KEY=VALUE,...`, as `network ls` shows labels.
fn labels_text(n: &NetworkConfig) -> String {
    let pairs: Vec<String> = n.labels.iter().map(|(k, v)| format!("{k}={v}")).collect();
    pairs.join(",")
}
