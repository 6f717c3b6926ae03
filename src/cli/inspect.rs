//! `coracle inspect` (and `container inspect`): containers first, then images,
//! then volumes.

use super::format::print_inspect;
use crate::engine::interface::Engine;
use crate::engine::ErrorKind;
use serde_json::Value;

#[derive(clap::Args)]
pub struct Args {
    /// Format output: json (default) or a Go template such as '{{.State.Status}}'
    #[arg(short, long)]
    format: Option<String>,
    /// Only this kind of object
    #[arg(long = "type", value_parser = ["container", "image", "volume"])]
    kind: Option<String>,
    #[arg(required = true, value_name = "NAME|ID")]
    names: Vec<String>,
}

impl Args {
    /// `container inspect`: the same flags, containers only.
    pub fn containers_only(mut self) -> Args {
        self.kind = Some("container".into());
        self
    }
}

pub fn exec(engine: &dyn Engine, args: Args) -> anyhow::Result<()> {
    let kind = args.kind.as_deref();
    print_each(args.format.as_deref(), &args.names, |name| {
        object(engine, name, kind)
    })
}

/// Inspects each name, prints what was found (one JSON array, or the template per
/// item) and the errors; exits 125 if any name failed.
pub fn print_each(
    format: Option<&str>,
    names: &[String],
    mut inspect: impl FnMut(&str) -> anyhow::Result<Value>,
) -> anyhow::Result<()> {
    let mut items = Vec::new();
    let mut failed = false;
    for name in names {
        match inspect(name) {
            Ok(item) => items.push(item),
            Err(e) => {
                eprintln!("Error: {e}");
                failed = true;
            }
        }
    }
    print_inspect(format, &items)?;
    if failed {
        return Err(super::Exit(125).into());
    }
    Ok(())
}

fn object(engine: &dyn Engine, name: &str, kind: Option<&str>) -> anyhow::Result<Value> {
    if kind != Some("image") {
        match engine.inspect_container(name) {
            Err(e) if e.kind() == ErrorKind::NotFound => {}
            result => return Ok(result?),
        }
    }
    if kind.is_none() || kind == Some("image") {
        match engine.inspect_image(name) {
            Err(e) if e.kind() == ErrorKind::NotFound => {}
            result => return Ok(result?),
        }
    }
    if kind.is_none() || kind == Some("volume") {
        match engine.inspect_volume(name) {
            Err(e) if e.kind() == ErrorKind::NotFound => {}
            result => return Ok(Value::Object(super::volume::fields(&result?))),
        }
    }
    match kind {
        Some("container") => anyhow::bail!("no such container: {name}"),
        Some("volume") => anyhow::bail!("no such volume: {name}"),
        Some(_) => anyhow::bail!("no such image: {name}"),
        None => anyhow::bail!("no such object: {name}"),
    }
}
