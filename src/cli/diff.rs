//! `diff`, `container diff`, `image diff`: Podman's A/C/D lines, or its JSON.

use super::targets::Latest;
use crate::engine::diff::{Change, Kind, Target};
use crate::engine::interface::Engine;
use serde::Serialize;

/// `diff` and `container diff`: a name, or `--latest` container.
#[derive(clap::Args)]
pub struct Args {
    /// Change the output format (json)
    #[arg(long)]
    format: Option<String>,
    #[command(flatten)]
    latest: Latest,
    /// The container or image
    #[arg(required_unless_present = "latest")]
    name: Option<String>,
}

/// `image diff`: an image has no `--latest`.
#[derive(clap::Args)]
pub struct ImageArgs {
    /// Change the output format (json)
    #[arg(long)]
    format: Option<String>,
    /// The image
    name: String,
}

pub fn exec(engine: &dyn Engine, args: Args, target: Target) -> anyhow::Result<()> {
    // `--latest` means a container whatever the verb.
    let (name, target) = match args.latest.latest {
        true => (args.latest.resolve(engine, args.name)?, Target::Container),
        false => (args.name.unwrap_or_default(), target),
    };
    show(engine, args.format, &name, target)
}

pub fn image(engine: &dyn Engine, args: ImageArgs) -> anyhow::Result<()> {
    show(engine, args.format, &args.name, Target::Image)
}

/// Podman's JSON: each kind's paths, kinds with none left out.
#[derive(Serialize, Default)]
struct Report<'a> {
    #[serde(skip_serializing_if = "Vec::is_empty")]
    changed: Vec<&'a str>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    added: Vec<&'a str>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    deleted: Vec<&'a str>,
}

fn show(
    engine: &dyn Engine,
    format: Option<String>,
    name: &str,
    target: Target,
) -> anyhow::Result<()> {
    let json = match format.as_deref() {
        None | Some("") => false,
        Some("json") => true,
        Some(_) => anyhow::bail!("only supported value for '--format' is 'json'"),
    };
    let changes = engine.diff(name, target)?;
    if json {
        println!("{}", report_json(&changes)?);
        return Ok(());
    }
    for change in &changes {
        println!("{} {}", change.kind.letter(), change.path);
    }
    Ok(())
}

/// Indented five spaces, as Podman's encoder is set to.
fn report_json(changes: &[Change]) -> serde_json::Result<String> {
    let mut report = Report::default();
    for c in changes {
        match c.kind {
            Kind::Changed => report.changed.push(&c.path),
            Kind::Added => report.added.push(&c.path),
            Kind::Deleted => report.deleted.push(&c.path),
        }
    }
    let mut out = Vec::new();
    let formatter = serde_json::ser::PrettyFormatter::with_indent(b"     ");
    let mut ser = serde_json::Serializer::with_formatter(&mut out, formatter);
    report.serialize(&mut ser)?;
    Ok(String::from_utf8_lossy(&out).into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_as_podman_prints_it() {
        let changes = [
            Change {
                kind: Kind::Changed,
                path: "/etc".into(),
            },
            Change {
                kind: Kind::Added,
                path: "/new".into(),
            },
        ];
        assert_eq!(
            report_json(&changes).unwrap(),
            "{\n     \"changed\": [\n          \"/etc\"\n     ],\n     \"added\": [\n          \"/new\"\n     ]\n}"
        );
        assert_eq!(report_json(&[]).unwrap(), "{}");
    }
}
