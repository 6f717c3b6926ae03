//! `coracle secret create|ls|inspect|rm|exists`, as Podman's.

use super::format::{print_rows, Listing};
use super::table::Table;
use crate::engine::duration::human_duration;
use crate::engine::interface::Engine;
use crate::engine::secrets::record::CreateOptions;
use crate::engine::secrets::SecretRecord;
use crate::engine::ErrorKind;
use anyhow::{bail, Context as _};
use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::{json, Map, Value};
use std::io::Read;

#[derive(clap::Subcommand)]
#[command(defer = true)]
pub enum SecretCommand {
    /// Create a new secret
    Create(CreateArgs),
    /// List secrets
    #[command(visible_alias = "list")]
    Ls(ListArgs),
    /// Inspect one or more secrets
    Inspect(InspectArgs),
    /// Remove one or more secrets
    Rm(RmArgs),
    /// Check whether a secret exists (exit 0) or not (exit 1)
    Exists(ExistsArgs),
}

#[derive(clap::Args)]
pub struct CreateArgs {
    /// Specify secret driver: only file
    #[arg(short, long, default_value = "file")]
    driver: String,
    /// Specify driver specific options (refused: the file driver keeps its data
    /// under the graph root)
    #[arg(long, value_name = "KEY=VALUE")]
    driver_opts: Vec<String>,
    /// Read secret data from environment variable
    #[arg(long)]
    env: bool,
    /// Specify labels on the secret
    #[arg(short, long)]
    label: Vec<String>,
    name: String,
    /// A file, - for standard input, or with --env a variable's name
    source: String,
}

#[derive(clap::Args)]
pub struct ListArgs {
    /// Filter secret output: name=, id=, label=KEY[=VALUE]
    #[arg(short, long = "filter", value_name = "FILTER")]
    filters: Vec<String>,
    /// Format output: json, or a Go template such as '{{.ID}} {{.Name}}'
    #[arg(long)]
    format: Option<String>,
    /// Do not print headers
    #[arg(long)]
    noheading: bool,
    /// Print secret IDs only
    #[arg(short, long)]
    quiet: bool,
}

#[derive(clap::Args)]
pub struct InspectArgs {
    /// Format inspect output using Go template
    #[arg(short, long)]
    format: Option<String>,
    /// Print inspect output in human-readable format
    #[arg(long, conflicts_with = "format")]
    pretty: bool,
    #[arg(required = true, value_name = "SECRET")]
    secrets: Vec<String>,
}

#[derive(clap::Args)]
pub struct RmArgs {
    /// Remove all secrets
    #[arg(short, long, conflicts_with = "secrets")]
    all: bool,
    /// Ignore errors when a specified secret is missing
    #[arg(short, long)]
    ignore: bool,
    #[arg(value_name = "SECRET")]
    secrets: Vec<String>,
}

#[derive(clap::Args)]
pub struct ExistsArgs {
    secret: String,
}

pub fn exec(engine: &dyn Engine, cmd: SecretCommand) -> anyhow::Result<()> {
    match cmd {
        SecretCommand::Create(args) => create(engine, args),
        SecretCommand::Ls(args) => list(engine, args),
        SecretCommand::Inspect(args) => inspect(engine, args),
        SecretCommand::Rm(args) => remove(engine, args),
        SecretCommand::Exists(args) => match engine.inspect_secret(&args.secret) {
            Ok(_) => Ok(()),
            Err(e) if e.kind() == ErrorKind::NotFound => Err(super::Exit(1).into()),
            Err(e) => Err(e.into()),
        },
    }
}

fn create(engine: &dyn Engine, args: CreateArgs) -> anyhow::Result<()> {
    if !args.driver_opts.is_empty() {
        bail!("coracle does not support --driver-opts: the file driver keeps secrets under the graph root");
    }
    let data = match (args.env, args.source.as_str()) {
        (true, var) => std::env::var(var)
            .with_context(|| {
                format!("cannot create store secret data: environment variable {var} is not set")
            })?
            .into_bytes(),
        (false, "-") => {
            let mut data = Vec::new();
            std::io::stdin().read_to_end(&mut data)?;
            data
        }
        (false, path) => std::fs::read(path).with_context(|| format!("open {path}"))?,
    };
    let opts = CreateOptions {
        name: args.name,
        driver: Some(args.driver),
        labels: super::key_values(&args.label),
    };
    println!("{}", engine.create_secret(&opts, &data)?);
    Ok(())
}

fn list(engine: &dyn Engine, args: ListArgs) -> anyhow::Result<()> {
    let mut secrets = engine.list_secrets(&args.filters)?;
    secrets.sort_by(|a, b| a.id.cmp(&b.id));
    if args.quiet {
        secrets.iter().for_each(|s| println!("{}", s.id));
        return Ok(());
    }
    match args.format.as_deref() {
        Some("json") => {
            let all: Vec<Value> = secrets.iter().map(document).collect();
            println!("{}", serde_json::to_string_pretty(&all)?);
        }
        Some(format) => {
            let rows: Vec<Map<String, Value>> = secrets.iter().map(row).collect();
            let listing = Listing {
                noheading: args.noheading,
                ..Listing::default()
            };
            print_rows(format, &rows, listing)?;
        }
        None => {
            let mut table = Table::new(&["ID", "NAME", "DRIVER", "CREATED", "UPDATED"]);
            for s in &secrets {
                table.row(vec![
                    s.id.clone(),
                    s.name.clone(),
                    s.driver.clone(),
                    ago(s.created),
                    ago(s.updated),
                ]);
            }
            if args.noheading {
                table.drop_header();
            }
            table.print()?;
        }
    }
    Ok(())
}

fn ago(time: DateTime<Utc>) -> String {
    format!("{} ago", human_duration((Utc::now() - time).num_seconds()))
}

/// The fields of `secret ls --format`: Podman's SecretListReport.
fn row(s: &SecretRecord) -> Map<String, Value> {
    let mut row = document(s).as_object().cloned().unwrap_or_default();
    row.insert("Name".into(), json!(s.name));
    row.insert("Driver".into(), json!(s.driver));
    row.insert("Labels".into(), json!(s.labels));
    row.insert("CreatedAt".into(), json!(ago(s.created)));
    row.insert("UpdatedAt".into(), json!(ago(s.updated)));
    row
}

/// Podman's inspect document of a secret: never its data.
fn document(s: &SecretRecord) -> Value {
    let time = |t: DateTime<Utc>| t.to_rfc3339_opts(SecondsFormat::AutoSi, true);
    json!({
        "ID": s.id,
        "CreatedAt": time(s.created),
        "UpdatedAt": time(s.updated),
        "Spec": {
            "Name": s.name,
            "Driver": {
                "Name": s.driver,
                "Options": {"path": s.data_dir},
            },
            "Labels": s.labels,
        },
    })
}

fn inspect(engine: &dyn Engine, args: InspectArgs) -> anyhow::Result<()> {
    if !args.pretty {
        let template = args.format.as_deref().filter(|f| *f != "json");
        return super::inspect::print_each(template, &args.secrets, "secret", |name| {
            Ok(document(&engine.inspect_secret(name)?))
        });
    }
    let mut failed = false;
    for name in &args.secrets {
        match engine.inspect_secret(name) {
            Ok(s) => print!("{}", pretty(&s)),
            Err(e) => {
                eprintln!("Error: {e}");
                failed = true;
            }
        }
    }
    match failed {
        true => Err(super::Exit(125).into()),
        false => Ok(()),
    }
}

/// `--pretty`, spaced as Podman 4's.
fn pretty(s: &SecretRecord) -> String {
    let time = |t: DateTime<Utc>| t.format("%Y-%m-%d %H:%M:%S%.f +0000 UTC").to_string();
    let mut text = format!("ID:              {}\nName:              {}\n", s.id, s.name);
    if !s.labels.is_empty() {
        text.push_str("Labels:\n");
        for (k, v) in &s.labels {
            text.push_str(&format!(" - {k}={v}\n"));
        }
    }
    text.push_str(&format!(
        "Driver:            {}\nCreated at:        {}\nUpdated at:        {}\n",
        s.driver,
        time(s.created),
        time(s.updated)
    ));
    text
}

/// Podman's codes, as `rm`'s: 125 when a secret is unknown, unless `--ignore`.
fn remove(engine: &dyn Engine, args: RmArgs) -> anyhow::Result<()> {
    let names = match args.all {
        true => engine
            .list_secrets(&[])?
            .into_iter()
            .map(|s| s.id)
            .collect(),
        false if args.secrets.is_empty() => {
            bail!("`coracle secret rm` requires one argument, or the --all flag")
        }
        false => args.secrets,
    };
    let mut failed = None;
    for result in engine.remove_secrets(&names)? {
        match result {
            Ok(id) => println!("{id}"),
            Err(e) if args.ignore && e.kind() == ErrorKind::NotFound => {}
            Err(e) => {
                if let Some(previous) = failed.replace(e) {
                    eprintln!("Error: {previous}");
                }
            }
        }
    }
    match failed {
        Some(e) => Err(e.into()),
        None => Ok(()),
    }
}
