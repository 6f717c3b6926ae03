//! `coracle top` and `coracle port`.

use super::table::Table;
use crate::engine::containers::lookup::lookup;
use crate::engine::containers::top::top;
use crate::engine::context::Context;

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
pub fn exec(ctx: &Context, args: Args) -> anyhow::Result<()> {
    let store = ctx.open_store()?;
    let today = chrono::Local::now().date_naive();
    let mut table = Table::new(&["UID", "PID", "PPID", "C", "STIME", "TTY", "TIME", "CMD"]);
    for p in top(&store, &args.container)? {
        let stime = if p.start.date_naive() == today {
            p.start.format("%H:%M")
        } else {
            p.start.format("%b%d")
        };
        table.row(vec![
            p.uid.to_string(),
            p.pid.to_string(),
            p.ppid.to_string(),
            p.cpu.to_string(),
            stime.to_string(),
            p.tty,
            format!(
                "{:02}:{:02}:{:02}",
                p.time / 3600,
                p.time / 60 % 60,
                p.time % 60
            ),
            p.cmd,
        ]);
    }
    Ok(table.print()?)
}

/// Containers have no published ports before coracle has networks: nothing to
/// show, but the container must exist.
pub fn port(ctx: &Context, args: PortArgs) -> anyhow::Result<()> {
    let store = ctx.open_store()?;
    lookup(&store, &args.container)?;
    if let Some(port) = args.port {
        anyhow::bail!("no public port '{port}' published for {}", args.container);
    }
    Ok(())
}
