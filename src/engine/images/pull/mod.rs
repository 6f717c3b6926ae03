//! `pull`: manifest, config, then every layer at once, each unpacked while it
//! downloads and checked against its digest and diff-id before it is kept.

mod layer;
pub(crate) mod manifest;
mod reader;

pub(crate) use layer::{unpack_checked, Checked};
pub(crate) use reader::decompress;

use super::ImagesError;
use crate::engine::context::Context;
use crate::engine::oci::platform::{self, Platform};
use crate::engine::oci::reference::Reference;
use crate::engine::process::Inside;
use crate::engine::registry::creds::Credentials;
use crate::engine::registry::{Client, ClientOptions, ManifestBytes};
use crate::engine::store::blobs::sha256_digest;
use crate::engine::store::images::NewImage;
use crate::engine::store::{digest_hex, Store};
use futures_util::StreamExt;
use manifest::Parsed;
use oci_spec::image::ImageManifest;
use std::path::PathBuf;
use std::sync::Arc;

/// How many layers download at once (Podman's default too).
const PARALLEL_LAYERS: usize = 6;

#[derive(Debug, Clone)]
pub struct PullOptions {
    pub reference: String,
    pub platform: Option<String>,
    pub tls_verify: bool,
    /// Credentials to use instead of the auth files (the API's X-Registry-Auth).
    pub credentials: Option<Credentials>,
    /// The auth files to search instead of the default ones (`--authfile`).
    pub auth_files: Option<Vec<PathBuf>>,
}

/// What a pull reports while it works; cli/ draws bars from these, api/ JSON lines.
#[derive(Debug, Clone)]
pub enum PullEvent {
    Resolved { reference: String },
    LayerExists { digest: String },
    LayerStarted { digest: String, size: u64 },
    LayerProgress { digest: String, bytes: u64 },
    LayerDone { digest: String },
    ConfigStored { digest: String },
}

pub type Progress = Arc<dyn Fn(PullEvent) + Send + Sync>;

/// Pulls an image into the store and returns its ID (the config digest's hex).
pub async fn pull(
    _inside: Inside,
    ctx: &Context,
    opts: &PullOptions,
    progress: Progress,
) -> Result<String, ImagesError> {
    let reference = Reference::parse(&opts.reference)?;
    let want = match &opts.platform {
        Some(p) => Platform::parse(p)?,
        None => Platform::host(),
    };
    let mut store = ctx.open_store()?;
    let _adding = store.lock_for_adding()?;
    store.sweep_temp()?;

    let client = Client::new(ClientOptions {
        tls_verify: opts.tls_verify,
        credentials: opts.credentials.clone(),
        auth_files: opts.auth_files.clone(),
        ..Default::default()
    })?;
    progress(PullEvent::Resolved {
        reference: reference.to_string(),
    });
    let image_name = reference.to_string();
    let top = client.manifest(&reference).await?;
    let (platform_manifest, image_manifest) =
        platform_manifest(&client, &reference, &top, &want).await?;

    let config_digest = image_manifest.config().digest().to_string();
    let config_bytes =
        fetch_small_blob(&client, &store, &reference, &config_digest, "config").await?;
    progress(PullEvent::ConfigStored {
        digest: config_digest.clone(),
    });
    let diff_ids = manifest::diff_ids(&image_name, &config_bytes)?;
    if diff_ids.len() != image_manifest.layers().len() {
        return Err(bad(
            &image_name,
            "the manifest and the config disagree on the number of layers",
        ));
    }

    let jobs = image_manifest
        .layers()
        .iter()
        .zip(&diff_ids)
        .map(|(desc, diff_id)| layer::Job {
            image: image_name.clone(),
            reference: reference.clone(),
            digest: desc.digest().to_string(),
            media_type: desc.media_type().to_string(),
            size: desc.size(),
            diff_id: diff_id.clone(),
        })
        .collect();
    layer::fetch_all(ctx, &client, jobs, PARALLEL_LAYERS, progress.clone()).await?;

    store.put_blob(&platform_manifest.digest, &platform_manifest.bytes)?;
    let id = digest_hex(&config_digest)?.to_owned();
    let repo_digest = reference.with_digest(&top.digest)?.to_string();
    let created = manifest::created(&config_bytes);
    let tag = reference
        .tag
        .as_ref()
        .map(|t| format!("{}:{t}", reference.name()));
    store.add_image(&NewImage {
        id: &id,
        manifest_digest: Some(&platform_manifest.digest),
        manifest_media_type: Some(&platform_manifest.media_type),
        created: created.as_deref(),
        layers: &diff_ids,
        tag: tag.as_deref(),
        repo_digest: Some(&repo_digest),
    })?;
    Ok(id)
}

/// The manifest for `want`: `top` itself, or the entry a manifest list picks.
async fn platform_manifest(
    client: &Client,
    reference: &Reference,
    top: &ManifestBytes,
    want: &Platform,
) -> Result<(ManifestBytes, Box<ImageManifest>), ImagesError> {
    let image = reference.to_string();
    let index = match manifest::parse(&image, &top.bytes, &top.media_type)? {
        Parsed::Manifest(m) => return Ok((top.clone(), m)),
        Parsed::Index(index) => index,
    };
    let chosen = platform::select(&index, want)?;
    let child = client
        .manifest_by_digest(reference, chosen.digest().as_ref())
        .await?;
    match manifest::parse(&image, &child.bytes, &child.media_type)? {
        Parsed::Manifest(m) => Ok((child, m)),
        Parsed::Index(_) => Err(bad(&image, "a manifest list points to another list")),
    }
}

/// Fetches a manifest-sized blob (a config), checks it and keeps it.
async fn fetch_small_blob(
    client: &Client,
    store: &Store,
    reference: &Reference,
    digest: &str,
    what: &'static str,
) -> Result<Vec<u8>, ImagesError> {
    if store.has_blob(digest) {
        return Ok(store.read_blob(digest)?);
    }
    let mut blob = client.blob(reference, digest).await?;
    let mut bytes = Vec::new();
    while let Some(chunk) = blob.stream.next().await {
        bytes.extend_from_slice(&chunk?);
    }
    let actual = sha256_digest(&bytes);
    if actual != digest {
        return Err(ImagesError::DigestMismatch {
            what,
            image: reference.to_string(),
            digest: digest.to_owned(),
            actual,
        });
    }
    store.put_blob(digest, &bytes)?;
    Ok(bytes)
}

fn bad(image: &str, message: &str) -> ImagesError {
    ImagesError::BadManifest {
        image: image.to_owned(),
        message: message.to_owned(),
    }
}
