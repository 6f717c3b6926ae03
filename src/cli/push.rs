//! `coracle push`

use super::progress::TransferDisplay;
use super::unsupported::{ignored, refused};
use crate::engine::images::push::plan::{Compression, ManifestFormat};
use crate::engine::images::push::PushOptions;
use crate::engine::interface::Engine;
use crate::engine::registry::creds::Credentials;
use anyhow::Context as _;
use clap::builder::{BoolValueParser, StringValueParser};
use std::path::PathBuf;
use std::sync::Arc;

#[derive(clap::Args)]
pub struct Args {
    /// Manifest format to push: oci or v2s2 (default: the image's own)
    #[arg(short, long, value_parser = ["oci", "v2s2", "docker"])]
    format: Option<String>,
    /// Compress layers with this: gzip or zstd (default: as stored)
    #[arg(long, value_parser = ["gzip", "zstd"])]
    compression_format: Option<String>,
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
    /// Compress layers when pushing to a directory (ignored: only Podman's dir:
    /// transport uses it, and coracle pushes to registries only)
    #[arg(long, value_parser = ignored(BoolValueParser::new()))]
    compress: bool,
    /// Docker's flag (ignored: a no-op in Docker's and Podman's CLIs too)
    #[arg(long, value_parser = ignored(BoolValueParser::new()))]
    disable_content_trust: bool,
    /// Write the digest of the pushed manifest to this file
    #[arg(long, value_name = "FILE")]
    digestfile: Option<PathBuf>,
    /// Print no progress
    #[arg(short, long)]
    quiet: bool,
    /// Require HTTPS and verify certificates (loopback registries may use plain HTTP)
    #[arg(long, default_value_t = true, action = clap::ArgAction::Set, num_args = 0..=1, default_missing_value = "true")]
    tls_verify: bool,
    /// The image to push
    image: String,
    /// Where to push it (default: the image's name)
    destination: Option<String>,
}

pub fn exec(engine: &dyn Engine, args: Args) -> anyhow::Result<()> {
    let opts = PushOptions {
        image: args.image,
        destination: args.destination,
        tls_verify: args.tls_verify,
        format: args.format.as_deref().map(format),
        compression: args.compression_format.as_deref().map(compression),
        credentials: args.creds.as_deref().map(parse_creds).transpose()?,
        auth_files: args.authfile.map(|f| vec![f]),
    };
    let display = Arc::new(TransferDisplay::new(args.quiet));
    let events = display.clone();
    let result = engine.push(&opts, Arc::new(move |e| events.push(e)));
    display.finish(result.is_ok());
    let digest = result?;
    if let Some(path) = args.digestfile {
        std::fs::write(&path, &digest)
            .with_context(|| format!("cannot write the digest to {}", path.display()))?;
    }
    Ok(())
}

/// `USER:PASS` (the password may hold colons).
pub fn parse_creds(raw: &str) -> anyhow::Result<Credentials> {
    match raw.split_once(':') {
        Some((user, pass)) if !user.is_empty() => Ok(Credentials {
            username: user.to_owned(),
            password: pass.to_owned(),
        }),
        _ => anyhow::bail!("--creds must be USERNAME:PASSWORD"),
    }
}

/// `--format`, its values checked by clap: `oci`, else Docker's v2s2.
pub fn format(text: &str) -> ManifestFormat {
    match text {
        "oci" => ManifestFormat::Oci,
        _ => ManifestFormat::V2s2,
    }
}

/// `--compression-format`, its values checked by clap: `zstd`, else gzip.
pub fn compression(text: &str) -> Compression {
    match text {
        "zstd" => Compression::Zstd,
        _ => Compression::Gzip,
    }
}
