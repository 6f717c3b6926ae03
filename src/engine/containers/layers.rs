//! Reading one file of an image without mounting it: the topmost layer that has the
//! path wins, and a whiteout or an opaque directory above it hides it.

use crate::engine::store::unpack::is_opaque;
use std::os::unix::fs::FileTypeExt;
use std::path::{Path, PathBuf};

/// `layers` topmost first; `rel` relative (`etc/passwd`). Symlinks are not followed.
pub fn read_file(layers: &[PathBuf], rel: &str) -> Option<String> {
    for layer in layers {
        let path = layer.join(rel);
        match std::fs::symlink_metadata(&path) {
            Ok(m) if m.file_type().is_char_device() => return None, // whiteout
            Ok(m) if m.is_file() => return std::fs::read_to_string(&path).ok(),
            Ok(_) => return None,
            Err(_) => {}
        }
        if hidden_below(layer, rel) {
            return None;
        }
    }
    None
}

/// Whether a directory on the way to `rel` in this layer is opaque or whited out.
fn hidden_below(layer: &Path, rel: &str) -> bool {
    let mut dir = layer.to_path_buf();
    for part in Path::new(rel)
        .parent()
        .into_iter()
        .flat_map(Path::components)
    {
        dir.push(part);
        match std::fs::symlink_metadata(&dir) {
            Ok(m) if m.file_type().is_char_device() => return true,
            Ok(m) if m.is_dir() && is_opaque(&dir) => return true,
            _ => {}
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn topmost_layer_wins() {
        let top = tempfile::tempdir().unwrap();
        let bottom = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(bottom.path().join("etc")).unwrap();
        std::fs::write(bottom.path().join("etc/passwd"), "old").unwrap();
        let layers = [top.path().to_owned(), bottom.path().to_owned()];
        assert_eq!(read_file(&layers, "etc/passwd").as_deref(), Some("old"));
        std::fs::create_dir_all(top.path().join("etc")).unwrap();
        std::fs::write(top.path().join("etc/passwd"), "new").unwrap();
        assert_eq!(read_file(&layers, "etc/passwd").as_deref(), Some("new"));
        assert_eq!(read_file(&layers, "etc/group"), None);
    }
}
