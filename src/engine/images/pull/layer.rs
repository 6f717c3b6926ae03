//! One layer: lock it, skip it if present, else stream it through digest check,
//! decompression, diff-id check and the unpacker, then move it into place.

use super::reader::{decompress, Hashing, StreamReader, Tee};
use super::{Progress, PullEvent};
use crate::engine::context::Context;
use crate::engine::images::ImagesError;
use crate::engine::oci::reference::Reference;
use crate::engine::registry::Client;
use crate::engine::store::layers::LayerRecord;
use crate::engine::store::unpack::{unpack_layer, UnpackError, UnpackOptions};
use std::io;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use tokio::runtime::Handle;
use tokio::sync::Semaphore;
use tokio::task::JoinSet;

pub struct Job {
    pub image: String,
    pub reference: Reference,
    pub digest: String,
    pub media_type: String,
    pub size: u64,
    pub diff_id: String,
}

/// Fetches every layer, `parallel` at a time. The first failure stops the others.
pub async fn fetch_all(
    ctx: &Context,
    client: &Client,
    jobs: Vec<Job>,
    parallel: usize,
    progress: Progress,
) -> Result<(), ImagesError> {
    let slots = Arc::new(Semaphore::new(parallel));
    let cancel = Arc::new(AtomicBool::new(false));
    let mut tasks = JoinSet::new();
    for job in jobs {
        let (slots, cancel, client, progress, ctx) = (
            slots.clone(),
            cancel.clone(),
            client.clone(),
            progress.clone(),
            ctx.clone(),
        );
        tasks.spawn(async move {
            let _slot = slots.acquire_owned().await;
            let handle = Handle::current();
            tokio::task::spawn_blocking(move || {
                fetch_one(&ctx, &client, &job, handle, &progress, &cancel)
            })
            .await
            .map_err(|e| ImagesError::Task(e.to_string()))?
        });
    }
    let mut first_error = None;
    while let Some(joined) = tasks.join_next().await {
        let result = joined
            .map_err(|e| ImagesError::Task(e.to_string()))
            .and_then(|r| r);
        if let Err(e) = result {
            cancel.store(true, Ordering::Relaxed);
            first_error.get_or_insert(e);
        }
    }
    first_error.map_or(Ok(()), Err)
}

fn fetch_one(
    ctx: &Context,
    client: &Client,
    job: &Job,
    handle: Handle,
    progress: &Progress,
    cancel: &AtomicBool,
) -> Result<(), ImagesError> {
    let store = ctx.open_store()?;
    let _lock = store.lock_layer(&job.diff_id)?;
    if store.layer(&job.diff_id)?.is_some() {
        progress(PullEvent::LayerExists {
            digest: job.digest.clone(),
        });
        return Ok(());
    }
    progress(PullEvent::LayerStarted {
        digest: job.digest.clone(),
        size: job.size,
    });
    let blob = handle.block_on(client.blob(&job.reference, &job.digest))?;
    if blob.size.is_some_and(|size| size != job.size) {
        return Err(ImagesError::BadManifest {
            image: job.image.clone(),
            message: format!(
                "the registry offers {} bytes for layer {}, the manifest says {}",
                blob.size.unwrap_or_default(),
                job.digest,
                job.size
            ),
        });
    }
    let unpacked = store.temp_entry("layer")?;
    std::fs::create_dir(unpacked.path())
        .map_err(|e| crate::engine::store::StoreError::io(unpacked.path(), e))?;
    let on_bytes = |bytes| {
        if cancel.load(Ordering::Relaxed) {
            return false;
        }
        progress(PullEvent::LayerProgress {
            digest: job.digest.clone(),
            bytes,
        });
        true
    };
    let mut tee = Tee {
        source: StreamReader::new(handle, blob, &on_bytes),
        blob: store.blob_writer()?,
    };
    let unpacked_result = unpack_checked(&mut tee, unpacked.path(), &ctx.unpack_options());
    // Read what the unpacker left, so the digest covers the whole blob; a lying
    // registry is then reported as such rather than as whatever the garbage broke.
    let drained = io::copy(&mut tee, &mut io::sink());
    if let Some(failure) = tee.source.failure.take() {
        return Err(failure.into());
    }
    let actual = tee.blob.digest();
    if actual != job.digest {
        return Err(ImagesError::DigestMismatch {
            what: "layer",
            image: job.image.clone(),
            digest: job.digest.clone(),
            actual,
        });
    }
    let (diff_id, size) =
        unpacked_result.map_err(|e| e.into_images_error(&job.image, &job.digest))?;
    drained.map_err(|e| Checked::Io(e).into_images_error(&job.image, &job.digest))?;
    if diff_id != job.diff_id {
        return Err(ImagesError::DiffIdMismatch {
            image: job.image.clone(),
            digest: job.digest.clone(),
            diff_id: job.diff_id.clone(),
            actual: diff_id,
        });
    }
    tee.blob.commit(&store, &job.digest)?;
    store.commit_layer(
        unpacked,
        &LayerRecord {
            diff_id: job.diff_id.clone(),
            size,
            blob_digest: job.digest.clone(),
            blob_size: job.size,
            media_type: job.media_type.clone(),
        },
    )?;
    progress(PullEvent::LayerDone {
        digest: job.digest.clone(),
    });
    Ok(())
}

pub(crate) enum Checked {
    Unpack(UnpackError),
    Io(io::Error),
}

impl Checked {
    pub(crate) fn into_images_error(self, image: &str, digest: &str) -> ImagesError {
        match self {
            Checked::Unpack(source) => ImagesError::Unpack {
                image: image.to_owned(),
                digest: digest.to_owned(),
                source,
            },
            Checked::Io(source) => ImagesError::BadManifest {
                image: image.to_owned(),
                message: format!("layer {digest} cannot be decompressed: {source}"),
            },
        }
    }
}

/// Decompresses and unpacks, returning the diff-id and the unpacked size.
pub(crate) fn unpack_checked<R: io::Read>(
    source: R,
    dest: &Path,
    opts: &UnpackOptions,
) -> Result<(String, u64), Checked> {
    let mut tar = Hashing::new(decompress(source).map_err(Checked::Io)?);
    let stats = unpack_layer(&mut tar, dest, opts).map_err(Checked::Unpack)?;
    let diff_id = tar.finish().map_err(Checked::Io)?;
    Ok((diff_id, stats.size))
}
