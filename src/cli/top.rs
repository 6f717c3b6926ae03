//! `coracle top` and `coracle port`.

use super::table::Table;
use crate::engine::containers::top::TITLES;
use crate::engine::interface::Engine;
use crate::engine::net::ports;

#[derive(clap::Args)]
pub struct Args {
    container: String,
    /// ps options (ignored: the columns are always `ps -ef`'s)
    #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
    ps_options: Vec<String>,
}

#[derive(clap::Args)]
pub struct PortArgs {
    container: String,
    /// A private port[/proto] to show the mapping of
    port: Option<String>,
}

/// UID is the process's user inside the container, as a number.
pub fn exec(engine: &dyn Engine, args: Args) -> anyhow::Result<()> {
    let mut table = Table::new(&TITLES);
    for p in engine.top(&args.container)? {
        table.row(p.columns());
    }
    Ok(table.print()?)
}

/// Each mapping as `80/tcp -> 0.0.0.0:8080`, or, for the private port asked
/// for (tcp unless said), just where it is published, as Docker prints them.
pub fn port(engine: &dyn Engine, args: PortArgs) -> anyhow::Result<()> {
    let ports = engine.port(&args.container)?;
    let Some(wanted) = &args.port else {
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
        anyhow::bail!(
            "no public port '{private}' published for {}",
            args.container
        );
    }
    found.iter().for_each(|p| println!("{}", p.public()));
    Ok(())
}
