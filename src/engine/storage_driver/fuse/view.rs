//! What the container reads: names looked up through the layers, attributes,
//! merged directory listings, open files and xattrs. Every answer comes from
//! the layer that holds the entry now (a copy-up moves it to the upper dir).

use super::layers::{get_xattr, list_xattrs, Found, Listed, Stack, PRIVATE_XATTRS, UPPER};
use super::nodes::Table;
use super::splice::Splicer;
use super::turns::Turns;
use std::collections::HashMap;
use std::ffi::OsStr;
use std::fs::{File, Metadata};
use std::io;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

pub struct Overlay {
    pub stack: Stack,
    table: Mutex<Table>,
    files: Mutex<HashMap<u64, Arc<Open>>>,
    dirs: Mutex<HashMap<u64, Arc<Vec<Listed>>>>,
    next_handle: AtomicU64,
    pub splicer: Splicer,
    pub turns: Turns,
}

/// An open file of the container's, and its length when it cannot change.
pub struct Open {
    pub file: File,
    pub fixed_len: Option<u64>,
}

impl std::ops::Deref for Open {
    type Target = File;

    fn deref(&self) -> &File {
        &self.file
    }
}

pub fn errno(code: i32) -> io::Error {
    io::Error::from_raw_os_error(code)
}

impl Overlay {
    pub fn new(stack: Stack, splicer: Splicer, turns: Turns) -> io::Result<Overlay> {
        let root = stack.root()?;
        Ok(Overlay {
            stack,
            table: Mutex::new(Table::new(root.lowers)),
            files: Mutex::new(HashMap::new()),
            dirs: Mutex::new(HashMap::new()),
            next_handle: AtomicU64::new(1),
            splicer,
            turns,
        })
    }

    /// The node table; the lock is held for a whole change of the tree, so
    /// that the layers and the table never disagree.
    pub fn table(&self) -> MutexGuard<'_, Table> {
        self.table.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Where node `ino` is now: its path in the merged view, its layer and
    /// the lower layers showing through it.
    pub fn node(&self, t: &Table, ino: u64) -> io::Result<(PathBuf, usize, Vec<usize>)> {
        let node = t.get(ino).ok_or_else(|| errno(libc::ESTALE))?;
        Ok((node.rel().to_owned(), node.layer, node.lowers.clone()))
    }

    /// `name` in directory `parent`: its path, the layers below the upper dir
    /// the parent shows, and what the layers show there.
    pub fn child(
        &self,
        t: &Table,
        parent: u64,
        name: &OsStr,
    ) -> io::Result<(PathBuf, Vec<usize>, Option<Found>)> {
        if name.as_bytes().contains(&b'/') || name == "." || name == ".." {
            return Err(errno(libc::EINVAL));
        }
        let node = t.get(parent).ok_or_else(|| errno(libc::ESTALE))?;
        let (rel, lowers) = (node.rel().join(name), node.below());
        let found = self.stack.find(&lowers, &rel)?;
        Ok((rel, lowers, found))
    }

    pub fn lookup(&self, parent: u64, name: &OsStr) -> io::Result<(u64, Metadata)> {
        let mut t = self.table();
        let (rel, _, found) = self.child(&t, parent, name)?;
        let found = found.ok_or_else(|| errno(libc::ENOENT))?;
        let ino = t.remember(rel, found.layer, found.lowers);
        Ok((ino, found.meta))
    }

    pub fn forget(&self, ino: u64, count: u64) {
        self.table().forget(ino, count);
    }

    pub fn getattr(&self, ino: u64, handle: Option<u64>) -> io::Result<Metadata> {
        if let Some(file) = handle.and_then(|h| self.file(h)) {
            return file.metadata();
        }
        let t = self.table();
        let (rel, layer, _) = self.node(&t, ino)?;
        std::fs::symlink_metadata(self.stack.path(layer, &rel))
    }

    pub fn readlink(&self, ino: u64) -> io::Result<PathBuf> {
        let t = self.table();
        let (rel, layer, _) = self.node(&t, ino)?;
        std::fs::read_link(self.stack.path(layer, &rel))
    }

    /// Opens the file, copied up first when it is opened for writing.
    pub fn open(&self, ino: u64, flags: i32) -> io::Result<u64> {
        let writes = flags & libc::O_ACCMODE != libc::O_RDONLY || flags & libc::O_TRUNC != 0;
        let (path, layer) = {
            let mut t = self.table();
            let (rel, layer, _) = self.node(&t, ino)?;
            if writes && layer != UPPER {
                let meta = std::fs::symlink_metadata(self.stack.path(layer, &rel))?;
                self.stack.copy_up(layer, &rel, &meta)?;
                t.mark_upper(&rel);
            }
            let layer = if writes { UPPER } else { layer };
            (self.stack.path(layer, &rel), layer)
        };
        let file = open_file(&path, flags, None)?;
        // A layer below the upper dir never changes: its file's length is
        // read once here, not at each of the reads that need it.
        let fixed_len = match layer {
            UPPER => None,
            _ => Some(file.metadata()?.len()),
        };
        Ok(self.keep_file(file, fixed_len))
    }

    pub fn keep_file(&self, file: File, fixed_len: Option<u64>) -> u64 {
        let handle = self.next_handle.fetch_add(1, Ordering::Relaxed);
        lock(&self.files).insert(handle, Arc::new(Open { file, fixed_len }));
        handle
    }

    pub fn file(&self, handle: u64) -> Option<Arc<Open>> {
        lock(&self.files).get(&handle).cloned()
    }

    pub fn release(&self, handle: u64) {
        lock(&self.files).remove(&handle);
    }

    /// Up to `size` bytes at `offset`: fewer only at the end of the file (the
    /// kernel takes a short read for the end).
    pub fn read(&self, handle: u64, offset: u64, size: u32) -> io::Result<Vec<u8>> {
        let file = self.file(handle).ok_or_else(|| errno(libc::EBADF))?;
        let mut buf = vec![0u8; size as usize];
        let mut done = 0;
        while done < buf.len() {
            match file.read_at(&mut buf[done..], offset + done as u64) {
                Ok(0) => break,
                Ok(n) => done += n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            }
        }
        buf.truncate(done);
        Ok(buf)
    }

    pub fn opendir(&self, ino: u64) -> io::Result<u64> {
        let entries = {
            let t = self.table();
            let (rel, layer, lowers) = self.node(&t, ino)?;
            self.stack.list(&rel, layer, &lowers)?
        };
        let handle = self.next_handle.fetch_add(1, Ordering::Relaxed);
        lock(&self.dirs).insert(handle, Arc::new(entries));
        Ok(handle)
    }

    pub fn listing(&self, handle: u64) -> Option<Arc<Vec<Listed>>> {
        lock(&self.dirs).get(&handle).cloned()
    }

    pub fn releasedir(&self, handle: u64) {
        lock(&self.dirs).remove(&handle);
    }

    /// Where the node's xattrs are read; overlay's own are never shown.
    pub fn getxattr(&self, ino: u64, name: &OsStr, size: u32) -> io::Result<Vec<u8>> {
        if name.as_bytes().starts_with(PRIVATE_XATTRS) {
            return Err(errno(libc::ENODATA));
        }
        get_xattr(&self.real_path(ino)?, name, size as usize)
    }

    pub fn listxattr(&self, ino: u64) -> io::Result<Vec<u8>> {
        list_xattrs(&self.real_path(ino)?)
    }

    pub fn real_path(&self, ino: u64) -> io::Result<PathBuf> {
        let t = self.table();
        let (rel, layer, _) = self.node(&t, ino)?;
        Ok(self.stack.path(layer, &rel))
    }

    pub fn statfs(&self) -> io::Result<libc::statvfs> {
        let path = super::layers::cstring(&self.stack.upper(Path::new("")))?;
        // SAFETY: a valid C string and a zeroed struct the call fills.
        unsafe {
            let mut out: libc::statvfs = std::mem::zeroed();
            super::layers::check(libc::statvfs(path.as_ptr(), &mut out))?;
            Ok(out)
        }
    }
}

/// Opens a file of the layers for the container with its own open(2)
/// flags, less those that only meant something to the kernel's lookup;
/// `create` makes it (exclusively) with `mode`.
pub fn open_file(path: &Path, flags: i32, create: Option<u32>) -> io::Result<File> {
    use std::os::fd::FromRawFd;
    let dropped = libc::O_CREAT | libc::O_EXCL | libc::O_NOCTTY | libc::O_DIRECT;
    let mut flags = flags & !dropped | libc::O_CLOEXEC;
    if create.is_some() {
        flags |= libc::O_CREAT | libc::O_EXCL;
    }
    let c = super::layers::cstring(path)?;
    // SAFETY: a valid C string; the descriptor is owned at once.
    let fd = unsafe { libc::open(c.as_ptr(), flags, create.unwrap_or(0)) };
    if fd < 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: just opened, owned by nobody else.
    Ok(unsafe { File::from_raw_fd(fd) })
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}
