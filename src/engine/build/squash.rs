//! `--squash` (the build's own layers into one, over the base image's) and
//! `--squash-all` (every layer into one).

use super::image::{ImageState, ImageStyle};
use super::merge::merged_tar;
use super::{layer, BuildError};
use crate::engine::store::unpack::{unpack_layer, UnpackOptions};
use crate::engine::store::{Store, StoreError};
use serde_json::json;
use std::path::PathBuf;

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Squash {
    #[default]
    No,
    /// `--squash`: the layers the build added.
    New,
    /// `--squash-all`.
    All,
}

/// `state` with its layers above the first `keep` made one; its history says
/// which entries the new layer holds.
pub fn squash(
    store: &mut Store,
    state: &ImageState,
    keep: usize,
    opts: &UnpackOptions,
    style: &ImageStyle,
) -> Result<ImageState, BuildError> {
    let dirs: Vec<PathBuf> = state.layers[keep..]
        .iter()
        .rev()
        .map(|l| store.layer_path(l))
        .collect::<Result<_, StoreError>>()?;
    let tar = store.temp_entry("squash-tar")?;
    let io = |e| BuildError::Store(StoreError::io(tar.path(), e));
    let file = std::fs::File::create(tar.path()).map_err(io)?;
    // Over kept layers, the squashed one must still hide what the build removed.
    merged_tar(&dirs, std::io::BufWriter::new(file), keep > 0).map_err(io)?;
    let dir = store.temp_entry("layer")?;
    std::fs::create_dir(dir.path()).map_err(|e| StoreError::io(dir.path(), e))?;
    let file = std::fs::File::open(tar.path()).map_err(io)?;
    unpack_layer(std::io::BufReader::new(file), dir.path(), opts)
        .map_err(|e| BuildError::Engine(format!("cannot squash the layers: {e}")))?;
    let mut next = state.clone();
    next.layers.truncate(keep);
    next.layers.push(layer::commit(store, dir)?);
    mark_squashed(&mut next, keep, style);
    next.commit_styled(store, style)?;
    Ok(next)
}

/// History entries of squashed layers become empty ones, and one entry stands
/// for the new layer, so that entries and layers still pair up.
fn mark_squashed(state: &mut ImageState, keep: usize, style: &ImageStyle) {
    let Some(history) = state.config["history"].as_array_mut() else {
        return;
    };
    let mut layers = 0;
    for entry in history.iter_mut() {
        if entry["empty_layer"].as_bool() == Some(true) {
            continue;
        }
        if layers >= keep {
            entry["empty_layer"] = json!(true);
        }
        layers += 1;
    }
    state.add_history_styled("/bin/sh -c #(nop) squashed layers", false, style);
}
