//! Creating each kind of entry in its directory, replacing what is there.

use std::collections::BTreeMap;
use std::ffi::{CStr, CString};
use std::fs::File;
use std::io::{self, Read, Write};
use std::os::fd::{AsFd, BorrowedFd};

use log::debug;

use super::attrs::{apply_meta, chown, set_xattrs};
use super::meta::Meta;
use super::path::{self, BadName, EntryPath};
use super::root::LayerRoot;
use super::sys::{self, Times};
use super::{io_err, shown, UnpackError, Unpacker};

impl Unpacker<'_> {
    pub(super) fn dir(
        &mut self,
        path: &EntryPath,
        meta: &Meta,
        raw: &[u8],
    ) -> Result<(), UnpackError> {
        self.dir_times.insert(path.as_bytes().to_vec(), meta.times);
        if path.is_root() {
            // Usually "./": the layer root's own owner and mode.
            return apply_meta(self.root.fd(), meta, self.opts, raw);
        }
        let (dir, name) = path.split();
        let (parent, name) = locate(&mut self.root, dir, name, raw)?;
        let name = &name;
        match sys::mkdirat(parent, name, 0o700) {
            Ok(()) => {}
            // A directory already there is merged into: only its metadata changes.
            Err(e) if e.raw_os_error() == Some(libc::EEXIST) => {
                let st =
                    sys::lstatat(parent, name).map_err(io_err(raw, "inspect what it replaces"))?;
                if !sys::is_dir(&st) {
                    if self.opts.keep_kinds {
                        return Err(io_err(raw, "create the directory")(exists()));
                    }
                    remove(parent, name, path, &mut self.dir_times, raw)?;
                    sys::mkdirat(parent, name, 0o700)
                        .map_err(io_err(raw, "create the directory"))?;
                }
            }
            Err(e) => return Err(io_err(raw, "create the directory")(e)),
        }
        let fd = sys::open_subdir(parent, name).map_err(io_err(raw, "open the directory"))?;
        apply_meta(fd.as_fd(), meta, self.opts, raw)?;
        self.root.remember(path.as_bytes(), fd);
        Ok(())
    }

    pub(super) fn file<R: Read>(
        &mut self,
        path: &EntryPath,
        meta: &Meta,
        raw: &[u8],
        data: &mut R,
    ) -> Result<(), UnpackError> {
        let (dir, name) = path.split();
        let (parent, name) = locate(&mut self.root, dir, name, raw)?;
        let name = &name;
        // O_EXCL|O_NOFOLLOW: never write through whatever is already there.
        let flags = libc::O_WRONLY | libc::O_CREAT | libc::O_EXCL | libc::O_NOFOLLOW;
        keep_dir(parent, name, self.opts.keep_kinds, raw, "create the file")?;
        let fd = replacing(
            parent,
            name,
            path,
            &mut self.dir_times,
            raw,
            "create the file",
            || sys::openat(parent, name, flags, 0o600),
        )?;
        let mut file = File::from(fd);
        loop {
            let n = match data.read(&mut self.buf) {
                Ok(0) => break,
                Ok(n) => n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(source) => {
                    return Err(UnpackError::Read {
                        name: shown(raw),
                        source,
                    })
                }
            };
            file.write_all(&self.buf[..n])
                .map_err(io_err(raw, "write the file"))?;
            self.stats.size += n as u64;
        }
        apply_meta(file.as_fd(), meta, self.opts, raw)?;
        sys::futimens(file.as_fd(), &meta.times).map_err(io_err(raw, "set its times"))
    }

    pub(super) fn symlink(
        &mut self,
        path: &EntryPath,
        target: &[u8],
        meta: &Meta,
        raw: &[u8],
    ) -> Result<(), UnpackError> {
        if path::symlink_escapes(path, target) {
            return Err(UnpackError::SymlinkEscape {
                name: shown(raw),
                target: shown(target),
            });
        }
        let target = &sys::cstr(target).map_err(io_err(raw, "read its target"))?;
        let (dir, name) = path.split();
        let (parent, name) = locate(&mut self.root, dir, name, raw)?;
        let name = &name;
        keep_dir(
            parent,
            name,
            self.opts.keep_kinds,
            raw,
            "create the symlink",
        )?;
        replacing(
            parent,
            name,
            path,
            &mut self.dir_times,
            raw,
            "create the symlink",
            || sys::symlinkat(target, parent, name),
        )?;
        // A symlink has no mode of its own to set.
        chown(
            sys::lchownat(parent, name, meta.uid, meta.gid),
            meta,
            self.opts,
            raw,
        )?;
        set_xattrs(meta, raw, |k, v| sys::lsetxattrat(parent, name, k, v))?;
        sys::utimensat_nofollow(parent, name, &meta.times).map_err(io_err(raw, "set its times"))
    }

    /// Links to an earlier entry. The link's own header metadata is not applied, as
    /// GNU tar does: it would change the earlier entry's inode.
    pub(super) fn hardlink(
        &mut self,
        path: &EntryPath,
        target: &[u8],
        raw: &[u8],
    ) -> Result<(), UnpackError> {
        let escape = || UnpackError::HardlinkEscape {
            name: shown(raw),
            target: shown(target),
        };
        let target_path = match EntryPath::parse(target) {
            Ok(p) if p.is_root() => {
                return Err(UnpackError::Invalid {
                    name: shown(raw),
                    why: "a hardlink to the layer root",
                })
            }
            Ok(p) => p,
            Err(BadName::Escapes) => return Err(escape()),
            Err(BadName::Nul) => {
                return Err(UnpackError::Invalid {
                    name: shown(raw),
                    why: "its target holds a NUL byte",
                })
            }
        };
        if target_path == *path {
            debug!("skipping hardlink {:?} to itself", shown(raw));
            return Ok(());
        }
        let (target_dir, target_name) = target_path.split();
        let target_name = &sys::cstr(target_name).map_err(io_err(raw, "read its target"))?;
        let (dir, name) = path.split();
        let name = &sys::cstr(name).map_err(io_err(raw, "name it"))?;
        let target_parent = match target_dir == dir {
            true => None,
            false => Some(
                self.root
                    .open_dir(target_dir, 0)
                    .map_err(io_err(raw, "resolve its target's directory"))?,
            ),
        };
        let parent = self
            .root
            .parent(dir)
            .map_err(io_err(raw, "resolve its parent directory"))?;
        let target_parent = target_parent.as_ref().map_or(parent, |fd| fd.as_fd());
        keep_dir(
            parent,
            name,
            self.opts.keep_kinds,
            raw,
            "create the hardlink",
        )?;
        replacing(
            parent,
            name,
            path,
            &mut self.dir_times,
            raw,
            "create the hardlink",
            || sys::linkat(target_parent, target_name, parent, name),
        )
    }

    /// A fifo or device node.
    pub(super) fn node(
        &mut self,
        path: &EntryPath,
        ftype: libc::mode_t,
        dev: libc::dev_t,
        meta: &Meta,
        raw: &[u8],
    ) -> Result<(), UnpackError> {
        let (dir, name) = path.split();
        let (parent, name) = locate(&mut self.root, dir, name, raw)?;
        let name = &name;
        keep_dir(parent, name, self.opts.keep_kinds, raw, "create the node")?;
        replacing(
            parent,
            name,
            path,
            &mut self.dir_times,
            raw,
            "create the node",
            || sys::mknodat(parent, name, ftype | (meta.mode & 0o777), dev),
        )?;
        chown(
            sys::lchownat(parent, name, meta.uid, meta.gid),
            meta,
            self.opts,
            raw,
        )?;
        set_xattrs(meta, raw, |k, v| sys::lsetxattrat(parent, name, k, v))?;
        sys::chmodat_nofollow(parent, name, meta.mode).map_err(io_err(raw, "set its mode"))?;
        sys::utimensat_nofollow(parent, name, &meta.times).map_err(io_err(raw, "set its times"))
    }
}

/// Runs `create`; if the name is taken (a later entry replacing an earlier one),
/// removes what is there, a whole tree if need be, and runs it once more.
/// An entry's directory, resolved inside the root, and its own name there.
pub(super) fn locate<'r>(
    root: &'r mut LayerRoot,
    dir: &[u8],
    name: &[u8],
    raw: &[u8],
) -> Result<(BorrowedFd<'r>, CString), UnpackError> {
    let name = sys::cstr(name).map_err(io_err(raw, "name it"))?;
    let parent = root
        .parent(dir)
        .map_err(io_err(raw, "resolve its parent directory"))?;
    Ok((parent, name))
}

pub(super) fn replacing<T>(
    parent: BorrowedFd,
    name: &CStr,
    path: &EntryPath,
    dir_times: &mut BTreeMap<Vec<u8>, Times>,
    raw: &[u8],
    op: &'static str,
    mut create: impl FnMut() -> io::Result<T>,
) -> Result<T, UnpackError> {
    match create() {
        Err(e) if e.raw_os_error() == Some(libc::EEXIST) => {
            remove(parent, name, path, dir_times, raw)?;
            create().map_err(io_err(raw, op))
        }
        done => done.map_err(io_err(raw, op)),
    }
}

/// With `keep_kinds`, a directory at `name` stays: the non-directory about to
/// be made there is refused.
fn keep_dir(
    parent: BorrowedFd,
    name: &CStr,
    keep_kinds: bool,
    raw: &[u8],
    op: &'static str,
) -> Result<(), UnpackError> {
    if !keep_kinds {
        return Ok(());
    }
    match sys::lstatat(parent, name) {
        Ok(st) if sys::is_dir(&st) => Err(io_err(raw, op)(exists())),
        _ => Ok(()),
    }
}

/// What a kept directory or non-directory says, as Podman's "file exists".
fn exists() -> io::Error {
    io::Error::from_raw_os_error(libc::EEXIST)
}

pub(super) fn remove(
    parent: BorrowedFd,
    name: &CStr,
    path: &EntryPath,
    dir_times: &mut BTreeMap<Vec<u8>, Times>,
    raw: &[u8],
) -> Result<(), UnpackError> {
    let was_dir =
        sys::remove_all_at(parent, name).map_err(io_err(raw, "remove what it replaces"))?;
    if was_dir {
        // The tree is gone: forget the times of it and everything below it.
        let mut below = path.as_bytes().to_vec();
        below.push(b'/');
        let mut end = path.as_bytes().to_vec();
        end.push(b'/' + 1);
        let doomed: Vec<Vec<u8>> = dir_times
            .range(below..end)
            .map(|(k, _)| k.clone())
            .collect();
        for key in doomed {
            dir_times.remove(&key);
        }
        dir_times.remove(path.as_bytes());
    }
    Ok(())
}
