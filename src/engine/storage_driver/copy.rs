//! vfs's copies: layers (overlay's upper format) applied one over another into
//! a plain directory, files reflinked where the file system can (FICLONE) and
//! copied where it cannot, with owners, modes, times and xattrs kept.

use crate::engine::store::unpack::{is_opaque, is_whiteout};
use std::collections::{HashMap, HashSet};
use std::ffi::CString;
use std::fs::Metadata;
use std::io;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::{FileTypeExt, MetadataExt};
use std::path::{Path, PathBuf};
use std::time::UNIX_EPOCH;

/// (dev, ino) of a layer's multiply-linked files -> the copy made of the first.
pub type Links = HashMap<(u64, u64), PathBuf>;

/// `layers` (topmost first) into `target`, the lowest first, each one's
/// whiteouts and opaque dirs taking away what the ones below put there. A
/// layer named twice counts at its topmost place only.
pub fn layers(layers: &[PathBuf], target: &Path) -> io::Result<()> {
    let mut seen = HashSet::new();
    let unique: Vec<&PathBuf> = layers.iter().filter(|l| seen.insert(*l)).collect();
    for layer in unique.into_iter().rev() {
        apply_dir(layer, target, &mut Links::new())?;
    }
    Ok(())
}

/// A directory of the copy as it was made. Its inode alone is not enough: a
/// file system may give a directory removed and made again the inode it had,
/// so its birth time is kept too where the file system records one.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct DirId {
    ino: u64,
    born: Option<i128>,
}

impl DirId {
    pub fn of(meta: &Metadata) -> DirId {
        let born = meta
            .created()
            .ok()
            .map(|t| match t.duration_since(UNIX_EPOCH) {
                Ok(after) => after.as_nanos() as i128,
                Err(before) => -(before.duration().as_nanos() as i128),
            });
        DirId {
            ino: meta.ino(),
            born,
        }
    }

    /// Whether `now` is another directory than the one recorded; a record
    /// without a birth time goes by the inode.
    pub fn remade_as(&self, now: &DirId) -> bool {
        self.ino != now.ino || matches!((self.born, now.born), (Some(a), Some(b)) if a != b)
    }

    fn text(&self) -> String {
        match self.born {
            Some(born) => format!("{}.{born}", self.ino),
            None => self.ino.to_string(),
        }
    }

    fn parse(text: &str) -> Option<DirId> {
        let (ino, born) = match text.split_once('.') {
            Some((ino, born)) => (ino, Some(born.parse().ok()?)),
            None => (text, None),
        };
        Some(DirId {
            ino: ino.parse().ok()?,
            born,
        })
    }
}

/// The directories of the copy at `root`, written next to it as
/// `path NUL id NUL`: a directory found later to be another one was removed
/// and made again, which overlay records as an opaque directory.
pub fn record_dirs(root: &Path, out: &Path) -> io::Result<()> {
    let mut text = Vec::new();
    let mut pending = vec![PathBuf::new()];
    while let Some(rel) = pending.pop() {
        for entry in std::fs::read_dir(root.join(&rel))? {
            let entry = entry?;
            let meta = entry.metadata()?;
            if meta.is_dir() {
                let child = rel.join(entry.file_name());
                text.extend_from_slice(child.as_os_str().as_bytes());
                text.push(0);
                text.extend_from_slice(DirId::of(&meta).text().as_bytes());
                text.push(0);
                pending.push(child);
            }
        }
    }
    std::fs::write(out, text)
}

/// What `record_dirs` wrote; empty when it is not there.
pub fn recorded_dirs(path: &Path) -> HashMap<PathBuf, DirId> {
    let text = std::fs::read(path).unwrap_or_default();
    let mut fields = text.split(|b| *b == 0);
    let mut dirs = HashMap::new();
    while let (Some(path), Some(id)) = (fields.next(), fields.next()) {
        if let Some(id) = std::str::from_utf8(id).ok().and_then(DirId::parse) {
            dirs.insert(PathBuf::from(std::ffi::OsStr::from_bytes(path)), id);
        }
    }
    dirs
}

fn apply_dir(src: &Path, dst: &Path, links: &mut Links) -> io::Result<()> {
    for entry in std::fs::read_dir(src)? {
        let entry = entry?;
        let (from, to) = (entry.path(), dst.join(entry.file_name()));
        let meta = std::fs::symlink_metadata(&from)?;
        let existing = std::fs::symlink_metadata(&to).ok();
        if is_whiteout(&meta) {
            if let Some(old) = existing {
                remove(&to, &old)?;
            }
            continue;
        }
        match existing {
            Some(old) if old.is_dir() && meta.is_dir() => {
                if is_opaque(&from) {
                    clear(&to)?;
                }
                apply_dir(&from, &to, links)?;
                set_meta(&from, &to, &meta)?;
                continue;
            }
            Some(old) => remove(&to, &old)?,
            None => {}
        }
        entry_into(&from, &to, &meta, links)?;
    }
    Ok(())
}

/// One entry of `from` (a directory with all it holds) made at `to`, where
/// there is nothing.
pub fn entry_into(from: &Path, to: &Path, meta: &Metadata, links: &mut Links) -> io::Result<()> {
    let kind = meta.file_type();
    if kind.is_dir() {
        std::fs::create_dir(to)?;
        for entry in std::fs::read_dir(from)? {
            let entry = entry?;
            let child = entry.path();
            let child_meta = std::fs::symlink_metadata(&child)?;
            entry_into(&child, &to.join(entry.file_name()), &child_meta, links)?;
        }
    } else if kind.is_symlink() {
        std::os::unix::fs::symlink(std::fs::read_link(from)?, to)?;
    } else if kind.is_file() {
        let key = (meta.dev(), meta.ino());
        if let Some(first) = links.get(&key).filter(|_| meta.nlink() > 1) {
            return std::fs::hard_link(first, to);
        }
        clone_file(from, to)?;
        if meta.nlink() > 1 {
            links.insert(key, to.to_owned());
        }
    } else if kind.is_socket() {
        return Ok(());
    } else {
        nix::sys::stat::mknod(
            to,
            nix::sys::stat::SFlag::from_bits_truncate(meta.mode()),
            nix::sys::stat::Mode::from_bits_truncate(meta.mode() & 0o7777),
            meta.rdev(),
        )?;
    }
    set_meta(from, to, meta)
}

/// A reflink of `from` at `to`, else a copy of its bytes.
fn clone_file(from: &Path, to: &Path) -> io::Result<()> {
    use std::os::fd::AsRawFd;
    let src = std::fs::File::open(from)?;
    let mut dst = std::fs::File::create_new(to)?;
    // SAFETY: two open descriptors; FICLONE reads and writes no memory of ours.
    if unsafe { libc::ioctl(dst.as_raw_fd(), libc::FICLONE, src.as_raw_fd()) } == 0 {
        return Ok(());
    }
    io::copy(&mut io::BufReader::new(src), &mut dst).map(drop)
}

/// Owner, then mode (a chown clears set-id bits), xattrs, then times (last:
/// everything before touches them).
pub fn set_meta(from: &Path, to: &Path, meta: &Metadata) -> io::Result<()> {
    std::os::unix::fs::lchown(to, Some(meta.uid()), Some(meta.gid()))?;
    if !meta.file_type().is_symlink() {
        std::fs::set_permissions(
            to,
            std::os::unix::fs::PermissionsExt::from_mode(meta.mode() & 0o7777),
        )?;
    }
    copy_xattrs(from, to);
    let times = [
        nix::sys::time::TimeSpec::new(meta.atime(), meta.atime_nsec()),
        nix::sys::time::TimeSpec::new(meta.mtime(), meta.mtime_nsec()),
    ];
    nix::sys::stat::utimensat(
        None,
        to,
        &times[0],
        &times[1],
        nix::sys::stat::UtimensatFlags::NoFollowSymlink,
    )?;
    Ok(())
}

/// The xattrs a file carries (file capabilities among them), but not overlay's
/// own markers, which mean nothing in a plain directory. One that cannot be
/// set here (a namespace this process may not write) is left out, as
/// containers/storage's vfs leaves it.
fn copy_xattrs(from: &Path, to: &Path) {
    let Ok(names) = xattr_names(from) else {
        return;
    };
    for name in names
        .split(|b| *b == 0)
        .filter(|n| !n.is_empty() && !n.starts_with(b"user.overlay."))
    {
        let Ok(name) = CString::new(name) else {
            continue;
        };
        if let Some(value) = xattr_value(from, &name) {
            let Ok(to) = CString::new(to.as_os_str().as_bytes()) else {
                return;
            };
            // SAFETY: valid C strings and a buffer of the given length.
            let rc = unsafe {
                libc::lsetxattr(
                    to.as_ptr(),
                    name.as_ptr(),
                    value.as_ptr().cast(),
                    value.len(),
                    0,
                )
            };
            if rc != 0 {
                log::debug!(
                    "cannot copy xattr {name:?} to {to:?}: {}",
                    io::Error::last_os_error()
                );
            }
        }
    }
}

fn xattr_names(path: &Path) -> io::Result<Vec<u8>> {
    let c = CString::new(path.as_os_str().as_bytes()).map_err(io::Error::other)?;
    let mut buf = vec![0u8; 4096];
    // SAFETY: a valid C string and a buffer of the given length.
    let len = unsafe { libc::llistxattr(c.as_ptr(), buf.as_mut_ptr().cast(), buf.len()) };
    if len < 0 {
        return Err(io::Error::last_os_error());
    }
    buf.truncate(len as usize);
    Ok(buf)
}

fn xattr_value(path: &Path, name: &CString) -> Option<Vec<u8>> {
    let c = CString::new(path.as_os_str().as_bytes()).ok()?;
    let mut buf = vec![0u8; 65536];
    // SAFETY: valid C strings and a buffer of the given length.
    let len = unsafe {
        libc::lgetxattr(
            c.as_ptr(),
            name.as_ptr(),
            buf.as_mut_ptr().cast(),
            buf.len(),
        )
    };
    if len < 0 {
        return None;
    }
    buf.truncate(len as usize);
    Some(buf)
}

fn remove(path: &Path, meta: &Metadata) -> io::Result<()> {
    match meta.is_dir() {
        true => std::fs::remove_dir_all(path),
        false => std::fs::remove_file(path),
    }
}

fn clear(dir: &Path) -> io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        remove(&entry.path(), &entry.metadata()?)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_directory_is_known_by_its_inode_and_its_birth() {
        let made = DirId {
            ino: 7,
            born: Some(1),
        };
        assert!(!made.remade_as(&made));
        assert!(made.remade_as(&DirId {
            ino: 7,
            born: Some(2)
        }));
        assert!(made.remade_as(&DirId {
            ino: 8,
            born: Some(1)
        }));
        let old_record = DirId::parse("7").unwrap();
        assert!(!old_record.remade_as(&made));
        assert_eq!(DirId::parse(&made.text()), Some(made));
        assert_eq!(DirId::parse("7.x"), None);
    }
    use std::fs;

    fn whiteout(path: &Path) -> bool {
        nix::sys::stat::mknod(
            path,
            nix::sys::stat::SFlag::S_IFCHR,
            nix::sys::stat::Mode::empty(),
            0,
        )
        .is_ok()
    }

    #[test]
    fn upper_layers_replace_and_whiteouts_remove() {
        let dir = tempfile::tempdir().unwrap();
        let (low, up, out) = (
            dir.path().join("low"),
            dir.path().join("up"),
            dir.path().join("out"),
        );
        fs::create_dir_all(low.join("etc")).unwrap();
        fs::write(low.join("etc/a"), "old").unwrap();
        fs::write(low.join("etc/gone"), "x").unwrap();
        fs::create_dir_all(up.join("etc")).unwrap();
        fs::write(up.join("etc/a"), "new").unwrap();
        fs::create_dir(&out).unwrap();
        let whited = whiteout(&up.join("etc/gone"));
        layers(&[up.clone(), low.clone()], &out).unwrap();
        assert_eq!(fs::read_to_string(out.join("etc/a")).unwrap(), "new");
        assert_eq!(!out.join("etc/gone").exists(), whited);
        let mtime = |p: &Path| fs::metadata(p).unwrap().mtime_nsec();
        assert_eq!(mtime(&out.join("etc/a")), mtime(&up.join("etc/a")));
    }
}
