//! What a push sends: the stored manifest unchanged when it can (so a pulled
//! image keeps its digest), otherwise a manifest written for the format and
//! compression asked for.

use crate::engine::images::ImagesError;
use crate::engine::registry::{MEDIA_DOCKER_MANIFEST, MEDIA_OCI_MANIFEST};
use crate::engine::store::images::ImageRecord;
use crate::engine::store::Store;
use serde_json::json;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ManifestFormat {
    #[default]
    Oci,
    V2s2,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Compression {
    None,
    Gzip,
    Zstd,
}

impl Compression {
    /// From a layer media type (`...tar+gzip`, `...tar.gzip`, `...tar+zstd`, `...tar`).
    pub fn of_media_type(media_type: &str) -> Compression {
        if media_type.ends_with("gzip") {
            Compression::Gzip
        } else if media_type.ends_with("zstd") {
            Compression::Zstd
        } else {
            Compression::None
        }
    }
}

impl ManifestFormat {
    pub fn of_media_type(media_type: &str) -> ManifestFormat {
        if media_type == MEDIA_DOCKER_MANIFEST {
            ManifestFormat::V2s2
        } else {
            ManifestFormat::Oci
        }
    }

    pub fn media_type(self) -> &'static str {
        match self {
            ManifestFormat::Oci => MEDIA_OCI_MANIFEST,
            ManifestFormat::V2s2 => MEDIA_DOCKER_MANIFEST,
        }
    }

    pub fn config_media_type(self) -> &'static str {
        match self {
            ManifestFormat::Oci => "application/vnd.oci.image.config.v1+json",
            ManifestFormat::V2s2 => "application/vnd.docker.container.image.v1+json",
        }
    }

    pub fn layer_media_type(self, c: Compression) -> &'static str {
        match (self, c) {
            (ManifestFormat::Oci, Compression::None) => "application/vnd.oci.image.layer.v1.tar",
            (ManifestFormat::Oci, Compression::Gzip) => {
                "application/vnd.oci.image.layer.v1.tar+gzip"
            }
            (ManifestFormat::Oci, Compression::Zstd) => {
                "application/vnd.oci.image.layer.v1.tar+zstd"
            }
            (ManifestFormat::V2s2, Compression::None) => {
                "application/vnd.docker.image.rootfs.diff.tar"
            }
            (ManifestFormat::V2s2, _) => "application/vnd.docker.image.rootfs.diff.tar.gzip",
        }
    }
}

/// One layer as stored, and what it must become.
#[derive(Debug, Clone)]
pub struct LayerPlan {
    pub blob_digest: String,
    pub blob_size: u64,
    pub stored: Compression,
    /// `Some` when the stored blob must be recompressed into this.
    pub recompress: Option<Compression>,
}

pub struct Plan {
    pub format: ManifestFormat,
    pub config_digest: String,
    pub config_size: u64,
    pub layers: Vec<LayerPlan>,
    /// The stored manifest, when it can go out as it is.
    pub verbatim: Option<(Vec<u8>, String)>,
}

/// Decides format and compression per layer. Uncompressed stored layers (from
/// `import` or `load`) are gzipped, as Podman does, unless asked otherwise.
/// Docker's format has no zstd: an explicit zstd with it is refused.
pub fn plan(
    store: &Store,
    image: &ImageRecord,
    format: Option<ManifestFormat>,
    compression: Option<Compression>,
) -> Result<Plan, ImagesError> {
    plan_with(store, image, format, |format, stored| match compression {
        Some(c) => c,
        None if stored == Compression::None => Compression::Gzip,
        // Docker's format has no zstd: such layers go as gzip.
        None if format == ManifestFormat::V2s2 => Compression::Gzip,
        None => stored,
    })
}

/// The layers exactly as stored, in `format` (for archives).
pub fn as_stored(
    store: &Store,
    image: &ImageRecord,
    format: ManifestFormat,
) -> Result<Plan, ImagesError> {
    plan_with(store, image, Some(format), |_, stored| stored)
}

fn plan_with(
    store: &Store,
    image: &ImageRecord,
    format: Option<ManifestFormat>,
    want: impl Fn(ManifestFormat, Compression) -> Compression,
) -> Result<Plan, ImagesError> {
    let stored_format = image
        .manifest_media_type
        .as_deref()
        .map(ManifestFormat::of_media_type);
    let format = format.or(stored_format).unwrap_or(ManifestFormat::Oci);
    let mut layers = Vec::new();
    for diff_id in &image.layers {
        let record = store
            .layer_record(diff_id)?
            .ok_or_else(|| ImagesError::LayerMissing(diff_id.clone()))?;
        let stored = Compression::of_media_type(&record.media_type);
        let want = want(format, stored);
        if format == ManifestFormat::V2s2 && want == Compression::Zstd {
            return Err(ImagesError::InvalidArgument(
                "zstd-compressed layers need the OCI format: use --format oci".to_owned(),
            ));
        }
        layers.push(LayerPlan {
            blob_digest: record.blob_digest,
            blob_size: record.blob_size,
            stored,
            recompress: (want != stored).then_some(want),
        });
    }
    let config_digest = image.config_digest();
    let config_size = store.read_blob(&config_digest)?.len() as u64;
    let unchanged = stored_format == Some(format) && layers.iter().all(|l| l.recompress.is_none());
    let verbatim = match (
        &image.manifest_digest,
        &image.manifest_media_type,
        unchanged,
    ) {
        (Some(digest), Some(media_type), true) => {
            let bytes = store.read_blob(digest)?;
            lists_layers(&bytes, &layers).then(|| (bytes, media_type.clone()))
        }
        _ => None,
    };
    Ok(Plan {
        format,
        config_digest,
        config_size,
        layers,
        verbatim,
    })
}

/// Whether a stored manifest names exactly the stored layer blobs. It may not: an
/// image pulled again in another compression (the same config, so the same image)
/// keeps the layers it had but records the newer manifest, whose blobs we lack.
fn lists_layers(manifest: &[u8], layers: &[LayerPlan]) -> bool {
    let Ok(doc) = serde_json::from_slice::<serde_json::Value>(manifest) else {
        return false;
    };
    let listed: Vec<&str> = doc["layers"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|l| l["digest"].as_str())
        .collect();
    listed.len() == layers.len() && listed.iter().zip(layers).all(|(d, l)| *d == l.blob_digest)
}

impl Plan {
    /// The manifest to send or save: the stored one when it fits, else a new one.
    pub fn manifest_for(&self, layers: &[SentLayer]) -> (Vec<u8>, String) {
        match &self.verbatim {
            Some((bytes, media_type)) => (bytes.clone(), media_type.clone()),
            None => (manifest(self, layers), self.format.media_type().to_owned()),
        }
    }

    /// The layers as they are stored, for a manifest that sends them unchanged.
    pub fn stored_layers(&self) -> Vec<SentLayer> {
        self.layers
            .iter()
            .map(|l| SentLayer {
                digest: l.blob_digest.clone(),
                size: l.blob_size,
                compression: l.stored,
            })
            .collect()
    }
}

/// A sent layer: what the manifest lists.
pub struct SentLayer {
    pub digest: String,
    pub size: u64,
    pub compression: Compression,
}

/// Writes a manifest for `plan` with the layers as they were sent.
fn manifest(plan: &Plan, layers: &[SentLayer]) -> Vec<u8> {
    let layers: Vec<_> = layers
        .iter()
        .map(|l| {
            json!({
                "mediaType": plan.format.layer_media_type(l.compression),
                "digest": l.digest,
                "size": l.size,
            })
        })
        .collect();
    let manifest = json!({
        "schemaVersion": 2,
        "mediaType": plan.format.media_type(),
        "config": {
            "mediaType": plan.format.config_media_type(),
            "digest": plan.config_digest,
            "size": plan.config_size,
        },
        "layers": layers,
    });
    serde_json::to_vec_pretty(&manifest).expect("a manifest is JSON")
}
