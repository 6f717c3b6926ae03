//! Layers from files (an archive's layer tars, an imported tar): unpacked and
//! checked into temp dirs first, moved into the store only when every one of an
//! image's layers is good, so a bad archive leaves nothing behind.

use crate::engine::images::pull::{unpack_checked, Checked};
use crate::engine::images::ImagesError;
use crate::engine::store::layers::LayerRecord;
use crate::engine::store::unpack::UnpackOptions;
use crate::engine::store::{Store, StoreError, TempEntry};
use std::fs::File;
use std::io::{BufReader, Read};
use std::path::{Path, PathBuf};

pub struct PreparedLayer {
    dir: TempEntry,
    blob: PathBuf,
    pub record: LayerRecord,
}

/// The blob file, as a layer: decompressed, unpacked (through the hardened
/// unpacker) and hashed. `expected_diff_id` is what the image config says.
pub fn prepare(
    store: &Store,
    opts: &UnpackOptions,
    blob: &Path,
    blob_digest: &str,
    expected_diff_id: Option<&str>,
    image: &str,
) -> Result<PreparedLayer, ImagesError> {
    let io_err = |e| ImagesError::from(StoreError::io(blob, e));
    let blob_size = std::fs::metadata(blob).map_err(io_err)?.len();
    let media_type = media_type_of(blob).map_err(io_err)?;
    let dir = store.temp_entry("layer")?;
    std::fs::create_dir(dir.path()).map_err(|e| StoreError::io(dir.path(), e))?;
    let file = File::open(blob).map_err(io_err)?;
    let (diff_id, size) = unpack_checked(BufReader::with_capacity(1 << 20, file), dir.path(), opts)
        .map_err(|e: Checked| e.into_images_error(image, blob_digest))?;
    if let Some(expected) = expected_diff_id.filter(|d| *d != diff_id) {
        return Err(ImagesError::DiffIdMismatch {
            image: image.to_owned(),
            digest: blob_digest.to_owned(),
            diff_id: expected.to_owned(),
            actual: diff_id,
        });
    }
    Ok(PreparedLayer {
        dir,
        blob: blob.to_owned(),
        record: LayerRecord {
            diff_id,
            size,
            blob_digest: blob_digest.to_owned(),
            blob_size,
            media_type: media_type.to_owned(),
        },
    })
}

/// Moves a checked layer and its blob into the store (unless another process
/// got the same layer there first).
pub fn commit(store: &Store, layer: PreparedLayer) -> Result<(), ImagesError> {
    let _lock = store.lock_layer(&layer.record.diff_id)?;
    if store.layer(&layer.record.diff_id)?.is_some() {
        return Ok(());
    }
    store.adopt_blob(&layer.blob, &layer.record.blob_digest)?;
    store.commit_layer(layer.dir, &layer.record)?;
    Ok(())
}

/// Is the layer in the store already (so its file need not be read)?
pub fn stored(store: &Store, diff_id: &str) -> Result<bool, ImagesError> {
    Ok(store.layer_record(diff_id)?.is_some() && store.layer_path(diff_id)?.is_dir())
}

/// The media type a layer file has, from its first bytes.
fn media_type_of(path: &Path) -> std::io::Result<&'static str> {
    let mut magic = [0u8; 4];
    let n = File::open(path)?.read(&mut magic)?;
    Ok(match &magic[..n] {
        [0x1f, 0x8b, ..] => "application/vnd.oci.image.layer.v1.tar+gzip",
        [0x28, 0xb5, 0x2f, 0xfd] => "application/vnd.oci.image.layer.v1.tar+zstd",
        _ => "application/vnd.oci.image.layer.v1.tar",
    })
}
