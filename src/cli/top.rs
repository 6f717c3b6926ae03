//! `coracle top` and `coracle port`.

use super::table::Table;
use crate::engine::interface::Engine;

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
    let today = chrono::Local::now().date_naive();
    let mut table = Table::new(&["UID", "PID", "PPID", "C", "STIME", "TTY", "TIME", "CMD"]);
    for p in engine.top(&args.container)? {
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

/// Each mapping, or those of the port asked for (which must have one).
pub fn port(engine: &dyn Engine, args: PortArgs) -> anyhow::Result<()> {
    let ports = engine.port(&args.container)?;
    let wanted: Vec<&String> = match &args.port {
        None => ports.iter().collect(),
        // `80` is 80 of any protocol, `80/udp` just that one.
        Some(port) => ports
            .iter()
            .filter(|p| {
                let private = p.split(" -> ").next().unwrap_or_default();
                private == port || private.split('/').next() == Some(port.as_str())
            })
            .collect(),
    };
    if let (Some(port), true) = (&args.port, wanted.is_empty()) {
        anyhow::bail!("no public port '{port}' published for {}", args.container);
    }
    wanted.iter().for_each(|p| println!("{p}"));
    Ok(())
}
