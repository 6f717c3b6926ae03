//! `push`: every layer at once (skipped when the registry has it, mounted from
//! another repository of the registry when it can be), then the config, then the
//! manifest last, so the image appears in the registry whole or not at all.

mod compress;
pub mod plan;

use super::ImagesError;
use crate::engine::context::Context;
use crate::engine::oci::reference::Reference;
use crate::engine::process::Inside;
use crate::engine::registry::creds::Credentials;
use crate::engine::registry::upload::{self, BlobSource};
use crate::engine::registry::{digest_of, Client, ClientOptions};
use crate::engine::store::images::ImageRecord;
use plan::{Compression, LayerPlan, ManifestFormat, SentLayer};
use std::path::PathBuf;
use std::sync::Arc;
use tokio::sync::Semaphore;
use tokio::task::JoinSet;

/// How many layers upload at once.
const PARALLEL_LAYERS: usize = 6;

#[derive(Debug, Clone)]
pub struct PushOptions {
    pub image: String,
    /// Where to; the image's own name when `None`.
    pub destination: Option<String>,
    pub tls_verify: bool,
    pub format: Option<ManifestFormat>,
    pub compression: Option<Compression>,
    pub credentials: Option<Credentials>,
    /// The auth files to search instead of the default ones (`--authfile`).
    pub auth_files: Option<Vec<PathBuf>>,
}

/// What a push reports while it works.
#[derive(Debug, Clone)]
pub enum PushEvent {
    /// The image is there and the push begins.
    Started,
    BlobExists {
        digest: String,
    },
    BlobMounted {
        digest: String,
        from: String,
    },
    BlobStarted {
        digest: String,
        size: u64,
    },
    BlobProgress {
        digest: String,
        bytes: u64,
    },
    BlobDone {
        digest: String,
    },
    ConfigDone {
        digest: String,
    },
}

pub type Progress = Arc<dyn Fn(PushEvent) + Send + Sync>;

/// Pushes a stored image and returns the digest of the manifest it pushed.
pub async fn push(
    _inside: Inside,
    ctx: &Context,
    opts: &PushOptions,
    progress: Progress,
) -> Result<String, ImagesError> {
    let store = ctx.open_store()?;
    // Deleters wait for us: no blob we are sending may vanish.
    let _reading = store.lock_for_adding()?;
    let image = store.image(&super::resolve(&store, &opts.image)?)?;
    let destination = destination(opts)?;
    let client = Client::new(ClientOptions {
        tls_verify: opts.tls_verify,
        credentials: opts.credentials.clone(),
        auth_files: opts.auth_files.clone(),
        ..Default::default()
    })?;
    let target = Target {
        client: &client,
        destination: &destination,
        by_digest: false,
    };
    let sent = send(
        ctx,
        &image,
        &target,
        opts.format,
        opts.compression,
        progress,
    )
    .await?;
    store.add_repo_digest(
        &destination.with_digest(&sent.digest)?.to_string(),
        &image.id,
    )?;
    Ok(sent.digest)
}

/// Where `send` puts an image: its manifest goes under the destination's tag,
/// or only under its own digest (an entry of a manifest list).
pub struct Target<'a> {
    pub client: &'a Client,
    pub destination: &'a Reference,
    pub by_digest: bool,
}

/// The manifest a push sent.
pub struct Sent {
    pub digest: String,
    pub size: u64,
    pub media_type: String,
}

/// Sends a stored image's layers, config and manifest. The caller holds the
/// store's adding lock, so no blob being sent can vanish.
pub async fn send(
    ctx: &Context,
    image: &ImageRecord,
    target: &Target<'_>,
    format: Option<ManifestFormat>,
    compression: Option<Compression>,
    progress: Progress,
) -> Result<Sent, ImagesError> {
    let store = ctx.open_store()?;
    let (client, destination) = (target.client, target.destination);
    let plan = plan::plan(&store, image, format, compression)?;
    let mount_from = mount_source(image, destination);
    progress(PushEvent::Started);

    let mut tasks = JoinSet::new();
    let slots = Arc::new(Semaphore::new(PARALLEL_LAYERS));
    for (i, layer) in plan.layers.iter().enumerate() {
        let job = LayerJob {
            ctx: ctx.clone(),
            client: client.clone(),
            destination: destination.clone(),
            layer: layer.clone(),
            mount_from: mount_from.clone(),
            progress: progress.clone(),
        };
        let slots = slots.clone();
        tasks.spawn(async move {
            let _slot = slots.acquire_owned().await;
            job.run().await.map(|sent| (i, sent))
        });
    }
    let mut sent: Vec<Option<SentLayer>> = plan.layers.iter().map(|_| None).collect();
    while let Some(joined) = tasks.join_next().await {
        let (i, layer) = joined.map_err(|e| ImagesError::Task(e.to_string()))??;
        sent[i] = Some(layer);
    }
    let sent: Vec<SentLayer> = sent.into_iter().flatten().collect();

    let config = BlobSource {
        path: &store.blob_path(&plan.config_digest)?,
        digest: &plan.config_digest,
        size: plan.config_size,
    };
    client
        .push_blob(destination, &config, mount_from.as_deref(), &|_| {})
        .await?;
    progress(PushEvent::ConfigDone {
        digest: plan.config_digest.clone(),
    });
    let (bytes, media_type) = plan.manifest_for(&sent);
    let own_digest = digest_of("sha256", &bytes);
    let tag_or_digest = match target.by_digest {
        true => &own_digest,
        false => destination.tag_or_digest(),
    };
    let digest = client
        .put_manifest(destination, tag_or_digest, &bytes, &media_type)
        .await?;
    Ok(Sent {
        digest,
        size: bytes.len() as u64,
        media_type,
    })
}

/// The reference to push to: `docker://` is the only transport a registry has.
fn destination(opts: &PushOptions) -> Result<Reference, ImagesError> {
    let raw = opts.destination.as_deref().unwrap_or(&opts.image);
    let raw = raw.strip_prefix("docker://").unwrap_or(raw);
    let reference = Reference::parse(raw)?;
    if reference.digest.is_some() {
        return Err(ImagesError::InvalidArgument(format!(
            "cannot push to {raw}: push to a tag, the registry gives the digest"
        )));
    }
    Ok(reference)
}

/// Another repository of the destination's registry that the image came from or
/// went to: blobs can be mounted from there instead of sent again.
fn mount_source(image: &ImageRecord, destination: &Reference) -> Option<String> {
    image
        .digests
        .iter()
        .chain(&image.tags)
        .filter_map(|name| Reference::parse(name).ok())
        .find(|r| r.registry == destination.registry && r.repository != destination.repository)
        .map(|r| r.repository)
}

/// One layer's trip to the registry.
struct LayerJob {
    ctx: Context,
    client: Client,
    destination: Reference,
    layer: LayerPlan,
    mount_from: Option<String>,
    progress: Progress,
}

impl LayerJob {
    async fn run(self) -> Result<SentLayer, ImagesError> {
        let store = self.ctx.open_store()?;
        let recompressed = match self.layer.recompress {
            Some(to) => {
                let (ctx, digest) = (self.ctx.clone(), self.layer.blob_digest.clone());
                let made = tokio::task::spawn_blocking(move || {
                    compress::recompress(&ctx.open_store()?, &digest, to)
                })
                .await
                .map_err(|e| ImagesError::Task(e.to_string()))??;
                Some((made, to))
            }
            None => None,
        };
        let stored_path = store.blob_path(&self.layer.blob_digest)?;
        let (source, compression) = match &recompressed {
            Some((made, to)) => (
                BlobSource {
                    path: made.file.path(),
                    digest: &made.digest,
                    size: made.size,
                },
                *to,
            ),
            None => (
                BlobSource {
                    path: &stored_path,
                    digest: &self.layer.blob_digest,
                    size: self.layer.blob_size,
                },
                self.layer.stored,
            ),
        };
        let digest = source.digest.to_owned();
        let progress = self.progress.clone();
        let on_bytes = {
            let digest = digest.clone();
            move |bytes| {
                progress(PushEvent::BlobProgress {
                    digest: digest.clone(),
                    bytes,
                })
            }
        };
        let mount = self.mount_from.as_deref();
        let started = PushEvent::BlobStarted {
            digest: digest.clone(),
            size: source.size,
        };
        (self.progress)(started);
        let sent = self
            .client
            .push_blob(&self.destination, &source, mount, &on_bytes)
            .await?;
        (self.progress)(match sent {
            upload::Sent::Exists => PushEvent::BlobExists {
                digest: digest.clone(),
            },
            upload::Sent::Mounted => PushEvent::BlobMounted {
                digest: digest.clone(),
                from: mount.unwrap_or_default().to_owned(),
            },
            upload::Sent::Uploaded => PushEvent::BlobDone {
                digest: digest.clone(),
            },
        });
        Ok(SentLayer {
            digest,
            size: source.size,
            compression,
        })
    }
}
