//! Looking through a stack of unpacked layers without mounting them, as the
//! kernel overlay would: `diff`, the vfs driver's change set and `build`'s
//! sources all need to know what a lower layer holds at a path.

use super::whiteout::is_opaque;
use std::fs::Metadata;
use std::os::unix::fs::{FileTypeExt, MetadataExt};
use std::path::{Component, Path, PathBuf};

/// A whiteout in overlay's format: a 0/0 character device.
pub fn is_whiteout(meta: &Metadata) -> bool {
    meta.file_type().is_char_device() && meta.rdev() == 0
}

/// What the layers (topmost first) show at `rel` (`a/b` or `/a/b`), and
/// where: `None` when no layer has it, or when a whiteout, a non-directory
/// parent or an opaque directory above hides it. The root is the top layer's.
pub fn find(layers: &[PathBuf], rel: &Path) -> Option<(PathBuf, Metadata)> {
    let parts: Vec<_> = rel
        .components()
        .filter(|c| matches!(c, Component::Normal(_)))
        .collect();
    if parts.is_empty() {
        let top = layers.first()?;
        return std::fs::symlink_metadata(top)
            .ok()
            .map(|m| (top.clone(), m));
    }
    for layer in layers {
        let mut path = layer.clone();
        let mut opaque = false;
        for (i, part) in parts.iter().enumerate() {
            path.push(part);
            let Ok(meta) = std::fs::symlink_metadata(&path) else {
                break;
            };
            if is_whiteout(&meta) {
                return None;
            }
            if i + 1 == parts.len() {
                return Some((path, meta));
            }
            if !meta.is_dir() {
                return None;
            }
            opaque |= is_opaque(&path);
        }
        if opaque {
            return None;
        }
    }
    None
}
