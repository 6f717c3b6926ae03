//! `volume export` and `volume import`: a volume's files as a tar, owners
//! kept. Both run inside the user namespace, which owns those files.

use super::VolumesError;
use crate::engine::containers::cp::archive::{self, TreeOptions};
use crate::engine::store::unpack::{self, UnpackOptions};
use crate::engine::store::Store;
use std::io::{self, Read, Write};
use std::os::fd::AsFd;
use std::path::Path;

/// The volume's files, for reading or writing.
fn data(store: &Store, name: &str) -> Result<std::path::PathBuf, VolumesError> {
    match store.volume(name)? {
        Some(_) => Ok(store.volume_dir(name).join("_data")),
        None => Err(VolumesError::NotFound(name.to_owned())),
    }
}

/// Writes the tar of the volume's files to `out`.
pub fn export(store: &Store, name: &str, out: &mut dyn Write) -> Result<(), VolumesError> {
    let dir = data(store, name)?;
    let root = std::fs::File::open(&dir)
        .map_err(VolumesError::io(format!("cannot open volume {name}")))?;
    let node = archive::locate(root.as_fd(), "", false)
        .map_err(VolumesError::io(format!("cannot open volume {name}")))?;
    let tree = TreeOptions {
        keep_owner: true,
        ..TreeOptions::default()
    };
    let mut b = tar::Builder::new(io::BufWriter::new(out));
    archive::append_contents(&mut b, &node, Path::new(""), &tree)
        .and_then(|()| b.into_inner()?.flush())
        .map_err(VolumesError::io(format!("cannot export volume {name}")))
}

/// Unpacks the tar `input` into the volume, over what it holds.
pub fn import(
    store: &Store,
    name: &str,
    input: &mut dyn Read,
    opts: &UnpackOptions,
) -> Result<(), VolumesError> {
    let dir = data(store, name)?;
    unpack::unpack_layer(input, &dir, opts)
        .map_err(|e| VolumesError::Invalid(format!("cannot import into volume {name}: {e}")))?;
    Ok(())
}
