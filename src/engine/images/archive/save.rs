//! `save`: images into a docker-archive (uncompressed layer tars and
//! manifest.json, what `docker load` reads), an oci-archive or an OCI layout
//! directory (the stored blobs as they are).

use super::load::REF_NAME;
use crate::engine::context::Context;
use crate::engine::images::pull::decompress;
use crate::engine::images::push::plan::{self, Compression, ManifestFormat};
use crate::engine::images::{resolve, ImagesError};
use crate::engine::process::Inside;
use crate::engine::registry::digest_of;
use crate::engine::store::images::ImageRecord;
use crate::engine::store::{digest_hex, Store, StoreError};
use serde_json::{json, Value};
use std::collections::HashSet;
use std::fs::File;
use std::io::{self, BufReader, Write};
use std::path::Path;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ArchiveFormat {
    DockerArchive,
    OciArchive,
    OciDir,
}

/// Where a layout's files go: a tar stream, or a directory.
trait Sink {
    fn add_file(&mut self, name: &str, path: &Path) -> Result<(), ImagesError>;
    fn add_bytes(&mut self, name: &str, bytes: &[u8]) -> Result<(), ImagesError>;
}

struct TarSink<W: Write>(tar::Builder<W>);

impl<W: Write> Sink for TarSink<W> {
    fn add_file(&mut self, name: &str, path: &Path) -> Result<(), ImagesError> {
        let mut file = File::open(path).map_err(|e| StoreError::io(path, e))?;
        let size = file.metadata().map_err(|e| StoreError::io(path, e))?.len();
        let mut header = header(size);
        self.0
            .append_data(&mut header, name, &mut file)
            .map_err(ImagesError::WriteArchive)
    }

    fn add_bytes(&mut self, name: &str, bytes: &[u8]) -> Result<(), ImagesError> {
        let mut header = header(bytes.len() as u64);
        self.0
            .append_data(&mut header, name, bytes)
            .map_err(ImagesError::WriteArchive)
    }
}

struct DirSink<'a>(&'a Path);

impl Sink for DirSink<'_> {
    fn add_file(&mut self, name: &str, path: &Path) -> Result<(), ImagesError> {
        let dest = self.0.join(name);
        mkdir_for(&dest)?;
        std::fs::copy(path, &dest).map_err(|e| StoreError::io(&dest, e))?;
        Ok(())
    }

    fn add_bytes(&mut self, name: &str, bytes: &[u8]) -> Result<(), ImagesError> {
        let dest = self.0.join(name);
        mkdir_for(&dest)?;
        std::fs::write(&dest, bytes).map_err(|e| StoreError::io(&dest, e).into())
    }
}

fn mkdir_for(path: &Path) -> Result<(), ImagesError> {
    let dir = path.parent().unwrap_or(path);
    std::fs::create_dir_all(dir).map_err(|e| StoreError::io(dir, e).into())
}

fn header(size: u64) -> tar::Header {
    let mut h = tar::Header::new_ustar();
    h.set_size(size);
    h.set_mode(0o644);
    h.set_entry_type(tar::EntryType::Regular);
    h
}

/// Writes `images` as an archive into `out`.
pub fn save_to(
    _inside: Inside,
    ctx: &Context,
    images: &[String],
    format: ArchiveFormat,
    out: impl Write,
) -> Result<(), ImagesError> {
    let mut sink = TarSink(tar::Builder::new(out));
    save(ctx, images, format, &mut sink)?;
    sink.0
        .into_inner()
        .and_then(|mut w| w.flush())
        .map_err(ImagesError::WriteArchive)
}

/// Writes `images` as an OCI layout into the directory `dir` (created if missing).
pub fn save_to_dir(
    _inside: Inside,
    ctx: &Context,
    images: &[String],
    dir: &Path,
) -> Result<(), ImagesError> {
    std::fs::create_dir_all(dir).map_err(|e| StoreError::io(dir, e))?;
    save(ctx, images, ArchiveFormat::OciDir, &mut DirSink(dir))
}

fn save(
    ctx: &Context,
    names: &[String],
    format: ArchiveFormat,
    sink: &mut dyn Sink,
) -> Result<(), ImagesError> {
    let store = ctx.open_store()?;
    // Deleters wait for us: no blob we are writing out may vanish.
    let _reading = store.lock_for_adding()?;
    let mut images: Vec<(ImageRecord, Vec<String>)> = Vec::new();
    for name in names {
        let image = store.image(&resolve(&store, name)?)?;
        let tags = image.tags.clone();
        images.push((image, tags));
    }
    match format {
        ArchiveFormat::DockerArchive => docker_archive(&store, &images, sink),
        ArchiveFormat::OciArchive | ArchiveFormat::OciDir => oci_layout(&store, &images, sink),
    }
}

fn docker_archive(
    store: &Store,
    images: &[(ImageRecord, Vec<String>)],
    sink: &mut dyn Sink,
) -> Result<(), ImagesError> {
    let mut written = HashSet::new();
    let mut manifest = Vec::new();
    for (image, tags) in images {
        let config = format!("{}.json", image.id);
        if written.insert(config.clone()) {
            sink.add_file(&config, &store.blob_path(&image.config_digest())?)?;
        }
        let mut layers = Vec::new();
        for diff_id in &image.layers {
            let name = format!("{}.tar", digest_hex(diff_id)?);
            if written.insert(name.clone()) {
                add_layer_tar(store, diff_id, &name, sink)?;
            }
            layers.push(name);
        }
        manifest.push(json!({"Config": config, "RepoTags": tags, "Layers": layers}));
    }
    sink.add_bytes(
        "manifest.json",
        &serde_json::to_vec(&manifest).expect("JSON"),
    )
}

/// A docker-archive holds layers as plain tars: decompress a compressed blob
/// into a temp file first (a tar entry needs its size up front).
fn add_layer_tar(
    store: &Store,
    diff_id: &str,
    name: &str,
    sink: &mut dyn Sink,
) -> Result<(), ImagesError> {
    let record = store
        .layer_record(diff_id)?
        .ok_or_else(|| ImagesError::LayerMissing(diff_id.to_owned()))?;
    let blob = store.blob_path(&record.blob_digest)?;
    if Compression::of_media_type(&record.media_type) == Compression::None {
        return sink.add_file(name, &blob);
    }
    let tmp = store.temp_entry("save-layer")?;
    let io_err = |e| ImagesError::from(StoreError::io(tmp.path(), e));
    let input = File::open(&blob).map_err(|e| StoreError::io(&blob, e))?;
    let mut tar = decompress(BufReader::with_capacity(1 << 20, input)).map_err(io_err)?;
    let mut out = io::BufWriter::with_capacity(1 << 20, File::create(tmp.path()).map_err(io_err)?);
    io::copy(&mut tar, &mut out).map_err(io_err)?;
    out.flush().map_err(io_err)?;
    drop(out);
    sink.add_file(name, tmp.path())
}

fn oci_layout(
    store: &Store,
    images: &[(ImageRecord, Vec<String>)],
    sink: &mut dyn Sink,
) -> Result<(), ImagesError> {
    sink.add_bytes("oci-layout", br#"{"imageLayoutVersion":"1.0.0"}"#)?;
    let mut written = HashSet::new();
    let mut blob = |sink: &mut dyn Sink, digest: &str, path: Option<&Path>, bytes: &[u8]| {
        let name = format!("blobs/sha256/{}", digest_hex(digest)?);
        if !written.insert(name.clone()) {
            return Ok(());
        }
        match path {
            Some(path) => sink.add_file(&name, path),
            None => sink.add_bytes(&name, bytes),
        }
    };
    let mut entries: Vec<Value> = Vec::new();
    for (image, tags) in images {
        let plan = plan::as_stored(store, image, ManifestFormat::Oci)?;
        for layer in &plan.layers {
            let path = store.blob_path(&layer.blob_digest)?;
            blob(sink, &layer.blob_digest, Some(&path), &[])?;
        }
        let config = image.config_digest();
        blob(sink, &config, Some(&store.blob_path(&config)?), &[])?;
        let (manifest, media_type) = plan.manifest_for(&plan.stored_layers());
        let digest = digest_of("sha256", &manifest);
        blob(sink, &digest, None, &manifest)?;
        let descriptor = json!({
            "mediaType": media_type,
            "digest": digest,
            "size": manifest.len(),
        });
        if tags.is_empty() {
            entries.push(descriptor.clone());
        }
        for tag in tags {
            let mut named = descriptor.clone();
            named["annotations"] = json!({ REF_NAME: tag });
            entries.push(named);
        }
    }
    let index = json!({"schemaVersion": 2, "manifests": entries});
    sink.add_bytes("index.json", &serde_json::to_vec(&index).expect("JSON"))
}
