//! `coracle top` and `coracle port`.

use super::table::Table;
use super::targets::Latest;
use crate::engine::containers::exec::ExecOptions;
use crate::engine::containers::select::{Scope, Selection};
use crate::engine::containers::top::descriptors;
use crate::engine::interface::Engine;
use crate::engine::net::ports;

#[derive(clap::Args)]
pub struct Args {
    #[command(flatten)]
    latest: Latest,
    #[arg(required_unless_present = "latest")]
    container: Option<String>,
    /// Descriptors (`user`, `pid`, `%C`, ...), or options for the container's
    /// own ps(1) when one is not a descriptor
    #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
    ps_options: Vec<String>,
}

#[derive(clap::Args)]
pub struct PortArgs {
    /// Show the ports of every running container
    #[arg(short, long)]
    all: bool,
    #[command(flatten)]
    latest: Latest,
    container: Option<String>,
    /// A private port[/proto] to show the mapping of
    port: Option<String>,
}

/// UID is the process's user inside the container, as a number.
pub fn exec(engine: &dyn Engine, args: Args) -> anyhow::Result<()> {
    // With --latest the first word is a ps option, not a container.
    let (container, ps_options) = match args.latest.latest {
        true => (
            None,
            args.container.into_iter().chain(args.ps_options).collect(),
        ),
        false => (args.container, args.ps_options),
    };
    let container = args.latest.resolve(engine, container)?;
    let Some(columns) = descriptors::parse(&ps_options) else {
        return container_ps(engine, &container, ps_options);
    };
    let mut rows = descriptors::table(&engine.top(&container)?, &columns).into_iter();
    let header: Vec<String> = rows.next().unwrap_or_default();
    let mut table = Table::new(&header.iter().map(String::as_str).collect::<Vec<_>>());
    for row in rows {
        table.row(row);
    }
    Ok(table.print()?)
}

/// Options that are not descriptors go to ps(1) in the container, as
/// Podman hands them on.
fn container_ps(engine: &dyn Engine, container: &str, options: Vec<String>) -> anyhow::Result<()> {
    let opts = ExecOptions {
        command: std::iter::once("ps".to_owned()).chain(options).collect(),
        ..ExecOptions::default()
    };
    match engine.exec(container, &opts, super::terminal::streams(false, true)) {
        Ok(0) => Ok(()),
        Ok(code) => anyhow::bail!("executing ps(1) in the container: exit status {code}"),
        Err(e) => anyhow::bail!("executing ps(1) in the container: {e}"),
    }
}

/// Each mapping as `80/tcp -> 0.0.0.0:8080`, or, for the private port asked
/// for (tcp unless said), just where it is published, as Docker prints them.
pub fn port(engine: &dyn Engine, args: PortArgs) -> anyhow::Result<()> {
    if args.all {
        return port_all(engine, args);
    }
    // With --latest the one word given is the port.
    let (container, port) = match args.latest.latest {
        true => (None, args.container.or(args.port)),
        false => (args.container, args.port),
    };
    if container.is_none() && !args.latest.latest {
        anyhow::bail!("you must supply a running container name or id");
    }
    let container = args.latest.resolve(engine, container)?;
    let ports = engine.port(&container)?;
    let Some(wanted) = &port else {
        for p in &ports {
            println!("{} -> {}", p.private(), p.public());
        }
        return Ok(());
    };
    let private = match ports::parse_expose(wanted).as_deref() {
        Ok([one]) => *one,
        _ => anyhow::bail!("invalid port {wanted:?}: use PORT[/tcp|udp]"),
    };
    let found: Vec<_> = ports.iter().filter(|p| p.private() == private).collect();
    if found.is_empty() {
        anyhow::bail!("no public port '{private}' published for {container}");
    }
    found.iter().for_each(|p| println!("{}", p.public()));
    Ok(())
}

/// Each running container's mappings, each line after its short ID and a tab.
fn port_all(engine: &dyn Engine, args: PortArgs) -> anyhow::Result<()> {
    if args.latest.latest || args.container.is_some() {
        anyhow::bail!("--all, --latest, or one container name or ID may be given, not more");
    }
    let sel = Selection {
        all: true,
        scope: Scope::Running,
        ..Selection::default()
    };
    for container in engine.select_containers(&sel)? {
        let id = &engine.inspect_container(&container)?["Id"];
        let short: String = id.as_str().unwrap_or_default().chars().take(12).collect();
        for p in engine.port(&container)? {
            println!("{short}\t{} -> {}", p.private(), p.public());
        }
    }
    Ok(())
}
