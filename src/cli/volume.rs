//! `coracle volume create|ls|inspect|rm|prune|exists|import|export`, as
//! Podman's.

use super::format::{custom, print_rows, Listing};
use crate::engine::interface::Engine;
use crate::engine::volumes::create::CreateOptions;
use crate::engine::volumes::record::VolumeRecord;
use crate::engine::volumes::remove::check_prune_filters;
use crate::engine::ErrorKind;
use anyhow::Context as _;
use chrono::SecondsFormat;
use serde_json::{json, Map, Value};
use std::io::Write;
use std::path::PathBuf;
use std::time::Duration;

#[derive(clap::Subcommand)]
#[command(defer = true)]
pub enum VolumeCommand {
    /// Create a new volume
    Create(CreateArgs),
    /// List volumes
    #[command(visible_alias = "list")]
    Ls(ListArgs),
    /// Display detailed information on one or more volumes
    Inspect(InspectArgs),
    /// Remove one or more volumes
    #[command(visible_alias = "remove")]
    Rm(RmArgs),
    /// Remove the volumes no container uses
    Prune(PruneArgs),
    /// Check whether a volume exists (exit 0) or not (exit 1)
    Exists(ExistsArgs),
    /// Import a tarball into a volume
    Import(ImportArgs),
    /// Export a volume's files as a tarball
    Export(ExportArgs),
}

#[derive(clap::Args)]
pub struct CreateArgs {
    /// Driver: only local
    #[arg(short, long)]
    driver: Option<String>,
    /// Set metadata on the volume (KEY=VALUE)
    #[arg(short, long)]
    label: Vec<String>,
    /// Driver option: type=tmpfs|none|bind, o=MOUNT-OPTIONS, device=DIR
    #[arg(short, long = "opt", value_name = "KEY=VALUE")]
    opts: Vec<String>,
    /// Do not fail when the volume exists
    #[arg(long)]
    ignore: bool,
    /// The volume's name (default: 64 random hex digits)
    name: Option<String>,
}

#[derive(clap::Args)]
pub struct ListArgs {
    /// Filter output: name=REGEX, label=KEY[=VALUE], driver=DRIVER, dangling=true|false,
    /// anonymous=true|false
    #[arg(short, long = "filter", value_name = "FILTER")]
    filters: Vec<String>,
    /// Format output: json, or a Go template such as '{{.Name}} {{.Mountpoint}}'
    #[arg(long)]
    format: Option<String>,
    /// Show only volume names
    #[arg(short, long)]
    quiet: bool,
    /// Do not print the header line
    #[arg(long)]
    noheading: bool,
}

#[derive(clap::Args)]
pub struct InspectArgs {
    /// Format output: json (default) or a Go template such as '{{.Mountpoint}}'
    #[arg(short, long)]
    format: Option<String>,
    /// Inspect every volume
    #[arg(short, long)]
    all: bool,
    #[arg(required_unless_present = "all", value_name = "VOLUME")]
    volumes: Vec<String>,
}

#[derive(clap::Args)]
pub struct RmArgs {
    /// Remove the containers using the volume too (running ones are stopped)
    #[arg(short, long)]
    force: bool,
    /// Seconds to wait for running containers to stop before killing them
    #[arg(short, long, value_name = "SECONDS")]
    time: Option<u64>,
    /// Remove every volume
    #[arg(short, long)]
    all: bool,
    #[arg(required_unless_present = "all", value_name = "VOLUME")]
    volumes: Vec<String>,
}

#[derive(clap::Args)]
pub struct PruneArgs {
    /// Do not ask for confirmation
    #[arg(short, long)]
    force: bool,
    /// Only volumes matching: label=KEY[=VALUE], anonymous=true|false
    #[arg(long = "filter", value_name = "FILTER")]
    filters: Vec<String>,
}

#[derive(clap::Args)]
pub struct ExistsArgs {
    volume: String,
}

#[derive(clap::Args)]
pub struct ImportArgs {
    volume: String,
    /// A tarball, or - for standard input
    source: String,
}

#[derive(clap::Args)]
pub struct ExportArgs {
    /// Write to this file instead of standard output
    #[arg(short, long)]
    output: Option<PathBuf>,
    volume: String,
}

pub fn exec(engine: &dyn Engine, cmd: VolumeCommand) -> anyhow::Result<()> {
    match cmd {
        VolumeCommand::Create(args) => create(engine, args),
        VolumeCommand::Ls(args) => list(engine, args),
        VolumeCommand::Inspect(args) => inspect(engine, args),
        VolumeCommand::Rm(args) => remove(engine, args),
        VolumeCommand::Prune(args) => prune(engine, args),
        VolumeCommand::Exists(args) => match engine.inspect_volume(&args.volume) {
            Ok(_) => Ok(()),
            Err(e) if e.kind() == ErrorKind::NotFound => Err(super::Exit(1).into()),
            Err(e) => Err(e.into()),
        },
        VolumeCommand::Import(args) => import(engine, args),
        VolumeCommand::Export(args) => export(engine, args),
    }
}

fn create(engine: &dyn Engine, args: CreateArgs) -> anyhow::Result<()> {
    let opts = CreateOptions {
        name: args.name,
        driver: args.driver,
        labels: super::key_values(&args.label),
        options: super::key_values(&args.opts),
        ignore_existing: args.ignore,
        anonymous: false,
    };
    println!("{}", engine.create_volume(&opts)?.name);
    Ok(())
}

fn list(engine: &dyn Engine, args: ListArgs) -> anyhow::Result<()> {
    let volumes = engine.list_volumes(&args.filters)?;
    if args.quiet {
        volumes.iter().for_each(|v| println!("{}", v.name));
        return Ok(());
    }
    let rows: Vec<Map<String, Value>> = volumes.iter().map(fields).collect();
    let listing = Listing {
        noheading: args.noheading,
        headers: &[("Name", "VOLUME NAME")],
        ..Listing::default()
    };
    let default = "table {{.Driver}}\\t{{.Name}}";
    print_rows(
        custom(args.format.as_deref()).unwrap_or(default),
        &rows,
        listing,
    )
}

fn inspect(engine: &dyn Engine, args: InspectArgs) -> anyhow::Result<()> {
    let names = match args.all {
        true => engine
            .list_volumes(&[])?
            .into_iter()
            .map(|v| v.name)
            .collect(),
        false => args.volumes,
    };
    let template = args.format.as_deref().filter(|f| *f != "json");
    super::inspect::print_each(template, &names, "object", |name| {
        let volume = super::inspect::one(
            engine.inspect_volume(name),
            super::inspect::Kind::Volume,
            name,
        )?;
        Ok(Value::Object(fields(&volume)))
    })
}

/// Podman's JSON of a volume (`volume inspect`, `volume ls --format json`),
/// whose keys are also the Go-template fields.
pub(super) fn fields(v: &VolumeRecord) -> Map<String, Value> {
    let mut object = json!({
        "Name": v.name,
        "Driver": v.driver,
        "Mountpoint": v.mountpoint,
        "CreatedAt": v.created.to_rfc3339_opts(SecondsFormat::AutoSi, true),
        "Labels": v.labels,
        "Scope": "local",
        "Options": v.options,
        "MountCount": 0,
    });
    // Left out when false, as Podman leaves them.
    if v.anonymous {
        object["Anonymous"] = json!(true);
    }
    if v.needs_copy_up {
        object["NeedsCopyUp"] = json!(true);
    }
    object.as_object().cloned().unwrap_or_default()
}

/// Podman's codes, as `rm`'s: 1 when a volume is unknown, 2 when one is in use.
fn remove(engine: &dyn Engine, args: RmArgs) -> anyhow::Result<()> {
    let names = match args.all {
        true => engine
            .list_volumes(&[])?
            .into_iter()
            .map(|v| v.name)
            .collect(),
        false => args.volumes,
    };
    let results = engine.remove_volumes(&names, args.force, args.time.map(Duration::from_secs))?;
    super::rm::report(&names, results)
}

fn prune(engine: &dyn Engine, args: PruneArgs) -> anyhow::Result<()> {
    check_prune_filters(&args.filters)?;
    super::prune::unused("volumes", args.force, || {
        engine.prune_volumes(&args.filters)
    })
}

fn import(engine: &dyn Engine, args: ImportArgs) -> anyhow::Result<()> {
    let mut input: Box<dyn std::io::Read> = match args.source.as_str() {
        "-" => Box::new(std::io::stdin().lock()),
        path => Box::new(std::fs::File::open(path).with_context(|| format!("cannot open {path}"))?),
    };
    Ok(engine.import_volume(&args.volume, &mut input)?)
}

fn export(engine: &dyn Engine, args: ExportArgs) -> anyhow::Result<()> {
    // The file is made before the engine enters the user namespace, so that
    // it belongs to the caller.
    let mut out: Box<dyn Write> = match &args.output {
        Some(path) => Box::new(
            std::fs::File::create(path)
                .with_context(|| format!("cannot create {}", path.display()))?,
        ),
        None => Box::new(std::io::stdout().lock()),
    };
    engine.export_volume(&args.volume, &mut out)?;
    Ok(out.flush()?)
}
