//! `coracle inspect` (and `container inspect`): containers first, then images,
//! volumes and networks, as Podman looks them up.

use super::format::print_inspect;
use super::targets::Latest;
use crate::engine::interface::Engine;
use crate::engine::ErrorKind;
use serde_json::Value;

#[derive(clap::Args)]
pub struct Args {
    /// Format output: json (default) or a Go template such as '{{.State.Status}}'
    #[arg(short, long, overrides_with = "format")]
    format: Option<String>,
    /// Only this kind of object: container, image, volume, network or all
    #[arg(short = 't', long = "type", value_parser = parse_kind, default_value = "all")]
    kind: Kind,
    /// Add the containers' SizeRw and SizeRootFs
    #[arg(short, long)]
    size: bool,
    #[command(flatten)]
    latest: Latest,
    #[arg(required_unless_present = "latest", value_name = "NAME|ID")]
    names: Vec<String>,
}

#[derive(Clone, Copy, PartialEq)]
pub enum Kind {
    All,
    Container,
    Image,
    Volume,
    Network,
    Pod,
}

/// Podman's words for a `--type` it does not know.
fn parse_kind(text: &str) -> Result<Kind, String> {
    Ok(match text {
        "all" => Kind::All,
        "container" => Kind::Container,
        "image" => Kind::Image,
        "volume" => Kind::Volume,
        "network" => Kind::Network,
        "pod" => Kind::Pod,
        _ => {
            return Err(format!(
                "invalid type {text:?}: must be \"image\", \"container\", \"network\", \"pod\", \"volume\", or \"all\""
            ))
        }
    })
}

// `container inspect`: `inspect`'s flags but --type, containers only.
#[derive(clap::Args)]
pub struct ContainerArgs {
    /// Format output: json (default) or a Go template such as '{{.State.Status}}'
    #[arg(short, long, overrides_with = "format")]
    format: Option<String>,
    /// Add the containers' SizeRw and SizeRootFs
    #[arg(short, long)]
    size: bool,
    #[command(flatten)]
    latest: Latest,
    #[arg(required_unless_present = "latest", value_name = "CONTAINER")]
    names: Vec<String>,
}

impl From<ContainerArgs> for Args {
    fn from(a: ContainerArgs) -> Args {
        Args {
            format: a.format,
            kind: Kind::Container,
            size: a.size,
            latest: a.latest,
            names: a.names,
        }
    }
}

pub fn exec(engine: &dyn Engine, mut args: Args) -> anyhow::Result<()> {
    if args.latest.latest {
        // Podman: the newest container, and only it.
        let name = args.names.pop();
        args.names = vec![args.latest.resolve(engine, name)?];
    }
    if args.size && !matches!(args.kind, Kind::All | Kind::Container) {
        let kind = match args.kind {
            Kind::Image => "image",
            Kind::Volume => "volume",
            Kind::Pod => "pod",
            _ => "network",
        };
        eprintln!("Error: size is not supported for type {kind:?}");
        return Err(super::Exit(125).into());
    }
    let template = args.format.as_deref().is_some_and(|f| f != "json");
    print_each(args.format.as_deref(), &args.names, "object", |name| {
        object(engine, name, args.kind, args.size, template)
    })
}

/// Inspects each name and prints what was found (one JSON array, or the
/// template per item); then, as Podman does, each failure after the first as
/// `error inspecting WHAT: ...` and the first as the command's error (125);
/// WHAT is `object` but for secrets.
pub fn print_each(
    format: Option<&str>,
    names: &[String],
    what: &str,
    mut inspect: impl FnMut(&str) -> anyhow::Result<Value>,
) -> anyhow::Result<()> {
    let mut items = Vec::new();
    let mut errors = Vec::new();
    for name in names {
        match inspect(name) {
            Ok(item) => items.push(item),
            Err(e) => errors.push(e),
        }
    }
    print_inspect(format, &items)?;
    let Some((first, rest)) = errors.split_first() else {
        return Ok(());
    };
    for e in rest {
        eprintln!("error inspecting {what}: {e}");
    }
    eprintln!("Error: inspecting {what}: {first}");
    Err(super::Exit(125).into())
}

/// What Podman says of a name that is not there.
pub fn missing(kind: Kind, name: &str) -> anyhow::Error {
    match kind {
        Kind::All => anyhow::anyhow!("no such object: {name:?}"),
        Kind::Container => anyhow::anyhow!("no such container {name}"),
        Kind::Image => anyhow::anyhow!("{name}: image not known"),
        Kind::Volume => anyhow::anyhow!("no such volume {name}"),
        Kind::Pod => anyhow::anyhow!("no such pod {name}"),
        Kind::Network => anyhow::anyhow!(
            "network {name}: unable to find network with name or ID {name}: network not found"
        ),
    }
}

/// The engine's answer, with Podman's words when the name is not there.
pub fn one<T>(
    result: Result<T, crate::engine::Error>,
    kind: Kind,
    name: &str,
) -> anyhow::Result<T> {
    result.map_err(|e| match e.kind() {
        ErrorKind::NotFound => missing(kind, name),
        _ => e.into(),
    })
}

/// The object of `kind` named `name`, or with `--type all` the first kind
/// that has one, in Podman's order.
fn object(
    engine: &dyn Engine,
    name: &str,
    kind: Kind,
    size: bool,
    template: bool,
) -> anyhow::Result<Value> {
    let lookup = |k: Kind| -> Result<Value, crate::engine::Error> {
        Ok(match k {
            Kind::Container if size => engine.inspect_container_sized(name)?,
            Kind::Container => engine.inspect_container(name)?,
            Kind::Image => engine.inspect_image(name)?,
            Kind::Volume => Value::Object(super::volume::fields(&engine.inspect_volume(name)?)),
            Kind::Pod => engine.inspect_pod(name)?.inspect(),
            // `All` is never looked up as such: it tries each kind in turn.
            Kind::Network | Kind::All => {
                super::network_show::document(&engine.inspect_network(name)?, template)
            }
        })
    };
    if kind != Kind::All {
        return one(lookup(kind), kind, name);
    }
    for k in [
        Kind::Container,
        Kind::Image,
        Kind::Volume,
        Kind::Network,
        Kind::Pod,
    ] {
        match lookup(k) {
            Err(e) if e.kind() == ErrorKind::NotFound => continue,
            result => return Ok(result?),
        }
    }
    Err(missing(Kind::All, name))
}
