//! From a directory in overlay's upper format (what a RUN step leaves, or what a
//! COPY step writes) to a layer in the store: a tar with whiteouts converted to
//! `.wh.` entries is written as the blob (uncompressed: it is pushed compressed),
//! and the directory itself becomes the layer's unpacked dir, so nothing is
//! unpacked again.

use super::BuildError;
use crate::engine::store::layers::LayerRecord;
use crate::engine::store::unpack::is_opaque;
use crate::engine::store::{Store, StoreError, TempEntry};
use crate::engine::userns::shift::IdShift;
use std::collections::HashMap;
use std::fs::Metadata;
use std::io::Write;
use std::os::unix::fs::{FileTypeExt, MetadataExt};
use std::path::Path;

pub const MEDIA_TYPE: &str = "application/vnd.oci.image.layer.v1.tar";

/// Writes `dir`'s tar as a blob and moves `dir` into place as the layer; returns
/// its diff-id.
pub fn commit(store: &Store, dir: TempEntry) -> Result<String, BuildError> {
    let mut blob = store.blob_writer()?;
    let size = write_tar(dir.path(), &mut blob, None).map_err(|e| io(dir.path(), e))?;
    let diff_id = blob.digest();
    let blob_size = blob.written();
    blob.commit(store, &diff_id)?;
    let _lock = store.lock_layer(&diff_id)?;
    if store.layer(&diff_id)?.is_none() {
        store.commit_layer(
            dir,
            &LayerRecord {
                diff_id: diff_id.clone(),
                size,
                blob_digest: diff_id.clone(),
                blob_size,
                media_type: MEDIA_TYPE.to_owned(),
            },
        )?;
    }
    Ok(diff_id)
}

/// Writes `dir` as a layer tar, its owners translated by `ids` when given;
/// returns the size of its regular files.
pub fn write_tar<W: Write>(dir: &Path, out: W, ids: Option<&IdShift>) -> std::io::Result<u64> {
    let mut tar = tar::Builder::new(out);
    tar.follow_symlinks(false);
    let mut walker = Walker {
        tar: &mut tar,
        links: HashMap::new(),
        size: 0,
        ids,
    };
    walker.dir(dir, "")?;
    let size = walker.size;
    tar.finish()?;
    Ok(size)
}

fn io(path: &Path, e: std::io::Error) -> BuildError {
    StoreError::io(path, e).into()
}

struct Walker<'a, W: Write> {
    tar: &'a mut tar::Builder<W>,
    /// (dev, ino) of files with several links -> the first name written.
    links: HashMap<(u64, u64), String>,
    size: u64,
    ids: Option<&'a IdShift>,
}

/// The names in `dir`, sorted, so that a layer's tar is the same each time.
pub(super) fn sorted_names(dir: &Path) -> std::io::Result<Vec<std::ffi::OsString>> {
    let mut names: Vec<_> = std::fs::read_dir(dir)?
        .map(|e| e.map(|e| e.file_name()))
        .collect::<Result<_, _>>()?;
    names.sort();
    Ok(names)
}

impl<W: Write> Walker<'_, W> {
    fn dir(&mut self, dir: &Path, rel: &str) -> std::io::Result<()> {
        let names = sorted_names(dir)?;
        for name in names {
            let path = dir.join(&name);
            let name = name.to_string_lossy();
            let rel = if rel.is_empty() {
                name.into_owned()
            } else {
                format!("{rel}/{name}")
            };
            let meta = std::fs::symlink_metadata(&path)?;
            self.entry(&path, &rel, &meta)?;
        }
        Ok(())
    }

    fn entry(&mut self, path: &Path, rel: &str, meta: &Metadata) -> std::io::Result<()> {
        let kind = meta.file_type();
        let mut header = header(meta);
        if let Some(ids) = self.ids {
            ids.header(&mut header);
        }
        if kind.is_dir() {
            header.set_entry_type(tar::EntryType::Directory);
            self.tar
                .append_data(&mut header, format!("{rel}/"), std::io::empty())?;
            if is_opaque(path) {
                let mut marker = tar::Header::new_gnu();
                marker.set_mode(0o644);
                marker.set_uid(0);
                marker.set_gid(0);
                marker.set_size(0);
                marker.set_mtime(meta.mtime().max(0) as u64);
                self.tar.append_data(
                    &mut marker,
                    format!("{rel}/.wh..wh..opq"),
                    std::io::empty(),
                )?;
            }
            return self.dir(path, rel);
        }
        if kind.is_char_device() && meta.rdev() == 0 {
            let (parent, name) = rel.rsplit_once('/').map_or(("", rel), |(p, n)| (p, n));
            let whiteout = if parent.is_empty() {
                format!(".wh.{name}")
            } else {
                format!("{parent}/.wh.{name}")
            };
            header.set_mode(0o644);
            return self
                .tar
                .append_data(&mut header, whiteout, std::io::empty());
        }
        if kind.is_symlink() {
            header.set_entry_type(tar::EntryType::Symlink);
            let target = std::fs::read_link(path)?;
            return self.tar.append_link(&mut header, rel, target);
        }
        if kind.is_file() {
            if meta.nlink() > 1 {
                let key = (meta.dev(), meta.ino());
                if let Some(first) = self.links.get(&key) {
                    header.set_entry_type(tar::EntryType::Link);
                    let first = first.clone();
                    return self.tar.append_link(&mut header, rel, first);
                }
                self.links.insert(key, rel.to_owned());
            }
            header.set_size(meta.len());
            self.size += meta.len();
            let file = std::fs::File::open(path)?;
            return self.tar.append_data(&mut header, rel, file);
        }
        let kind = if kind.is_char_device() {
            tar::EntryType::Char
        } else if kind.is_block_device() {
            tar::EntryType::Block
        } else if kind.is_fifo() {
            tar::EntryType::Fifo
        } else {
            return Ok(()); // sockets do not go into images
        };
        header.set_entry_type(kind);
        let rdev = meta.rdev();
        header.set_device_major(libc::major(rdev))?;
        header.set_device_minor(libc::minor(rdev))?;
        self.tar.append_data(&mut header, rel, std::io::empty())
    }
}

/// A tar header with `meta`'s mode, owner and time.
pub(super) fn header(meta: &Metadata) -> tar::Header {
    let mut header = tar::Header::new_gnu();
    header.set_mode(meta.mode() & 0o7777);
    header.set_uid(meta.uid().into());
    header.set_gid(meta.gid().into());
    header.set_mtime(meta.mtime().max(0) as u64);
    header.set_size(0);
    header
}
