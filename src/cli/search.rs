//! `search` and `image search`: repositories in a registry, or a repository's
//! tags, printed as Podman prints them.

use super::format::{custom, print_rows, Json, Listing};
use crate::engine::images::search::{Filters, Found, SearchOptions};
use crate::engine::interface::Engine;
use serde::Serialize;
use serde_json::{json, Map, Value};
use std::path::PathBuf;

#[derive(clap::Args)]
pub struct Args {
    /// Path of the authentication file. Use REGISTRY_AUTH_FILE environment variable to override
    #[arg(long, value_name = "FILE", env = "REGISTRY_AUTH_FILE")]
    authfile: Option<PathBuf>,
    /// List stars, official and automated columns (Docker compatibility)
    #[arg(long)]
    compatible: bool,
    /// Filter output based on conditions provided: is-official, is-automated, stars=N
    #[arg(short, long = "filter", value_name = "FILTER")]
    filters: Vec<String>,
    /// Change the output format to JSON or a Go template
    #[arg(long)]
    format: Option<String>,
    /// Limit the number of results (default 25)
    #[arg(long, default_value_t = 0)]
    limit: usize,
    /// List the tags of the input registry
    #[arg(long)]
    list_tags: bool,
    /// Do not truncate the output
    #[arg(long)]
    no_trunc: bool,
    /// Require HTTPS and verify certificates when contacting registries (loopback
    /// registries may use plain HTTP)
    #[arg(long, default_value_t = true, action = clap::ArgAction::Set, num_args = 0..=1, default_missing_value = "true")]
    tls_verify: bool,
    /// [REGISTRY/]TERM
    term: String,
}

pub fn exec(engine: &dyn Engine, args: Args) -> anyhow::Result<()> {
    let opts = SearchOptions {
        term: args.term.clone(),
        limit: args.limit,
        list_tags: args.list_tags,
        filters: Filters::parse(&args.filters)?,
        tls_verify: args.tls_verify,
        authfile: args.authfile.clone(),
    };
    let json = args.format.as_deref() == Some("json");
    let rows: Vec<Map<String, Value>> = match engine.search(&opts)? {
        Found::Tags { name, tags } if json => {
            return print_json(&[TagsReport {
                name: &name,
                tags: &tags,
            }])
        }
        Found::Tags { name, tags } => tags
            .iter()
            .map(|t| row(json!({"Name": name, "Tag": t})))
            .collect(),
        Found::Repositories(found) => {
            let reports: Vec<Report> = found
                .iter()
                .map(|r| Report {
                    index: &r.index,
                    name: &r.name,
                    description: description(&r.description, args.no_trunc),
                    stars: r.stars,
                    official: ok(r.official),
                    automated: ok(r.automated),
                    tag: "",
                })
                .collect();
            if json {
                return print_json(&reports);
            }
            reports.iter().map(|r| row(json!(r))).collect()
        }
    };
    // Nothing found: not even a header, as Podman prints.
    if rows.is_empty() {
        return Ok(());
    }
    let default = match (args.list_tags, args.compatible) {
        (true, _) => "table {{.Name}}\\t{{.Tag}}",
        (false, false) => "table {{.Name}}\\t{{.Description}}",
        (false, true) => {
            "table {{.Name}}\\t{{.Description}}\\t{{.Stars}}\\t{{.Official}}\\t{{.Automated}}"
        }
    };
    print_rows(
        custom(args.format.as_deref()).unwrap_or(default),
        &rows,
        Listing {
            json: Json::Array4,
            ..Listing::default()
        },
    )
}

/// Podman's SearchResult, its fields in its order.
#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct Report<'a> {
    index: &'a str,
    name: &'a str,
    description: String,
    stars: u64,
    official: &'static str,
    automated: &'static str,
    tag: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct TagsReport<'a> {
    name: &'a str,
    tags: &'a [String],
}

fn row(value: Value) -> Map<String, Value> {
    value.as_object().cloned().unwrap_or_default()
}

fn ok(yes: bool) -> &'static str {
    if yes {
        "[OK]"
    } else {
        ""
    }
}

/// Podman cuts a description at 44 characters, ending in "...".
fn description(text: &str, no_trunc: bool) -> String {
    if no_trunc || text.chars().count() <= 44 {
        return text.to_owned();
    }
    format!("{}...", text.chars().take(44).collect::<String>())
}

fn print_json(items: &impl Serialize) -> anyhow::Result<()> {
    let mut buf = Vec::new();
    let indent = serde_json::ser::PrettyFormatter::with_indent(b"    ");
    items.serialize(&mut serde_json::Serializer::with_formatter(
        &mut buf, indent,
    ))?;
    println!("{}", String::from_utf8(buf)?);
    Ok(())
}
