//! `coracle healthcheck run`: the container's check, once, now.

use crate::engine::interface::{Engine, HealthOutcome};
use crate::engine::ErrorKind;

#[derive(clap::Subcommand)]
#[command(defer = true)]
pub enum HealthcheckCommand {
    /// Run the health check of a container
    Run(RunArgs),
}

#[derive(clap::Args)]
pub struct RunArgs {
    #[arg(value_name = "CONTAINER")]
    container: String,
}

/// Podman's output: nothing when the check passed, `unhealthy` and exit 1 when
/// it failed; a check past its timeout is an error (125).
pub fn exec(engine: &dyn Engine, cmd: HealthcheckCommand) -> anyhow::Result<()> {
    let HealthcheckCommand::Run(args) = cmd;
    let name = &args.container;
    let outcome = engine.healthcheck(name).map_err(|e| {
        let not_found = e.kind() == ErrorKind::NotFound;
        let e = anyhow::Error::from(e);
        match not_found {
            true => e.context(format!(
                "unable to look up {name} to perform a health check"
            )),
            false => e,
        }
    });
    match outcome? {
        HealthOutcome::Passed => Ok(()),
        HealthOutcome::Failed => {
            println!("unhealthy");
            Err(super::Exit(1).into())
        }
        HealthOutcome::TimedOut(timeout) => anyhow::bail!(
            "healthcheck command exceeded timeout of {}",
            go_duration(timeout)
        ),
    }
}

/// A timeout as Go prints a duration (`1s`, `500ms`, `1m30s`).
fn go_duration(d: std::time::Duration) -> String {
    let ms = d.as_millis();
    match (ms % 1000, ms / 1000) {
        (0, s) if s >= 60 && s % 60 == 0 => format!("{}m0s", s / 60),
        (0, s) if s >= 60 => format!("{}m{}s", s / 60, s % 60),
        (0, s) => format!("{s}s"),
        (ms, 0) => format!("{ms}ms"),
        _ => format!("{}s", d.as_secs_f64()),
    }
}
