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

mod attrs;
mod create;
mod meta;
mod path;
mod root;
mod stacked;
mod sys;
#[cfg(test)]
mod tests;
mod whiteout;

use std::collections::BTreeMap;
use std::io::{self, BufReader, Read};
use std::os::fd::AsFd;

use log::debug;

use self::meta::Meta;
use self::path::{BadName, EntryPath, Whiteout};
use self::root::LayerRoot;
use self::sys::Times;
use crate::engine::userns::shift::IdShift;

pub use self::stacked::{find as find_in_layers, is_whiteout};
pub use self::whiteout::is_opaque;

#[derive(Debug, Clone, Default)]
pub struct UnpackOptions {
    /// Single-id user namespace (no subordinate ids): a chown to an unmapped id fails
    /// with EINVAL; ignore it instead of failing (Podman's ignore_chown_errors).
    pub ignore_chown_errors: bool,
    /// Device nodes cannot be created in a user namespace: skip them (Docker does the
    /// same, with a debug log) instead of failing.
    pub skip_devices: bool,
    /// How the tar's owners translate to the ids written (into a stopped
    /// container with a user namespace of its own).
    pub ids: Option<IdShift>,
    /// `cp` without `--overwrite`: refuse to replace a directory with a
    /// non-directory or the reverse, as Podman (its NoOverwriteDirNonDir).
    pub keep_kinds: bool,
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
    #[error("cannot open the layer directory {path:?}: {source}")]
    Dest {
        path: std::path::PathBuf,
        source: io::Error,
    },
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

impl crate::engine::error::Kinded for UnpackError {
    fn kind(&self) -> crate::engine::error::ErrorKind {
        use crate::engine::error::ErrorKind;
        match self {
            // The layer itself is hostile or broken: the image is at fault.
            UnpackError::Tar(_)
            | UnpackError::Escape { .. }
            | UnpackError::HardlinkEscape { .. }
            | UnpackError::SymlinkEscape { .. }
            | UnpackError::Invalid { .. }
            | UnpackError::Unsupported { .. }
            | UnpackError::Header { .. } => ErrorKind::Invalid,
            UnpackError::Chown { .. } => ErrorKind::NotPermitted,
            UnpackError::Dest { .. } | UnpackError::Read { .. } | UnpackError::Io { .. } => {
                ErrorKind::Internal
            }
        }
    }
}

/// Creates directory `rel` (and its missing parents, mode 0755) inside `root`,
/// resolving every existing component inside it, so that a container image's
/// symlinks cannot lead the creation out of its rootfs.
pub fn make_dir_in_root(root: &std::path::Path, rel: &str) -> io::Result<()> {
    let rel = rel.trim_matches('/');
    if rel.is_empty() {
        return Ok(());
    }
    let mut layer = LayerRoot::new(sys::open_dir(root)?);
    layer.parent(rel.as_bytes()).map(|_| ())
}

/// Opens `rel` inside `root` (read-only), resolving every component, symlinks and
/// `..` included, as if `root` were `/`: a container's own files cannot point the
/// open out of its rootfs.
pub fn open_in_root(root: &std::path::Path, rel: &str) -> io::Result<std::fs::File> {
    let root = sys::open_dir(root)?;
    Ok(open_fd_in_root(root.as_fd(), rel, libc::O_RDONLY)?.into())
}

/// `open_in_root` from a descriptor of the root, with open(2) `flags`.
pub fn open_fd_in_root(
    root: std::os::fd::BorrowedFd,
    rel: &str,
    flags: libc::c_int,
) -> io::Result<std::os::fd::OwnedFd> {
    let rel = rel.trim_start_matches('/');
    let rel = if rel.is_empty() { "." } else { rel };
    sys::open_in_root(root, &sys::cstr(rel.as_bytes())?, flags)
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
    let root = sys::open_dir(dest).map_err(|source| UnpackError::Dest {
        path: dest.to_owned(),
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
        let mut meta = Meta::read(&mut entry).map_err(|source| UnpackError::Header {
            name: shown(&raw),
            source,
        })?;
        if let Some(ids) = &self.opts.ids {
            (meta.uid, meta.gid) = ids.ids(meta.uid, meta.gid);
        }

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
