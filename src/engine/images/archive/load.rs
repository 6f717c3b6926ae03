//! `load`: docker-archive (manifest.json) and oci-archive (index.json) tars,
//! compressed or not, one or several images, with their names.

use super::extract::{extract, Extracted};
use super::layers::{self, PreparedLayer};
use crate::engine::context::Context;
use crate::engine::images::pull::manifest::{self as parse, Parsed};
use crate::engine::images::ImagesError;
use crate::engine::oci::platform::{self, Platform};
use crate::engine::oci::reference::Reference;
use crate::engine::process::Inside;
use crate::engine::registry::digest_of;
use crate::engine::store::digest_hex;
use crate::engine::store::images::NewImage;
use serde::Deserialize;
use std::collections::HashSet;
use std::io::Read;

/// OCI's annotation for an image's name in a layout.
pub const REF_NAME: &str = "org.opencontainers.image.ref.name";

/// One image found in an archive.
struct Found {
    config: String,
    layers: Vec<String>,
    names: Vec<String>,
    /// An OCI manifest (bytes, media type), kept so a push keeps the digest.
    manifest: Option<(Vec<u8>, String)>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct DockerEntry {
    config: String,
    #[serde(default)]
    repo_tags: Option<Vec<String>>,
    layers: Vec<String>,
}

/// Loads every image of the archive; returns what each is called (its full
/// names, or `sha256:<id>` when it has none).
pub fn load(_inside: Inside, ctx: &Context, input: impl Read) -> Result<Vec<String>, ImagesError> {
    let mut store = ctx.open_store()?;
    let _adding = store.lock_for_adding()?;
    store.sweep_temp()?;
    let archive = extract(&store, input)?;
    let found = if archive.has("manifest.json") {
        docker_images(&archive)?
    } else if archive.has("index.json") {
        oci_images(&archive)?
    } else {
        return Err(ImagesError::InvalidArgument(
            "the archive holds no image: it has neither manifest.json (docker-archive) nor index.json (oci-archive)".to_owned(),
        ));
    };
    // Everything is checked before anything is kept.
    let mut prepared: Vec<PreparedLayer> = Vec::new();
    let mut seen = HashSet::new();
    let mut images = Vec::new();
    for image in &found {
        let config = archive.read(&image.config)?;
        let config_digest = digest_of("sha256", &config);
        let label = image
            .names
            .first()
            .cloned()
            .unwrap_or_else(|| config_digest.clone());
        let diff_ids = parse::diff_ids(&label, &config)?;
        if diff_ids.len() != image.layers.len() {
            return Err(ImagesError::BadManifest {
                image: label,
                message: "the archive and the config disagree on the number of layers".to_owned(),
            });
        }
        for (name, diff_id) in image.layers.iter().zip(&diff_ids) {
            if layers::stored(&store, diff_id)? || !seen.insert(diff_id.clone()) {
                continue;
            }
            let (path, digest) = archive.file(name).ok_or_else(|| ImagesError::BadManifest {
                image: label.clone(),
                message: format!("layer {name} is missing from the archive"),
            })?;
            prepared.push(layers::prepare(
                &store,
                &ctx.unpack_options(),
                &path,
                digest,
                Some(diff_id),
                &label,
            )?);
        }
        images.push((image, config, config_digest, diff_ids, label));
    }
    for layer in prepared {
        layers::commit(&store, layer)?;
    }
    let mut loaded = Vec::new();
    for (image, config, config_digest, diff_ids, label) in images {
        store.put_blob(&config_digest, &config)?;
        let manifest_digest = match &image.manifest {
            Some((bytes, _)) => {
                let digest = digest_of("sha256", bytes);
                store.put_blob(&digest, bytes)?;
                Some(digest)
            }
            None => None,
        };
        let id = digest_hex(&config_digest)?.to_owned();
        store.add_image(&NewImage {
            id: &id,
            manifest_digest: manifest_digest.as_deref(),
            manifest_media_type: image.manifest.as_ref().map(|(_, t)| t.as_str()),
            created: parse::created(&config).as_deref(),
            layers: &diff_ids,
            tag: image.names.first().map(String::as_str),
            repo_digest: None,
        })?;
        for name in image.names.iter().skip(1) {
            store.set_tag(name, &id)?;
        }
        if image.names.is_empty() {
            loaded.push(label);
        } else {
            loaded.extend(image.names.iter().cloned());
        }
    }
    Ok(loaded)
}

fn docker_images(archive: &Extracted) -> Result<Vec<Found>, ImagesError> {
    let entries: Vec<DockerEntry> = serde_json::from_slice(&archive.read("manifest.json")?)
        .map_err(|e| bad_archive(format!("manifest.json is malformed: {e}")))?;
    entries
        .into_iter()
        .map(|e| {
            Ok(Found {
                config: e.config,
                layers: e.layers,
                names: full_names(e.repo_tags.unwrap_or_default().iter().map(String::as_str))?,
                manifest: None,
            })
        })
        .collect()
}

fn oci_images(archive: &Extracted) -> Result<Vec<Found>, ImagesError> {
    let index = archive.read("index.json")?;
    let index = match parse::parse(
        "index.json",
        &index,
        crate::engine::registry::MEDIA_OCI_INDEX,
    )? {
        Parsed::Index(index) => index,
        Parsed::Manifest(_) => return Err(bad_archive("index.json is not an index".to_owned())),
    };
    let mut found = Vec::new();
    for desc in index.manifests() {
        let names = desc
            .annotations()
            .as_ref()
            .and_then(|a| {
                a.get(REF_NAME)
                    .or_else(|| a.get("io.containerd.image.name"))
            })
            .filter(|n| n.contains(['/', ':']))
            .map(|n| full_names(std::iter::once(n.as_str())))
            .transpose()?
            .unwrap_or_default();
        let mut digest = desc.digest().to_string();
        let mut bytes = archive.read(&blob_name(&digest))?;
        let mut media_type = desc.media_type().to_string();
        let manifest = loop {
            check_digest(&digest, &bytes)?;
            match parse::parse(&digest, &bytes, &media_type)? {
                Parsed::Manifest(m) => break m,
                Parsed::Index(inner) => {
                    let chosen = platform::select(&inner, &Platform::host())?;
                    digest = chosen.digest().to_string();
                    media_type = chosen.media_type().to_string();
                    bytes = archive.read(&blob_name(&digest))?;
                }
            }
        };
        let mut layers = Vec::new();
        for layer in manifest.layers() {
            let name = blob_name(layer.digest().as_ref());
            let (_, actual) = archive
                .file(&name)
                .ok_or_else(|| bad_archive(format!("{name} is missing")))?;
            same_digest(layer.digest().as_ref(), actual)?;
            layers.push(name);
        }
        found.push(Found {
            config: blob_name(manifest.config().digest().as_ref()),
            layers,
            names,
            manifest: Some((bytes, media_type)),
        });
    }
    Ok(found)
}

/// `blobs/sha256/<hex>` for a digest (refusing anything that is not sha256).
fn blob_name(digest: &str) -> String {
    match digest_hex(digest) {
        Ok(hex) => format!("blobs/sha256/{hex}"),
        Err(_) => String::new(),
    }
}

fn check_digest(expected: &str, bytes: &[u8]) -> Result<(), ImagesError> {
    same_digest(expected, &digest_of("sha256", bytes))
}

fn same_digest(expected: &str, actual: &str) -> Result<(), ImagesError> {
    if expected == actual {
        Ok(())
    } else {
        Err(bad_archive(format!(
            "blob {expected} does not match its digest (got {actual})"
        )))
    }
}

/// Names as stored: `registry/repository:tag`.
fn full_names<'a>(names: impl Iterator<Item = &'a str>) -> Result<Vec<String>, ImagesError> {
    names
        .map(|n| Ok(Reference::parse(n)?.to_string()))
        .collect()
}

fn bad_archive(message: String) -> ImagesError {
    ImagesError::InvalidArgument(format!("the archive is unreadable: {message}"))
}
