//! The layer root and the directories entries are created in.
//!
//! Every directory is reached by openat2(RESOLVE_IN_ROOT) from the root fd, so a
//! symlink met on the way (say `lib -> /usr/lib`, or a hostile `x -> ../../..`)
//! resolves inside the layer, as it would inside the container. The final
//! component of each entry is then handled by *at() calls on that directory fd.
//!
//! Tars list a directory's entries together, so the last directory used is kept
//! open: consecutive entries in one directory cost no path walk at all.

use std::io;
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};

use super::sys;

pub(super) struct LayerRoot {
    fd: OwnedFd,
    /// The last directory resolved, by its normalised path in the layer.
    ///
    /// It stays right for as long as that path resolves to the same directory,
    /// i.e. until it or an ancestor is removed or replaced. After `parent(dir)`
    /// the cache holds `dir` or nothing, and the unpacker only removes names
    /// inside `dir`, none of which can be `dir` or its ancestor: so it never goes
    /// stale.
    cached: Option<(Vec<u8>, OwnedFd)>,
}

const DIR_FLAGS: libc::c_int = libc::O_RDONLY | libc::O_DIRECTORY;

impl LayerRoot {
    pub(super) fn new(fd: OwnedFd) -> Self {
        LayerRoot { fd, cached: None }
    }

    pub(super) fn fd(&self) -> BorrowedFd<'_> {
        self.fd.as_fd()
    }

    /// The directory `dir` (a normalised path, empty for the root), to create an
    /// entry in. Missing directories are created with mode 0755, as Docker does
    /// for parents a tar does not list.
    pub(super) fn parent(&mut self, dir: &[u8]) -> io::Result<BorrowedFd<'_>> {
        if dir.is_empty() {
            // An entry at the top may replace the cached directory's ancestor.
            self.cached = None;
            return Ok(self.fd.as_fd());
        }
        let hit = matches!(&self.cached, Some((key, _)) if key.as_slice() == dir);
        if !hit {
            let fd = self.make_dirs(dir)?;
            self.cached = Some((dir.to_vec(), fd));
        }
        Ok(self.cached.as_ref().expect("cached above").1.as_fd())
    }

    /// Keeps a directory just created at `path` open as the likely parent of the
    /// entries that follow it.
    pub(super) fn remember(&mut self, path: &[u8], fd: OwnedFd) {
        self.cached = Some((path.to_vec(), fd));
    }

    /// Opens an existing directory (or, with O_NOFOLLOW, refuses a symlink as the
    /// final component) without creating anything.
    pub(super) fn open_dir(&self, path: &[u8], extra: libc::c_int) -> io::Result<OwnedFd> {
        let rel = if path.is_empty() { &b"."[..] } else { path };
        sys::open_in_root(self.fd.as_fd(), &sys::cstr(rel)?, DIR_FLAGS | extra)
    }

    fn make_dirs(&self, dir: &[u8]) -> io::Result<OwnedFd> {
        match self.open_dir(dir, 0) {
            Err(e) if e.raw_os_error() == Some(libc::ENOENT) => {}
            found => return found,
        }
        // Walk down from the root: find the deepest existing ancestor (resolving
        // each prefix in the root, so symlinks keep their meaning), then create the
        // rest one level at a time below it.
        let mut current: Option<OwnedFd> = None;
        let mut creating = false;
        let mut start = 0;
        while start <= dir.len() {
            let end = dir[start..]
                .iter()
                .position(|&b| b == b'/')
                .map_or(dir.len(), |i| start + i);
            if !creating {
                match self.open_dir(&dir[..end], 0) {
                    Ok(fd) => {
                        current = Some(fd);
                        start = end + 1;
                        continue;
                    }
                    Err(e) if e.raw_os_error() == Some(libc::ENOENT) => creating = true,
                    Err(e) => return Err(e),
                }
            }
            let at = current.as_ref().map_or(self.fd.as_fd(), |fd| fd.as_fd());
            let name = sys::cstr(&dir[start..end])?;
            // EEXIST here is a dangling symlink: opening it with O_NOFOLLOW below
            // then fails, and the entry with it.
            match sys::mkdirat(at, &name, 0o755) {
                Ok(()) => {
                    let fd = sys::open_subdir(at, &name)?;
                    // Not subject to the umask: the same tar gives the same tree.
                    sys::fchmod(fd.as_fd(), 0o755)?;
                    current = Some(fd);
                }
                Err(e) if e.raw_os_error() == Some(libc::EEXIST) => {
                    current = Some(sys::open_subdir(at, &name)?)
                }
                Err(e) => return Err(e),
            }
            start = end + 1;
        }
        current.ok_or_else(|| io::Error::from_raw_os_error(libc::ENOENT))
    }
}
