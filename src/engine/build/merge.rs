//! Layers (overlay's upper format, topmost first) merged into one tar: what a
//! container of them sees, or (keeping whiteouts) one layer that does what
//! they did to the layers below them.

use super::layer::{header, sorted_names};
use crate::engine::store::unpack::is_opaque;
use std::collections::{HashMap, HashSet};
use std::fs::Metadata;
use std::io::Write;
use std::os::unix::fs::{FileTypeExt, MetadataExt};
use std::path::{Path, PathBuf};

/// The merged tree of `dirs`; with `keep_whiteouts`, their whiteouts and opaque
/// directories stay in it as `.wh.` entries, to hide what is below `dirs`.
pub fn merged_tar<W: Write>(dirs: &[PathBuf], out: W, keep_whiteouts: bool) -> std::io::Result<()> {
    let mut merger = Merger {
        tar: tar::Builder::new(out),
        keep_whiteouts,
        written: HashMap::new(),
        gone: HashSet::new(),
        opaque: HashSet::new(),
        layer_gone: HashSet::new(),
        layer_opaque: HashSet::new(),
        links: HashMap::new(),
    };
    for dir in dirs {
        merger.dir(dir, "")?;
        // A layer's whiteouts and opaque dirs hide only what is below it.
        merger.gone.extend(merger.layer_gone.drain());
        merger.opaque.extend(merger.layer_opaque.drain());
        merger.links.clear();
    }
    merger.tar.into_inner()?.flush()
}

struct Merger<W: Write> {
    tar: tar::Builder<W>,
    keep_whiteouts: bool,
    /// Paths written, and whether each is a directory (lower layers may add to it).
    written: HashMap<String, bool>,
    /// Paths whited out by the layers above.
    gone: HashSet<String>,
    /// Directories whose lower contents the layers above hide.
    opaque: HashSet<String>,
    layer_gone: HashSet<String>,
    layer_opaque: HashSet<String>,
    /// (dev, ino) of this layer's multiply-linked files -> the name written.
    links: HashMap<(u64, u64), String>,
}

impl<W: Write> Merger<W> {
    fn dir(&mut self, dir: &Path, rel: &str) -> std::io::Result<()> {
        if self.opaque.contains(rel) {
            return Ok(());
        }
        let names = sorted_names(dir)?;
        for name in names {
            let path = dir.join(&name);
            let name = name.to_string_lossy();
            let rel = match rel {
                "" => name.into_owned(),
                _ => format!("{rel}/{name}"),
            };
            let meta = std::fs::symlink_metadata(&path)?;
            self.entry(&path, &rel, &meta)?;
        }
        Ok(())
    }

    fn entry(&mut self, path: &Path, rel: &str, meta: &Metadata) -> std::io::Result<()> {
        let kind = meta.file_type();
        if self.gone.contains(rel) {
            return Ok(());
        }
        if kind.is_char_device() && meta.rdev() == 0 {
            self.layer_gone.insert(rel.to_owned());
            return match self.keep_whiteouts && !self.written.contains_key(rel) {
                true => self.whiteout(rel, meta),
                false => Ok(()),
            };
        }
        match self.written.get(rel) {
            Some(true) if kind.is_dir() => return self.dir(path, rel),
            Some(_) => return Ok(()),
            None => {}
        }
        self.written.insert(rel.to_owned(), kind.is_dir());
        let mut header = header(meta);
        if kind.is_dir() {
            header.set_entry_type(tar::EntryType::Directory);
            self.tar
                .append_data(&mut header, format!("{rel}/"), std::io::empty())?;
            if is_opaque(path) {
                self.layer_opaque.insert(rel.to_owned());
                if self.keep_whiteouts {
                    self.whiteout(&format!("{rel}/.wh..opq"), meta)?;
                }
            }
            return self.dir(path, rel);
        }
        if kind.is_symlink() {
            header.set_entry_type(tar::EntryType::Symlink);
            let target = std::fs::read_link(path)?;
            return self.tar.append_link(&mut header, rel, target);
        }
        if kind.is_file() {
            let key = (meta.dev(), meta.ino());
            if let Some(first) = self.links.get(&key).cloned() {
                header.set_entry_type(tar::EntryType::Link);
                return self.tar.append_link(&mut header, rel, first);
            }
            if meta.nlink() > 1 {
                self.links.insert(key, rel.to_owned());
            }
            header.set_size(meta.len());
            let file = std::fs::File::open(path)?;
            return self.tar.append_data(&mut header, rel, file);
        }
        // Device nodes, fifos and sockets: not files to hand out.
        Ok(())
    }

    /// `.wh.NAME` for NAME (an opaque directory's marker is `.wh..wh..opq`).
    fn whiteout(&mut self, rel: &str, meta: &Metadata) -> std::io::Result<()> {
        let (parent, name) = rel.rsplit_once('/').map_or(("", rel), |(p, n)| (p, n));
        let marker = match parent {
            "" => format!(".wh.{name}"),
            _ => format!("{parent}/.wh.{name}"),
        };
        let mut header = header(meta);
        header.set_entry_type(tar::EntryType::Regular);
        header.set_mode(0o644);
        self.tar.append_data(&mut header, marker, std::io::empty())
    }
}
