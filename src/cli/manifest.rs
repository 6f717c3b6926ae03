//! `coracle manifest create|add|annotate|remove|rm|exists|inspect|push`

use super::manifest_push::{self, PushArgs};
use super::rmi::print_removed;
use super::unsupported::refused;
use crate::engine::error::ErrorKind;
use crate::engine::interface::Engine;
use crate::engine::manifests::edit::{AddOptions, CreateOptions, Overrides};
use crate::engine::manifests::Fetch;
use clap::builder::StringValueParser;
use std::io::Write;
use std::path::PathBuf;

#[derive(clap::Subcommand)]
#[command(defer = true)]
pub enum ManifestCommand {
    /// Create a manifest list or image index
    Create(CreateArgs),
    /// Add images to a manifest list or image index
    Add(AddArgs),
    /// Add or update information about an entry in a manifest list or image index
    Annotate(AnnotateArgs),
    /// Remove an entry from a manifest list or image index
    Remove(RemoveArgs),
    /// Remove manifest lists or image indexes from local storage
    Rm(RmArgs),
    /// Check if a manifest list exists in local storage (exit 0) or not (exit 1)
    Exists(ExistsArgs),
    /// Display the contents of a local manifest list, or what a registry serves for an image
    Inspect(InspectArgs),
    /// Push a manifest list or image index to a registry
    Push(PushArgs),
}

/// How to reach registries, as `pull` takes it.
#[derive(clap::Args)]
pub struct RegistryArgs {
    /// Require HTTPS and verify certificates (loopback registries may use plain HTTP)
    #[arg(long, default_value_t = true, action = clap::ArgAction::Set, num_args = 0..=1, default_missing_value = "true")]
    tls_verify: bool,
    /// Credentials (USERNAME:PASSWORD) to use instead of the auth files
    #[arg(long, value_name = "USERNAME:PASSWORD")]
    creds: Option<String>,
    /// Path of the authentication file (default: $REGISTRY_AUTH_FILE, then
    /// Podman's and Docker's usual files)
    #[arg(long, value_name = "FILE")]
    authfile: Option<PathBuf>,
    /// Directory of TLS certificates and keys (unsupported: coracle verifies
    /// registries against the system's CA certificates only)
    #[arg(long, value_name = "DIR", value_parser = refused(StringValueParser::new()))]
    cert_dir: Option<String>,
}

impl RegistryArgs {
    pub fn fetch(self) -> anyhow::Result<Fetch> {
        Ok(Fetch {
            tls_verify: self.tls_verify,
            credentials: self
                .creds
                .as_deref()
                .map(super::push::parse_creds)
                .transpose()?,
            auth_files: self.authfile.map(|f| vec![f]),
        })
    }
}

#[derive(clap::Args)]
pub struct CreateArgs {
    /// Add all of the lists' images if the images to add are lists
    #[arg(long)]
    all: bool,
    /// Modify an existing list if one with the desired name already exists
    #[arg(short, long)]
    amend: bool,
    /// Require HTTPS and verify certificates (loopback registries may use plain HTTP)
    #[arg(long, default_value_t = true, action = clap::ArgAction::Set, num_args = 0..=1, default_missing_value = "true")]
    tls_verify: bool,
    /// LIST
    list: String,
    /// IMAGE...: stored images, or docker://REFERENCE for a registry's
    images: Vec<String>,
}

/// The entry's platform and annotations, over what the image says.
#[derive(clap::Args)]
pub struct PlatformArgs {
    /// Set an annotation (KEY=VALUE) for the specified image
    #[arg(long, value_name = "KEY=VALUE", value_parser = annotation)]
    annotation: Vec<(String, String)>,
    /// Override the architecture of the specified image
    #[arg(long)]
    arch: Option<String>,
    /// Override the features of the specified image
    #[arg(long, value_delimiter = ',')]
    features: Option<Vec<String>>,
    /// Override the OS of the specified image
    #[arg(long)]
    os: Option<String>,
    /// Override the OS version of the specified image
    #[arg(long)]
    os_version: Option<String>,
    /// Override the Variant of the specified image
    #[arg(long)]
    variant: Option<String>,
}

impl PlatformArgs {
    fn overrides(self, os_features: Option<Vec<String>>) -> Overrides {
        Overrides {
            architecture: self.arch,
            os: self.os,
            os_version: self.os_version,
            variant: self.variant,
            features: self.features,
            os_features,
            annotations: self.annotation,
        }
    }
}

/// Podman's words for an annotation without a value.
fn annotation(raw: &str) -> Result<(String, String), String> {
    match raw.split_once('=') {
        Some((key, value)) if !key.is_empty() => Ok((key.to_owned(), value.to_owned())),
        _ => Err(format!("no value given for annotation {raw:?}")),
    }
}

#[derive(clap::Args)]
pub struct AddArgs {
    /// Add all of the list's images if the image is a list
    #[arg(long)]
    all: bool,
    #[command(flatten)]
    platform: PlatformArgs,
    #[command(flatten)]
    registry: RegistryArgs,
    /// LIST
    list: String,
    /// IMAGE...: stored images, or docker://REFERENCE for a registry's
    #[arg(required = true)]
    images: Vec<String>,
}

#[derive(clap::Args)]
pub struct AnnotateArgs {
    #[command(flatten)]
    platform: PlatformArgs,
    /// Override the OS features of the specified image
    #[arg(long, value_delimiter = ',')]
    os_features: Option<Vec<String>>,
    /// LIST
    list: String,
    /// The entry's digest
    digest: String,
}

#[derive(clap::Args)]
pub struct RemoveArgs {
    /// LIST
    list: String,
    /// The entry's digest
    digest: String,
}

#[derive(clap::Args)]
pub struct RmArgs {
    /// LIST...
    #[arg(required = true)]
    lists: Vec<String>,
}

#[derive(clap::Args)]
pub struct ExistsArgs {
    /// LIST
    list: String,
}

#[derive(clap::Args)]
pub struct InspectArgs {
    /// Require HTTPS and verify certificates (loopback registries may use plain HTTP)
    #[arg(long, default_value_t = true, action = clap::ArgAction::Set, num_args = 0..=1, default_missing_value = "true")]
    tls_verify: bool,
    /// LIST or IMAGE[:TAG|@DIGEST]
    image: String,
}

pub fn exec(engine: &dyn Engine, cmd: ManifestCommand) -> anyhow::Result<()> {
    match cmd {
        ManifestCommand::Create(args) => {
            let opts = CreateOptions {
                name: args.list,
                images: args.images,
                all: args.all,
                amend: args.amend,
                fetch: Fetch {
                    tls_verify: args.tls_verify,
                    credentials: None,
                    auth_files: None,
                },
            };
            println!("{}", engine.create_manifest(&opts)?);
        }
        ManifestCommand::Add(args) => {
            let opts = AddOptions {
                all: args.all,
                overrides: args.platform.overrides(None),
                fetch: args.registry.fetch()?,
            };
            println!(
                "{}",
                engine.add_to_manifest(&args.list, &args.images, &opts)?
            );
        }
        ManifestCommand::Annotate(args) => {
            let overrides = args.platform.overrides(args.os_features);
            let id = engine.annotate_manifest(&args.list, &args.digest, &overrides)?;
            println!("{id}");
        }
        ManifestCommand::Remove(args) => {
            println!("{}", engine.remove_from_manifest(&args.list, &args.digest)?);
        }
        ManifestCommand::Rm(args) => rm(engine, &args.lists)?,
        ManifestCommand::Exists(args) => {
            if !engine.manifest_exists(&args.list)? {
                return Err(super::Exit(1).into());
            }
        }
        ManifestCommand::Inspect(args) => inspect(engine, &args)?,
        ManifestCommand::Push(args) => manifest_push::exec(engine, args)?,
    }
    Ok(())
}

/// Podman's codes, as for `rmi`: 1 when a list is unknown.
fn rm(engine: &dyn Engine, lists: &[String]) -> anyhow::Result<()> {
    let mut code = 0;
    for result in engine.remove_manifests(lists)? {
        match result {
            Ok(removed) => print_removed(&removed)?,
            Err(e) => {
                eprintln!("Error: {e}");
                code = code.max(match e.kind() {
                    ErrorKind::NotFound => 1,
                    _ => 125,
                });
            }
        }
    }
    match code {
        0 => Ok(()),
        code => Err(super::Exit(code).into()),
    }
}

fn inspect(engine: &dyn Engine, args: &InspectArgs) -> anyhow::Result<()> {
    let bytes = engine.inspect_manifest(&args.image, args.tls_verify)?;
    // A registry's bytes as served: they are what the digest covers.
    let mut out = std::io::stdout().lock();
    out.write_all(&bytes)?;
    if !bytes.ends_with(b"\n") {
        out.write_all(b"\n")?;
    }
    Ok(())
}
