//! `manifest push`: each entry's image first (a stored one sent as `push`
//! sends it, a registry's copied blob by blob, mounted when it is in the same
//! registry), each under its digest only, then the index under the tag: the
//! tag names the list whole or not at all.

use super::doc::{Descriptor, Source};
use super::edit;
use super::source::Fetch;
use super::ManifestsError;
use crate::engine::context::Context;
use crate::engine::images::push::plan::{Compression, ManifestFormat};
use crate::engine::images::push::{self as image_push, Target};
use crate::engine::oci::reference::Reference;
use crate::engine::registry::upload::BlobSource;
use crate::engine::registry::Client;
use crate::engine::store::Store;
use futures_util::StreamExt;
use sha2::{Digest, Sha256};
use std::io::Write;
use std::sync::Arc;

pub struct PushOptions {
    pub list: String,
    pub destination: String,
    /// Push the images the list names too, not only the index.
    pub all: bool,
    /// Remove the local list once pushed.
    pub rm: bool,
    /// The index's format; by default OCI's when an entry is an OCI manifest.
    pub format: Option<ManifestFormat>,
    /// How stored images' layers go, as for `push`.
    pub compression: Option<Compression>,
    pub fetch: Fetch,
}

/// What a list push reports while it works.
#[derive(Debug, Clone)]
pub enum PushEvent {
    /// Entry `number` of `total` is being copied.
    Copying {
        digest: String,
        number: usize,
        total: usize,
    },
    /// The index goes up.
    WritingList,
}

pub type Progress = Arc<dyn Fn(PushEvent) + Send + Sync>;

/// Pushes the list; returns the digest of the index pushed.
pub async fn push(
    ctx: &Context,
    opts: &PushOptions,
    progress: Progress,
) -> Result<String, ManifestsError> {
    let store = ctx.open_store()?;
    // Deleters wait for us: no blob we are sending may vanish.
    let _reading = store.lock_for_adding()?;
    let mut found = edit::lookup(&store, &opts.list)?;
    let raw = opts.destination.as_str();
    let destination = Reference::parse(raw.strip_prefix("docker://").unwrap_or(raw))?;
    if destination.digest.is_some() {
        return Err(ManifestsError::Invalid(format!(
            "cannot push to {raw}: push to a tag, the registry gives the digest"
        )));
    }
    let client = opts.fetch.client()?;
    if opts.all {
        let total = found.doc.entries.len();
        for (i, entry) in found.doc.entries.iter_mut().enumerate() {
            progress(PushEvent::Copying {
                digest: entry.descriptor.digest.clone(),
                number: i + 1,
                total,
            });
            let target = Target {
                client: &client,
                destination: &destination,
                by_digest: true,
            };
            match &entry.source {
                Source::Local(id) => {
                    let descriptor = &mut entry.descriptor;
                    send_local(ctx, &store, id, &target, opts.compression, descriptor).await?
                }
                Source::Remote(repo) => {
                    copy_remote(&store, &target, repo, &entry.descriptor).await?
                }
            }
        }
    }
    progress(PushEvent::WritingList);
    let media_type = found
        .doc
        .push_media_type(opts.format.map(|f| f == ManifestFormat::Oci));
    let bytes = serde_json::to_vec(&found.doc.index(media_type)).expect("an index is JSON");
    let digest = client
        .put_manifest(
            &destination,
            destination.tag_or_digest(),
            &bytes,
            media_type,
        )
        .await?;
    if opts.rm {
        store.remove_manifest_list(&found.name)?;
    }
    Ok(digest)
}

/// Sends a stored image as `push` would. Its manifest may come out different
/// (uncompressed layers are gzipped on the way), so the entry takes the
/// digest that was sent, as Podman's does.
async fn send_local(
    ctx: &Context,
    store: &Store,
    id: &str,
    target: &Target<'_>,
    compression: Option<Compression>,
    descriptor: &mut Descriptor,
) -> Result<(), ManifestsError> {
    let image = store.image(id)?;
    let quiet = Arc::new(|_| {});
    let sent = image_push::send(ctx, &image, target, None, compression, quiet).await?;
    descriptor.digest = sent.digest;
    descriptor.size = sent.size;
    descriptor.media_type = sent.media_type;
    Ok(())
}

/// Copies a registry's image by digest: blobs the destination lacks are
/// mounted from the source repository when both are in one registry, else
/// streamed through a temporary file; then the manifest, byte for byte.
async fn copy_remote(
    store: &Store,
    target: &Target<'_>,
    repo: &str,
    descriptor: &Descriptor,
) -> Result<(), ManifestsError> {
    let (client, destination) = (target.client, target.destination);
    let source = Reference::parse(repo)?.with_digest(&descriptor.digest)?;
    let manifest = client
        .manifest_by_digest(&source, &descriptor.digest)
        .await?;
    let json: serde_json::Value =
        serde_json::from_slice(&manifest.bytes).map_err(|e| ManifestsError::BadManifest {
            image: source.to_string(),
            message: format!("manifest is not JSON: {e}"),
        })?;
    if json.get("manifests").is_some() {
        return Err(ManifestsError::Invalid(format!(
            "{source} is itself a manifest list: lists inside lists cannot be pushed"
        )));
    }
    let blobs =
        std::iter::once(&json["config"]).chain(json["layers"].as_array().into_iter().flatten());
    for blob in blobs {
        let (Some(digest), Some(size)) = (blob["digest"].as_str(), blob["size"].as_u64()) else {
            continue;
        };
        copy_blob(store, client, &source, destination, digest, size).await?;
    }
    client
        .put_manifest(
            destination,
            &descriptor.digest,
            &manifest.bytes,
            &manifest.media_type,
        )
        .await?;
    Ok(())
}

async fn copy_blob(
    store: &Store,
    client: &Client,
    source: &Reference,
    destination: &Reference,
    digest: &str,
    size: u64,
) -> Result<(), ManifestsError> {
    if client.has_blob(destination, digest).await? {
        return Ok(());
    }
    if source.registry == destination.registry
        && client
            .mount_blob(destination, digest, &source.repository)
            .await?
    {
        return Ok(());
    }
    let tmp = store.temp_entry("manifest-blob")?;
    let io = |error| ManifestsError::Copy {
        digest: digest.to_owned(),
        error,
    };
    let mut file = std::fs::File::create(tmp.path()).map_err(io)?;
    let mut hasher = Sha256::new();
    let mut stream = client.blob(source, digest).await?.stream;
    while let Some(chunk) = stream.next().await {
        let chunk = chunk?;
        hasher.update(&chunk);
        file.write_all(&chunk).map_err(io)?;
    }
    drop(file);
    let actual = format!("sha256:{}", hex::encode(hasher.finalize()));
    if actual != digest {
        return Err(ManifestsError::BadManifest {
            image: source.to_string(),
            message: format!("blob {digest} does not match its digest (got {actual})"),
        });
    }
    let blob = BlobSource {
        path: tmp.path(),
        digest,
        size,
    };
    client.push_blob(destination, &blob, None, &|_| {}).await?;
    Ok(())
}
