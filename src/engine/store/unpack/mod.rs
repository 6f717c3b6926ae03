//! Safe, streaming unpacking of layer tars into overlay-ready directories.
//!
//! One pass over the tar, no temp copy. Whiteouts become what overlayfs mounted
//! with `userxattr` reads: `.wh.NAME` a 0:0 character device NAME, `.wh..wh..opq`
//! the xattr `user.overlay.opaque=y` on its directory.
//!
//! Nothing may be written outside the layer. Names and link targets that climb out
//! on their face are refused (Docker's rules, see [`path`]); every directory is then
//! reached through openat2(RESOLVE_IN_ROOT) and every final component handled by a
//! *at() call that does not follow it (see [`root`] and [`sys`]), so a symlink the
//! layer planted can only ever lead back inside it.

mod meta;
mod path;
mod root;
mod sys;
#[cfg(test)]
mod tests;

use std::collections::BTreeMap;
use std::ffi::CStr;
use std::fs::File;
use std::io::{self, BufReader, Read, Write};
use std::os::fd::{AsFd, BorrowedFd};

use log::debug;

use self::meta::Meta;
use self::path::{BadName, EntryPath, Whiteout};
use self::root::LayerRoot;
use self::sys::Times;

#[derive(Debug, Clone, Copy, Default)]
pub struct UnpackOptions {
    /// Single-id user namespace (no subordinate ids): a chown to an unmapped id fails
    /// with EINVAL; ignore it instead of failing (Podman's ignore_chown_errors).
    pub ignore_chown_errors: bool,
    /// Device nodes cannot be created in a user namespace: skip them (Docker does the
    /// same, with a debug log) instead of failing.
    pub skip_devices: bool,
}

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct UnpackStats {
    /// Tar entries read (global PAX headers aside), including skipped ones.
    pub entries: u64,
    /// Sum of the regular files' sizes.
    pub size: u64,
}

#[derive(Debug, thiserror::Error)]
pub enum UnpackError {
    #[error("layer tar is unreadable or malformed: {0}")]
    Tar(#[source] io::Error),
    #[error("layer entry {name:?} points outside the layer")]
    Escape { name: String },
    #[error("hardlink {name:?} -> {target:?} points outside the layer")]
    HardlinkEscape { name: String, target: String },
    #[error("symlink {name:?} -> {target:?} points outside the layer")]
    SymlinkEscape { name: String, target: String },
    #[error("layer entry {name:?} is invalid: {why}")]
    Invalid { name: String, why: &'static str },
    #[error("layer entry {name:?} has an unsupported tar type {kind:?}")]
    Unsupported { name: String, kind: char },
    #[error("layer entry {name:?} has a bad header: {source}")]
    Header { name: String, source: io::Error },
    #[error("cannot read layer entry {name:?} from the tar: {source}")]
    Read { name: String, source: io::Error },
    #[error("cannot give layer entry {name:?} the owner {uid}:{gid} (is that id mapped in the user namespace?): {source}")]
    Chown {
        name: String,
        uid: u32,
        gid: u32,
        source: io::Error,
    },
    #[error("layer entry {name:?}: cannot {op}: {source}")]
    Io {
        name: String,
        op: &'static str,
        source: io::Error,
    },
}

/// Unpacks the uncompressed layer tar `reader` into `dest`, an existing empty
/// directory private to this call. Stops at the end-of-archive marker; the caller
/// drains and hashes whatever follows (bytes read ahead into a buffer here have
/// passed through the caller's reader already).
pub fn unpack_layer<R: Read>(
    reader: R,
    dest: &std::path::Path,
    opts: &UnpackOptions,
) -> Result<UnpackStats, UnpackError> {
    let root = sys::open_dir(dest).map_err(|source| UnpackError::Io {
        name: dest.display().to_string(),
        op: "open the layer directory",
        source,
    })?;
    let mut unpacker = Unpacker {
        root: LayerRoot::new(root),
        opts,
        stats: UnpackStats::default(),
        dir_times: BTreeMap::new(),
        buf: vec![0; 128 * 1024],
    };
    let mut archive = tar::Archive::new(BufReader::with_capacity(64 * 1024, reader));
    for entry in archive.entries().map_err(UnpackError::Tar)? {
        unpacker.entry(entry.map_err(UnpackError::Tar)?)?;
    }
    unpacker.finish()
}

struct Unpacker<'o> {
    root: LayerRoot,
    opts: &'o UnpackOptions,
    stats: UnpackStats,
    /// Directories' times, set at the very end: writing their children changes them.
    dir_times: BTreeMap<Vec<u8>, Times>,
    buf: Vec<u8>,
}

fn shown(raw: &[u8]) -> String {
    String::from_utf8_lossy(raw).into_owned()
}

fn io_err<'a>(raw: &'a [u8], op: &'static str) -> impl FnOnce(io::Error) -> UnpackError + 'a {
    move |source| UnpackError::Io {
        name: shown(raw),
        op,
        source,
    }
}

impl Unpacker<'_> {
    fn entry<R: Read>(&mut self, mut entry: tar::Entry<'_, R>) -> Result<(), UnpackError> {
        let kind = entry.header().entry_type();
        if kind.is_pax_global_extensions() {
            return Ok(());
        }
        self.stats.entries += 1;
        let raw = entry.path_bytes().into_owned();
        let path = EntryPath::parse(&raw).map_err(|bad| match bad {
            BadName::Escapes => UnpackError::Escape { name: shown(&raw) },
            BadName::Nul => UnpackError::Invalid {
                name: shown(&raw),
                why: "its name holds a NUL byte",
            },
        })?;
        let meta = Meta::read(&mut entry).map_err(|source| UnpackError::Header {
            name: shown(&raw),
            source,
        })?;

        match path::whiteout(path.split().1) {
            Whiteout::None => {}
            Whiteout::Opaque => return self.opaque(&path, &raw),
            Whiteout::Deleted(name) => return self.whiteout(&path.sibling(name), &meta, &raw),
            Whiteout::AufsMeta => {
                debug!("skipping aufs metadata {:?}", shown(&raw));
                return Ok(());
            }
        }
        if path.is_root() && kind != tar::EntryType::Directory {
            return Err(UnpackError::Invalid {
                name: shown(&raw),
                why: "only a directory can stand for the layer root",
            });
        }
        use tar::EntryType as T;
        match kind {
            T::Directory => self.dir(&path, &meta, &raw),
            T::Regular | T::Continuous | T::GNUSparse => self.file(&path, &meta, &raw, &mut entry),
            T::Symlink => {
                let target = entry.link_name_bytes().unwrap_or_default().into_owned();
                self.symlink(&path, &target, &meta, &raw)
            }
            T::Link => {
                let target = entry.link_name_bytes().unwrap_or_default().into_owned();
                self.hardlink(&path, &target, &raw)
            }
            T::Fifo => self.node(&path, libc::S_IFIFO, 0, &meta, &raw),
            T::Char | T::Block if self.opts.skip_devices => {
                debug!(
                    "skipping device node {:?}: devices cannot be created here",
                    shown(&raw)
                );
                Ok(())
            }
            T::Char | T::Block => {
                let header = entry.header();
                let number = |n: io::Result<Option<u32>>| {
                    n.map(Option::unwrap_or_default)
                        .map_err(|source| UnpackError::Header {
                            name: shown(&raw),
                            source,
                        })
                };
                let dev = libc::makedev(
                    number(header.device_major())?,
                    number(header.device_minor())?,
                );
                let ftype = if kind == T::Char {
                    libc::S_IFCHR
                } else {
                    libc::S_IFBLK
                };
                self.node(&path, ftype, dev, &meta, &raw)
            }
            other => Err(UnpackError::Unsupported {
                name: shown(&raw),
                kind: other.as_byte() as char,
            }),
        }
    }

    fn dir(&mut self, path: &EntryPath, meta: &Meta, raw: &[u8]) -> Result<(), UnpackError> {
        self.dir_times.insert(path.as_bytes().to_vec(), meta.times);
        if path.is_root() {
            // Usually "./": the layer root's own owner and mode.
            return apply_meta(self.root.fd(), meta, self.opts, raw);
        }
        let (dir, name) = path.split();
        let name = &sys::cstr(name).map_err(io_err(raw, "name it"))?;
        let parent = self
            .root
            .parent(dir)
            .map_err(io_err(raw, "resolve its parent directory"))?;
        match sys::mkdirat(parent, name, 0o700) {
            Ok(()) => {}
            // A directory already there is merged into: only its metadata changes.
            Err(e) if e.raw_os_error() == Some(libc::EEXIST) => {
                let st =
                    sys::lstatat(parent, name).map_err(io_err(raw, "inspect what it replaces"))?;
                if !sys::is_dir(&st) {
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

    fn file<R: Read>(
        &mut self,
        path: &EntryPath,
        meta: &Meta,
        raw: &[u8],
        data: &mut R,
    ) -> Result<(), UnpackError> {
        let (dir, name) = path.split();
        let name = &sys::cstr(name).map_err(io_err(raw, "name it"))?;
        let parent = self
            .root
            .parent(dir)
            .map_err(io_err(raw, "resolve its parent directory"))?;
        // O_EXCL|O_NOFOLLOW: never write through whatever is already there.
        let flags = libc::O_WRONLY | libc::O_CREAT | libc::O_EXCL | libc::O_NOFOLLOW;
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

    fn symlink(
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
        let name = &sys::cstr(name).map_err(io_err(raw, "name it"))?;
        let parent = self
            .root
            .parent(dir)
            .map_err(io_err(raw, "resolve its parent directory"))?;
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
    fn hardlink(&mut self, path: &EntryPath, target: &[u8], raw: &[u8]) -> Result<(), UnpackError> {
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
    fn node(
        &mut self,
        path: &EntryPath,
        ftype: libc::mode_t,
        dev: libc::dev_t,
        meta: &Meta,
        raw: &[u8],
    ) -> Result<(), UnpackError> {
        let (dir, name) = path.split();
        let name = &sys::cstr(name).map_err(io_err(raw, "name it"))?;
        let parent = self
            .root
            .parent(dir)
            .map_err(io_err(raw, "resolve its parent directory"))?;
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

    /// `.wh.NAME`: a 0:0 character device named NAME, owned as the header says.
    /// Unprivileged user namespaces may create exactly this device (Linux >= 5.8).
    fn whiteout(&mut self, path: &EntryPath, meta: &Meta, raw: &[u8]) -> Result<(), UnpackError> {
        let (dir, name) = path.split();
        if name.is_empty() || name == b"." || name == b".." {
            return Err(UnpackError::Invalid {
                name: shown(raw),
                why: "a whiteout of no name",
            });
        }
        let name = &sys::cstr(name).map_err(io_err(raw, "name it"))?;
        let parent = self
            .root
            .parent(dir)
            .map_err(io_err(raw, "resolve its parent directory"))?;
        replacing(
            parent,
            name,
            path,
            &mut self.dir_times,
            raw,
            "create the whiteout device",
            || sys::mknodat(parent, name, libc::S_IFCHR, libc::makedev(0, 0)),
        )?;
        chown(
            sys::lchownat(parent, name, meta.uid, meta.gid),
            meta,
            self.opts,
            raw,
        )
    }

    /// `.wh..wh..opq`: the directory holding it hides what lower layers have there.
    fn opaque(&mut self, path: &EntryPath, raw: &[u8]) -> Result<(), UnpackError> {
        let (dir, _) = path.split();
        let parent = self
            .root
            .parent(dir)
            .map_err(io_err(raw, "resolve its directory"))?;
        sys::fsetxattr(parent, c"user.overlay.opaque", b"y").map_err(io_err(
            raw,
            "mark its directory opaque (user.overlay.opaque)",
        ))
    }

    fn finish(self) -> Result<UnpackStats, UnpackError> {
        for (path, times) in &self.dir_times {
            // A directory later replaced by something else, or removed with its
            // parent, is simply gone.
            let fd = match self.root.open_dir(path, libc::O_NOFOLLOW) {
                Ok(fd) => fd,
                Err(e)
                    if matches!(
                        e.raw_os_error(),
                        Some(libc::ENOENT | libc::ENOTDIR | libc::ELOOP)
                    ) =>
                {
                    continue
                }
                Err(e) => return Err(io_err(path, "open the directory to set its times")(e)),
            };
            sys::futimens(fd.as_fd(), times).map_err(io_err(path, "set its times"))?;
        }
        Ok(self.stats)
    }
}

/// Runs `create`; if the name is taken (a later entry replacing an earlier one),
/// removes what is there, a whole tree if need be, and runs it once more.
fn replacing<T>(
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

fn remove(
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

/// Owner, xattrs, then mode, on an open file or directory. The order matters:
/// chown clears setuid/setgid and security.capability.
fn apply_meta(
    fd: BorrowedFd,
    meta: &Meta,
    opts: &UnpackOptions,
    raw: &[u8],
) -> Result<(), UnpackError> {
    chown(sys::fchown(fd, meta.uid, meta.gid), meta, opts, raw)?;
    set_xattrs(meta, raw, |k, v| sys::fsetxattr(fd, k, v))?;
    sys::fchmod(fd, meta.mode).map_err(io_err(raw, "set its mode"))
}

fn chown(
    result: io::Result<()>,
    meta: &Meta,
    opts: &UnpackOptions,
    raw: &[u8],
) -> Result<(), UnpackError> {
    match result {
        Ok(()) => Ok(()),
        // EINVAL: the id is not mapped in this user namespace.
        Err(e)
            if opts.ignore_chown_errors
                && matches!(e.raw_os_error(), Some(libc::EINVAL | libc::EPERM)) =>
        {
            debug!(
                "ignoring chown of {:?} to {}:{}: {e}",
                shown(raw),
                meta.uid,
                meta.gid
            );
            Ok(())
        }
        Err(source) => Err(UnpackError::Chown {
            name: shown(raw),
            uid: meta.uid,
            gid: meta.gid,
            source,
        }),
    }
}

/// Applies the entry's xattrs where the file system and our privileges allow.
fn set_xattrs(
    meta: &Meta,
    raw: &[u8],
    mut set: impl FnMut(&CStr, &[u8]) -> io::Result<()>,
) -> Result<(), UnpackError> {
    for (key, value) in &meta.xattrs {
        let bytes = key.to_bytes();
        // Overlay's own xattrs come only from our whiteout conversion: a layer
        // that carried them could redirect or hide files in the merged view.
        if bytes.starts_with(b"user.overlay.") || bytes.starts_with(b"trusted.overlay.") {
            debug!(
                "skipping xattr {key:?} of {:?}: reserved for overlayfs",
                shown(raw)
            );
            continue;
        }
        match set(key, value) {
            Ok(()) => {}
            Err(e)
                if matches!(
                    e.raw_os_error(),
                    Some(libc::ENOTSUP | libc::EPERM | libc::EACCES)
                ) =>
            {
                debug!("skipping xattr {key:?} of {:?}: {e}", shown(raw));
            }
            Err(source) => {
                return Err(UnpackError::Io {
                    name: shown(raw),
                    op: "set an xattr",
                    source,
                })
            }
        }
    }
    Ok(())
}
