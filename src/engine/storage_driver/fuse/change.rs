//! What the container changes, done in the upper dir as the kernel overlay
//! does it: a lower entry is copied up before it changes, a removed one that
//! a lower layer still holds is hidden by a whiteout, a directory made where
//! a whiteout was is opaque. New entries belong to the caller (the ids the
//! kernel gives are already the user namespace's).

use super::layers::{check, cstring, remove_xattr, set_opaque, set_xattr, PRIVATE_XATTRS, UPPER};
use super::nodes::Table;
use super::view::{errno, open_file, Overlay};
use crate::engine::store::unpack::is_whiteout;
use std::ffi::OsStr;
use std::fs::Metadata;
use std::io;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};

/// Who makes an entry, and the mode asked for.
pub struct Maker {
    pub uid: u32,
    pub gid: u32,
    pub mode: u32,
}

/// What setattr asks for.
#[derive(Default)]
pub struct Changes {
    pub mode: Option<u32>,
    pub uid: Option<u32>,
    pub gid: Option<u32>,
    pub size: Option<u64>,
    pub atime: Option<Option<std::time::SystemTime>>,
    pub mtime: Option<Option<std::time::SystemTime>>,
    pub handle: Option<u64>,
}

impl Overlay {
    /// Copies node `ino` up if it is not there yet; its path in the upper dir.
    fn up(&self, t: &mut Table, ino: u64) -> io::Result<PathBuf> {
        let (rel, layer, _) = self.node(t, ino)?;
        if layer != UPPER {
            let meta = std::fs::symlink_metadata(self.stack.path(layer, &rel))?;
            self.stack.copy_up(layer, &rel, &meta)?;
            t.mark_upper(&rel);
        }
        Ok(self.stack.upper(&rel))
    }

    /// Room for a new entry `name` in `parent`: its path (the parents made
    /// in the upper dir, a whiteout there taken away: whether there was one)
    /// and the parent's attributes.
    fn room(
        &self,
        t: &mut Table,
        parent: u64,
        name: &OsStr,
    ) -> io::Result<(PathBuf, bool, Metadata)> {
        let (rel, _, found) = self.child(t, parent, name)?;
        if found.is_some() {
            return Err(errno(libc::EEXIST));
        }
        let dir = self.up(t, parent)?;
        let had_whiteout = self.stack.clear_whiteout(&rel)?;
        Ok((rel, had_whiteout, std::fs::symlink_metadata(dir)?))
    }

    /// The new entry's owner: the caller, in a set-group-id directory the
    /// directory's group.
    fn own(&self, path: &Path, maker: &Maker, parent: &Metadata) -> io::Result<()> {
        let gid = match parent.mode() & libc::S_ISGID != 0 {
            true => parent.gid(),
            false => maker.gid,
        };
        std::os::unix::fs::lchown(path, Some(maker.uid), Some(gid))
    }

    fn made(&self, t: &mut Table, rel: PathBuf) -> io::Result<(u64, Metadata)> {
        let meta = std::fs::symlink_metadata(self.stack.upper(&rel))?;
        Ok((t.remember(rel, UPPER, Vec::new()), meta))
    }

    pub fn create(
        &self,
        parent: u64,
        name: &OsStr,
        maker: &Maker,
        flags: i32,
    ) -> io::Result<(u64, Metadata, u64)> {
        let mut t = self.table();
        let (rel, _, dir) = self.room(&mut t, parent, name)?;
        let path = self.stack.upper(&rel);
        let file = open_file(&path, flags, Some(maker.mode & 0o7777))?;
        self.own(&path, maker, &dir)?;
        let (ino, meta) = self.made(&mut t, rel)?;
        Ok((ino, meta, self.keep_file(file, None)))
    }

    pub fn mknod(
        &self,
        parent: u64,
        name: &OsStr,
        maker: &Maker,
        rdev: u32,
    ) -> io::Result<(u64, Metadata)> {
        let mut t = self.table();
        let (rel, _, dir) = self.room(&mut t, parent, name)?;
        let path = self.stack.upper(&rel);
        let c = super::layers::cstring(&path)?;
        // SAFETY: a valid C string.
        super::layers::check(unsafe { libc::mknod(c.as_ptr(), maker.mode, rdev.into()) })?;
        self.own(&path, maker, &dir)?;
        self.made(&mut t, rel)
    }

    pub fn mkdir(&self, parent: u64, name: &OsStr, maker: &Maker) -> io::Result<(u64, Metadata)> {
        let mut t = self.table();
        let (rel, had_whiteout, dir) = self.room(&mut t, parent, name)?;
        let path = self.stack.upper(&rel);
        std::fs::create_dir(&path)?;
        let inherit = dir.mode() & libc::S_ISGID;
        std::fs::set_permissions(
            &path,
            PermissionsExt::from_mode(maker.mode & 0o7777 | inherit),
        )?;
        self.own(&path, maker, &dir)?;
        // Where a whiteout hid a lower entry, the new directory must hide
        // whatever a lower directory of that name holds.
        if had_whiteout {
            set_opaque(&path)?;
        }
        self.made(&mut t, rel)
    }

    pub fn symlink(
        &self,
        parent: u64,
        name: &OsStr,
        target: &Path,
        maker: &Maker,
    ) -> io::Result<(u64, Metadata)> {
        let mut t = self.table();
        let (rel, _, dir) = self.room(&mut t, parent, name)?;
        let path = self.stack.upper(&rel);
        std::os::unix::fs::symlink(target, &path)?;
        self.own(&path, maker, &dir)?;
        self.made(&mut t, rel)
    }

    /// A hard link: the source copied up and linked there, the same node
    /// under a second name.
    pub fn link(&self, ino: u64, parent: u64, name: &OsStr) -> io::Result<(u64, Metadata)> {
        let mut t = self.table();
        let (src_rel, layer, _) = self.node(&t, ino)?;
        if std::fs::symlink_metadata(self.stack.path(layer, &src_rel))?.is_dir() {
            return Err(errno(libc::EPERM));
        }
        let (rel, _, _) = self.room(&mut t, parent, name)?;
        let src = self.up(&mut t, ino)?;
        let path = self.stack.upper(&rel);
        std::fs::hard_link(src, &path)?;
        t.alias(ino, rel);
        Ok((ino, std::fs::symlink_metadata(path)?))
    }

    pub fn unlink(&self, parent: u64, name: &OsStr) -> io::Result<()> {
        let mut t = self.table();
        let (rel, lowers, found) = self.child(&t, parent, name)?;
        let found = found.ok_or_else(|| errno(libc::ENOENT))?;
        if found.meta.is_dir() {
            return Err(errno(libc::EISDIR));
        }
        self.remove(&mut t, parent, &rel, &lowers, found.layer, false)
    }

    pub fn rmdir(&self, parent: u64, name: &OsStr) -> io::Result<()> {
        let mut t = self.table();
        let (rel, lowers, found) = self.child(&t, parent, name)?;
        let found = found.ok_or_else(|| errno(libc::ENOENT))?;
        if !found.meta.is_dir() {
            return Err(errno(libc::ENOTDIR));
        }
        if !self
            .stack
            .list(&rel, found.layer, &found.lowers)?
            .is_empty()
        {
            return Err(errno(libc::ENOTEMPTY));
        }
        self.remove(&mut t, parent, &rel, &lowers, found.layer, true)
    }

    /// Takes `rel` out of the upper dir, and hides what the lower layers
    /// hold there with a whiteout.
    fn remove(
        &self,
        t: &mut Table,
        parent: u64,
        rel: &Path,
        lowers: &[usize],
        layer: usize,
        dir: bool,
    ) -> io::Result<()> {
        let upper = self.stack.upper(rel);
        match (layer == UPPER, dir) {
            (true, true) => {
                // Only whiteouts can be left in it: the merged view is empty.
                self.stack.clear_dir(rel)?;
                std::fs::remove_dir(&upper)?;
            }
            (true, false) => std::fs::remove_file(&upper)?,
            _ => {}
        }
        if self.stack.in_lowers(lowers, rel)? {
            self.up(t, parent)?;
            self.stack.whiteout(rel)?;
        }
        t.unname(rel);
        Ok(())
    }

    /// Renames within the merged view. A directory that lower layers show
    /// through cannot move (EXDEV, as the kernel overlay without redirect_dir
    /// answers): `mv` copies it instead.
    pub fn rename(
        &self,
        parent: u64,
        name: &OsStr,
        new_parent: u64,
        new_name: &OsStr,
        flags: u32,
    ) -> io::Result<()> {
        if flags == libc::RENAME_EXCHANGE {
            return self.exchange(parent, name, new_parent, new_name);
        }
        // RENAME_WHITEOUT is refused, as the kernel overlay refuses it.
        if flags & !libc::RENAME_NOREPLACE != 0 {
            return Err(errno(libc::EINVAL));
        }
        let mut t = self.table();
        let (rel, lowers, src) = self.child(&t, parent, name)?;
        let src = src.ok_or_else(|| errno(libc::ENOENT))?;
        let is_dir = src.meta.is_dir();
        if is_dir && (src.layer != UPPER || !src.lowers.is_empty()) {
            return Err(errno(libc::EXDEV));
        }
        let (new_rel, new_lowers, dst) = self.child(&t, new_parent, new_name)?;
        if let Some(dst) = &dst {
            if flags & libc::RENAME_NOREPLACE != 0 {
                return Err(errno(libc::EEXIST));
            }
            match (dst.meta.is_dir(), is_dir) {
                (true, false) => return Err(errno(libc::EISDIR)),
                (false, true) => return Err(errno(libc::ENOTDIR)),
                (true, true)
                    if !self
                        .stack
                        .list(&new_rel, dst.layer, &dst.lowers)?
                        .is_empty() =>
                {
                    return Err(errno(libc::ENOTEMPTY))
                }
                _ => {}
            }
        }
        self.stack.copy_up(src.layer, &rel, &src.meta)?;
        t.mark_upper(&rel);
        let from = self.stack.upper(&rel);
        self.up(&mut t, new_parent)?;
        let to = self.stack.upper(&new_rel);
        if let Ok(meta) = std::fs::symlink_metadata(&to) {
            if meta.is_dir() {
                self.stack.clear_dir(&new_rel)?;
            } else if is_dir && is_whiteout(&meta) {
                std::fs::remove_file(&to)?;
            }
        }
        let hidden_below = self.stack.in_lowers(&new_lowers, &new_rel)?;
        std::fs::rename(&from, &to)?;
        if is_dir && hidden_below {
            set_opaque(&to)?;
        }
        if self.stack.in_lowers(&lowers, &rel)? {
            self.stack.whiteout(&rel)?;
        }
        t.rename(&rel, &new_rel);
        Ok(())
    }

    /// renameat2's RENAME_EXCHANGE: both names copied up, then swapped in
    /// the upper dir. A directory must be all in the upper dir, as for rename
    /// (the kernel overlay without redirect_dir says EXDEV too).
    fn exchange(
        &self,
        parent: u64,
        name: &OsStr,
        new_parent: u64,
        new_name: &OsStr,
    ) -> io::Result<()> {
        let mut t = self.table();
        let (rel, lowers, a) = self.child(&t, parent, name)?;
        let (new_rel, new_lowers, b) = self.child(&t, new_parent, new_name)?;
        let (a, b) = a.zip(b).ok_or_else(|| errno(libc::ENOENT))?;
        if [&a, &b]
            .iter()
            .any(|f| f.meta.is_dir() && (f.layer != UPPER || !f.lowers.is_empty()))
        {
            return Err(errno(libc::EXDEV));
        }
        for (rel, found) in [(&rel, &a), (&new_rel, &b)] {
            self.stack.copy_up(found.layer, rel, &found.meta)?;
            t.mark_upper(rel);
        }
        let (from, to) = (self.stack.upper(&rel), self.stack.upper(&new_rel));
        let (from_c, to_c) = (cstring(&from)?, cstring(&to)?);
        // SAFETY: valid C strings.
        check(unsafe {
            libc::renameat2(
                libc::AT_FDCWD,
                from_c.as_ptr(),
                libc::AT_FDCWD,
                to_c.as_ptr(),
                libc::RENAME_EXCHANGE,
            )
        })?;
        // A directory moved over a name the lower layers have must hide it.
        for (dir, path, lowers, rel) in
            [(&b, &from, &lowers, &rel), (&a, &to, &new_lowers, &new_rel)]
        {
            if dir.meta.is_dir() && self.stack.in_lowers(lowers, rel)? {
                set_opaque(path)?;
            }
        }
        t.exchange(&rel, &new_rel);
        Ok(())
    }

    pub fn setattr(&self, ino: u64, changes: &Changes) -> io::Result<Metadata> {
        let mut t = self.table();
        let path = self.up(&mut t, ino)?;
        if changes.uid.is_some() || changes.gid.is_some() {
            std::os::unix::fs::lchown(&path, changes.uid, changes.gid)?;
        }
        let meta = std::fs::symlink_metadata(&path)?;
        if let Some(mode) = changes.mode.filter(|_| !meta.is_symlink()) {
            std::fs::set_permissions(&path, PermissionsExt::from_mode(mode & 0o7777))?;
        }
        if let Some(size) = changes.size {
            match changes.handle.and_then(|h| self.file(h)) {
                Some(file) => file.set_len(size)?,
                None => std::fs::OpenOptions::new()
                    .write(true)
                    .open(&path)?
                    .set_len(size)?,
            }
        }
        if changes.atime.is_some() || changes.mtime.is_some() {
            set_times(&path, changes.atime, changes.mtime)?;
        }
        std::fs::symlink_metadata(&path)
    }

    pub fn write(&self, handle: u64, offset: u64, data: &[u8]) -> io::Result<u32> {
        use std::os::unix::fs::FileExt;
        let file = self.file(handle).ok_or_else(|| errno(libc::EBADF))?;
        file.write_all_at(data, offset)?;
        Ok(data.len() as u32)
    }

    pub fn setxattr(&self, ino: u64, name: &OsStr, value: &[u8], flags: i32) -> io::Result<()> {
        if name.as_bytes().starts_with(PRIVATE_XATTRS) {
            return Err(errno(libc::EPERM));
        }
        let mut t = self.table();
        set_xattr(&self.up(&mut t, ino)?, name, value, flags)
    }

    pub fn removexattr(&self, ino: u64, name: &OsStr) -> io::Result<()> {
        if name.as_bytes().starts_with(PRIVATE_XATTRS) {
            return Err(errno(libc::ENODATA));
        }
        let mut t = self.table();
        remove_xattr(&self.up(&mut t, ino)?, name)
    }
}

/// atime and mtime: `Some(None)` is now, `None` leaves it.
fn set_times(
    path: &Path,
    atime: Option<Option<std::time::SystemTime>>,
    mtime: Option<Option<std::time::SystemTime>>,
) -> io::Result<()> {
    let spec = |t: Option<Option<std::time::SystemTime>>| match t {
        None => libc::timespec {
            tv_sec: 0,
            tv_nsec: libc::UTIME_OMIT,
        },
        Some(None) => libc::timespec {
            tv_sec: 0,
            tv_nsec: libc::UTIME_NOW,
        },
        Some(Some(t)) => {
            let d = t.duration_since(std::time::UNIX_EPOCH).unwrap_or_default();
            libc::timespec {
                tv_sec: d.as_secs() as libc::time_t,
                tv_nsec: d.subsec_nanos().into(),
            }
        }
    };
    let times = [spec(atime), spec(mtime)];
    let c = super::layers::cstring(path)?;
    // SAFETY: a valid C string and two timespecs.
    super::layers::check(unsafe {
        libc::utimensat(
            libc::AT_FDCWD,
            c.as_ptr(),
            times.as_ptr(),
            libc::AT_SYMLINK_NOFOLLOW,
        )
    })
}
