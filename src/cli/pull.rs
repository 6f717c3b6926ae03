//! `coracle pull`

use super::progress::TransferDisplay;
use super::push::parse_creds;
use super::unsupported::{ignored, refused};
use crate::engine::images::pull::PullOptions;
use crate::engine::interface::Engine;
use crate::engine::oci::platform::Platform;
use clap::builder::{BoolValueParser, StringValueParser};
use std::path::PathBuf;
use std::sync::Arc;

#[derive(clap::Args)]
pub struct Args {
    /// Pull for this platform instead of the host's (os/arch[/variant])
    #[arg(long, conflicts_with_all = ["arch", "os", "variant"])]
    platform: Option<String>,
    /// Use ARCH instead of the host's architecture for choosing images
    #[arg(long, value_name = "ARCH")]
    arch: Option<String>,
    /// Use OS instead of the host's OS for choosing images
    #[arg(long, value_name = "OS")]
    os: Option<String>,
    /// Use VARIANT instead of the host's architecture variant for choosing images
    #[arg(long, value_name = "VARIANT")]
    variant: Option<String>,
    /// Print only the image ID
    #[arg(short, long)]
    quiet: bool,
    /// Require HTTPS and verify certificates (loopback registries may use plain HTTP)
    #[arg(long, default_value_t = true, action = clap::ArgAction::Set, num_args = 0..=1, default_missing_value = "true")]
    tls_verify: bool,
    /// Path of the authentication file (default: $REGISTRY_AUTH_FILE, then
    /// Podman's and Docker's usual files)
    #[arg(long, value_name = "FILE")]
    authfile: Option<PathBuf>,
    /// Credentials (USERNAME:PASSWORD) to use instead of the auth files
    #[arg(long, value_name = "USERNAME:PASSWORD")]
    creds: Option<String>,
    /// All tagged images in the repository will be pulled (unsupported: coracle
    /// pulls one tag at a time)
    #[arg(short, long, value_parser = refused(BoolValueParser::new()))]
    all_tags: bool,
    /// Directory of TLS certificates and keys (unsupported: coracle verifies
    /// registries against the system's CA certificates only)
    #[arg(long, value_name = "DIR", value_parser = refused(StringValueParser::new()))]
    cert_dir: Option<String>,
    /// Docker's flag (ignored: a no-op in Docker's and Podman's CLIs too)
    #[arg(long, value_parser = ignored(BoolValueParser::new()))]
    disable_content_trust: bool,
    /// IMAGE[:TAG|@DIGEST]
    image: String,
}

pub fn exec(engine: &dyn Engine, args: Args) -> anyhow::Result<()> {
    let platform = match args.platform {
        Some(platform) => Some(platform),
        None => platform_of(args.os, args.arch, args.variant),
    };
    let opts = PullOptions {
        reference: args.image,
        platform,
        tls_verify: args.tls_verify,
        credentials: args.creds.as_deref().map(parse_creds).transpose()?,
        auth_files: args.authfile.map(|f| vec![f]),
    };
    let display = Arc::new(TransferDisplay::new(args.quiet));
    let events = display.clone();
    let result = engine.pull(&opts, Arc::new(move |e| events.pull(e)));
    display.finish(result.is_ok());
    println!("{}", result?);
    Ok(())
}

/// `--os`, `--arch`, `--variant` as a platform, the host's where one is not given,
/// as Podman fills them in; `None` when none is given.
pub fn platform_of(
    os: Option<String>,
    arch: Option<String>,
    variant: Option<String>,
) -> Option<String> {
    if os.is_none() && arch.is_none() && variant.is_none() {
        return None;
    }
    let host = Platform::host();
    // The host's variant belongs to the host's architecture only.
    let variant = match &arch {
        Some(_) => variant,
        None => variant.or(host.variant),
    };
    let platform = Platform {
        os: os.unwrap_or(host.os),
        architecture: arch.unwrap_or(host.architecture),
        variant,
    };
    Some(platform.to_string())
}
