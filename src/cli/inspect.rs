//! `coracle inspect` (and `container inspect`): containers first, then images.

use super::format::print_inspect;
use crate::engine::containers::{inspect as containers, ContainersError};
use crate::engine::context::Context;
use crate::engine::images::{inspect as images, ImagesError};
use crate::engine::store::Store;
use serde_json::Value;

#[derive(clap::Args)]
pub struct Args {
    /// Format output: json (default) or a Go template such as '{{.State.Status}}'
    #[arg(short, long)]
    format: Option<String>,
    /// Only this kind of object
    #[arg(long = "type", value_parser = ["container", "image"])]
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

pub fn exec(ctx: &Context, args: Args) -> anyhow::Result<()> {
    let store = ctx.open_store()?;
    let kind = args.kind.as_deref();
    print_each(args.format.as_deref(), &args.names, |name| {
        object(&store, name, kind)
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

fn object(store: &Store, name: &str, kind: Option<&str>) -> anyhow::Result<Value> {
    if kind != Some("image") {
        match containers::inspect(store, name) {
            Err(ContainersError::NotFound(_)) => {}
            result => return Ok(result?),
        }
    }
    if kind != Some("container") {
        match images::inspect(store, name) {
            Err(ImagesError::NotFound(_)) => {}
            result => return Ok(result?),
        }
    }
    match kind {
        Some("container") => anyhow::bail!("no such container: {name}"),
        Some(_) => anyhow::bail!("no such image: {name}"),
        None => anyhow::bail!("no such object: {name}"),
    }
}
