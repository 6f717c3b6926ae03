//! `pod inspect`: Podman's InspectPodData, one object for one pod.

use crate::engine::interface::Engine;
use serde_json::Value;

#[derive(clap::Args)]
pub struct Args {
    /// Format output: json (default) or a Go template such as '{{.Name}}'
    #[arg(short, long)]
    format: Option<String>,
    /// Inspect the latest pod created
    #[arg(short, long)]
    latest: bool,
    #[arg(value_name = "POD", required_unless_present = "latest")]
    pods: Vec<String>,
}

pub fn exec(engine: &dyn Engine, args: Args) -> anyhow::Result<()> {
    let mut names = args.pods;
    if args.latest {
        let latest = engine.list_pods(&[])?.into_iter().next();
        names.extend(latest.map(|p| p.pod.id));
    }
    let template = args.format.as_deref().filter(|f| *f != "json");
    let docs: Vec<Value> = names
        .iter()
        .map(|name| match engine.inspect_pod(name) {
            Ok(report) => Ok(report.inspect()),
            Err(e) => Err(anyhow::anyhow!("inspecting object: {}", no_such(e, name))),
        })
        .collect::<anyhow::Result<_>>()?;
    // Podman 4.3 prints one pod as an object, not an array.
    match (template, docs.as_slice()) {
        (None, [one]) => {
            use std::io::Write;
            writeln!(std::io::stdout(), "{}", pretty(one)?)?
        }
        _ => crate::cli::format::print_inspect(template, &docs)?,
    }
    Ok(())
}

/// Podman's words for a pod that is not there, under inspect.
fn no_such(e: crate::engine::Error, name: &str) -> String {
    match e.kind() {
        crate::engine::ErrorKind::NotFound => format!("no such pod {name}"),
        _ => e.to_string(),
    }
}

/// Indented by five spaces, as Podman 4.3 prints a pod.
fn pretty(doc: &Value) -> anyhow::Result<String> {
    use serde::Serialize;
    let mut out = Vec::new();
    let formatter = serde_json::ser::PrettyFormatter::with_indent(b"     ");
    doc.serialize(&mut serde_json::Serializer::with_formatter(
        &mut out, formatter,
    ))?;
    Ok(String::from_utf8(out)?)
}
