//! The stack the FUSE overlay serves: the container's upper dir over its
//! image's layers, looked through as the kernel overlay looks (whiteouts are
//! 0/0 character devices, opaque dirs carry `user.overlay.opaque=y`), and
//! changed as the kernel overlay changes it, so that `diff`, `commit` and
//! `build` read the upper dir the same under either driver.

use crate::engine::storage_driver::copy::{entry_into, set_meta, Links};
use crate::engine::store::unpack::{is_opaque, is_whiteout};
use std::collections::HashSet;
use std::ffi::{CString, OsStr, OsString};
use std::fs::Metadata;
use std::io;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::{DirEntryExt, FileTypeExt};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

/// The xattr the kernel overlay marks opaque dirs with in a user namespace.
pub const OPAQUE: &str = "user.overlay.opaque";
/// Overlay's own xattrs, never shown to the container nor set by it.
pub const PRIVATE_XATTRS: &[u8] = b"user.overlay.";

/// Layer 0 is the upper dir; 1.. the image's layers, topmost first.
pub struct Stack {
    layers: Vec<PathBuf>,
    work: PathBuf,
    temp: AtomicU64,
}

/// An entry as the merged view shows it: the topmost layer holding it, and
/// for a directory the lower layers whose directory of that name shows through.
pub struct Found {
    pub layer: usize,
    pub meta: Metadata,
    pub lowers: Vec<usize>,
}

/// One name in a merged directory listing, with its inode number in its
/// layer (readdir's d_ino).
pub struct Listed {
    pub name: OsString,
    pub kind: std::fs::FileType,
    pub ino: u64,
}

pub const UPPER: usize = 0;

impl Stack {
    pub fn new(upper: PathBuf, work: PathBuf, lowers: Vec<PathBuf>) -> Stack {
        let mut layers = vec![upper];
        layers.extend(lowers);
        Stack {
            layers,
            work,
            temp: AtomicU64::new(0),
        }
    }

    pub fn path(&self, layer: usize, rel: &Path) -> PathBuf {
        let base = &self.layers[layer];
        match rel.as_os_str().is_empty() {
            true => base.clone(),
            false => base.join(rel),
        }
    }

    pub fn upper(&self, rel: &Path) -> PathBuf {
        self.path(UPPER, rel)
    }

    /// The root: the upper dir over every layer down to the first opaque one.
    pub fn root(&self) -> io::Result<Found> {
        let meta = std::fs::symlink_metadata(&self.layers[UPPER])?;
        let mut lowers = Vec::new();
        for i in 1..self.layers.len() {
            lowers.push(i);
            if is_opaque(&self.layers[i]) {
                break;
            }
        }
        Ok(Found {
            layer: UPPER,
            meta,
            lowers,
        })
    }

    /// `rel` in a directory whose lower layers are `parent_lowers`: the upper
    /// dir first, then those, stopping at a whiteout, a non-directory or an
    /// opaque directory.
    pub fn find(&self, parent_lowers: &[usize], rel: &Path) -> io::Result<Option<Found>> {
        let mut found: Option<Found> = None;
        for layer in std::iter::once(UPPER).chain(parent_lowers.iter().copied()) {
            let path = self.path(layer, rel);
            let meta = match std::fs::symlink_metadata(&path) {
                Ok(meta) => meta,
                Err(e) if absent(&e) => continue,
                Err(e) => return Err(e),
            };
            if is_whiteout(&meta) {
                break;
            }
            match &mut found {
                None => {
                    let dir = meta.is_dir();
                    found = Some(Found {
                        layer,
                        meta,
                        lowers: Vec::new(),
                    });
                    if !dir || is_opaque(&path) {
                        break;
                    }
                }
                Some(f) => {
                    if !meta.is_dir() {
                        break;
                    }
                    f.lowers.push(layer);
                    if is_opaque(&path) {
                        break;
                    }
                }
            }
        }
        Ok(found)
    }

    /// Whether a layer below the upper dir shows something at `rel`, which a
    /// removal must then hide with a whiteout.
    pub fn in_lowers(&self, parent_lowers: &[usize], rel: &Path) -> io::Result<bool> {
        for &layer in parent_lowers {
            match std::fs::symlink_metadata(self.path(layer, rel)) {
                Ok(meta) => return Ok(!is_whiteout(&meta)),
                Err(e) if absent(&e) => continue,
                Err(e) => return Err(e),
            }
        }
        Ok(false)
    }

    /// The merged listing of the directory `rel` in `layer` over `lowers`.
    pub fn list(&self, rel: &Path, layer: usize, lowers: &[usize]) -> io::Result<Vec<Listed>> {
        let mut seen = HashSet::new();
        let mut out = Vec::new();
        // The upper dir first even when the node was found below: a copy-up
        // since may have put entries there.
        let layers = std::iter::once(UPPER)
            .chain((layer != UPPER).then_some(layer))
            .chain(lowers.iter().copied());
        for layer in layers {
            let path = self.path(layer, rel);
            let entries = match std::fs::read_dir(&path) {
                Ok(entries) => entries,
                Err(e) if absent(&e) => continue,
                Err(e) => return Err(e),
            };
            for entry in entries {
                let entry = entry?;
                let name = entry.file_name();
                if !seen.insert(name.clone()) {
                    continue;
                }
                let kind = entry.file_type()?;
                if kind.is_char_device() && is_whiteout(&entry.metadata()?) {
                    continue;
                }
                out.push(Listed {
                    name,
                    kind,
                    ino: entry.ino(),
                });
            }
        }
        Ok(out)
    }

    /// Makes `rel`'s parent directories in the upper dir, each with its lower
    /// original's owner, mode, times and xattrs, as the kernel copies them up.
    pub fn upper_dirs(&self, rel_dir: &Path) -> io::Result<()> {
        let mut done = PathBuf::new();
        for part in rel_dir.iter() {
            done.push(part);
            let upper = self.upper(&done);
            if std::fs::symlink_metadata(&upper).is_ok() {
                continue;
            }
            let (layer, meta) = self.topmost_dir(&done)?;
            let from = self.path(layer, &done);
            std::fs::create_dir(&upper)?;
            set_meta(&from, &upper, &meta)?;
        }
        Ok(())
    }

    fn topmost_dir(&self, rel: &Path) -> io::Result<(usize, Metadata)> {
        for layer in 1..self.layers.len() {
            if let Ok(meta) = std::fs::symlink_metadata(self.path(layer, rel)) {
                if meta.is_dir() {
                    return Ok((layer, meta));
                }
            }
        }
        Err(io::Error::from_raw_os_error(libc::ENOENT))
    }

    /// Copies the entry at `rel` (in `layer`) up: its parents, then itself,
    /// made whole in the work dir and renamed in, so that a copy cut short is
    /// never seen. A directory comes up alone, its entries stay below.
    pub fn copy_up(&self, layer: usize, rel: &Path, meta: &Metadata) -> io::Result<()> {
        if layer == UPPER {
            return Ok(());
        }
        if let Some(parent) = rel.parent() {
            self.upper_dirs(parent)?;
        }
        let from = self.path(layer, rel);
        let to = self.upper(rel);
        if meta.is_dir() {
            std::fs::create_dir(&to)?;
            return set_meta(&from, &to, meta);
        }
        let temp = self.work.join(format!(
            "copy-up-{}",
            self.temp.fetch_add(1, Ordering::Relaxed)
        ));
        let _ = std::fs::remove_file(&temp);
        entry_into(&from, &temp, meta, &mut Links::new())?;
        std::fs::rename(&temp, &to)
    }

    /// Hides the lower entries at `rel` with a whiteout in the upper dir.
    pub fn whiteout(&self, rel: &Path) -> io::Result<()> {
        if let Some(parent) = rel.parent() {
            self.upper_dirs(parent)?;
        }
        let path = cstring(&self.upper(rel))?;
        // SAFETY: a valid C string; 0/0 is the whiteout device, which the
        // kernel lets a user namespace make (Linux 5.8).
        check(unsafe { libc::mknod(path.as_ptr(), libc::S_IFCHR, 0) })
    }

    /// Takes a whiteout at `rel` in the upper dir away before something new
    /// is made there; whether there was one.
    pub fn clear_whiteout(&self, rel: &Path) -> io::Result<bool> {
        let path = self.upper(rel);
        match std::fs::symlink_metadata(&path) {
            Ok(meta) if is_whiteout(&meta) => std::fs::remove_file(&path).map(|()| true),
            _ => Ok(false),
        }
    }

    /// Empties an upper directory the merged view shows empty (what is left
    /// in it is whiteouts).
    pub fn clear_dir(&self, rel: &Path) -> io::Result<()> {
        for entry in std::fs::read_dir(self.upper(rel))? {
            let entry = entry?;
            match entry.file_type()?.is_dir() {
                true => std::fs::remove_dir_all(entry.path())?,
                false => std::fs::remove_file(entry.path())?,
            }
        }
        Ok(())
    }
}

pub fn set_opaque(path: &Path) -> io::Result<()> {
    set_xattr(path, OsStr::new(OPAQUE), b"y", 0)
}

pub fn set_xattr(path: &Path, name: &OsStr, value: &[u8], flags: i32) -> io::Result<()> {
    let (path, name) = (cstring(path)?, cstring(Path::new(name))?);
    // SAFETY: valid C strings and a buffer of the given length.
    check(unsafe {
        libc::lsetxattr(
            path.as_ptr(),
            name.as_ptr(),
            value.as_ptr().cast(),
            value.len(),
            flags,
        )
    })
}

/// An xattr's value, or its size when `size` is 0 (the caller's question).
pub fn get_xattr(path: &Path, name: &OsStr, size: usize) -> io::Result<Vec<u8>> {
    let (path, name) = (cstring(path)?, cstring(Path::new(name))?);
    let mut buf = vec![0u8; size];
    // SAFETY: valid C strings and a buffer of the given length (none for 0).
    let len = unsafe {
        libc::lgetxattr(
            path.as_ptr(),
            name.as_ptr(),
            buf.as_mut_ptr().cast(),
            buf.len(),
        )
    };
    sized(len, buf)
}

/// The xattr names, NUL-separated, without overlay's own.
pub fn list_xattrs(path: &Path) -> io::Result<Vec<u8>> {
    let c = cstring(path)?;
    // SAFETY: a valid C string; a null buffer asks for the size.
    let len = unsafe { libc::llistxattr(c.as_ptr(), std::ptr::null_mut(), 0) };
    let buf = vec![0u8; usize::try_from(len).unwrap_or(0)];
    let mut buf = buf;
    // SAFETY: a valid C string and a buffer of the given length.
    let len = unsafe { libc::llistxattr(c.as_ptr(), buf.as_mut_ptr().cast(), buf.len()) };
    let names = sized(len, buf)?;
    Ok(names
        .split(|b| *b == 0)
        .filter(|n| !n.is_empty() && !n.starts_with(PRIVATE_XATTRS))
        .flat_map(|n| n.iter().copied().chain([0]))
        .collect())
}

pub fn remove_xattr(path: &Path, name: &OsStr) -> io::Result<()> {
    let (path, name) = (cstring(path)?, cstring(Path::new(name))?);
    // SAFETY: valid C strings.
    check(unsafe { libc::lremovexattr(path.as_ptr(), name.as_ptr()) })
}

fn sized(len: isize, mut buf: Vec<u8>) -> io::Result<Vec<u8>> {
    if len < 0 {
        return Err(io::Error::last_os_error());
    }
    buf.truncate(len as usize);
    if buf.is_empty() && len > 0 {
        buf.resize(len as usize, 0);
    }
    Ok(buf)
}

pub fn cstring(path: &Path) -> io::Result<CString> {
    CString::new(path.as_os_str().as_bytes())
        .map_err(|_| io::Error::from_raw_os_error(libc::EINVAL))
}

pub fn check(rc: libc::c_int) -> io::Result<()> {
    match rc {
        -1 => Err(io::Error::last_os_error()),
        _ => Ok(()),
    }
}

/// Not there: no entry, or a parent that is not a directory.
pub fn absent(e: &io::Error) -> bool {
    matches!(e.raw_os_error(), Some(libc::ENOENT) | Some(libc::ENOTDIR))
}
