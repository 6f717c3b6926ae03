//! Tar streams of a file or tree, read through descriptors so that nothing is
//! followed out of the root it was found in: the starting point is resolved with
//! openat2(RESOLVE_IN_ROOT), and every entry below it is opened by name relative to
//! its directory without following symlinks (a symlink is archived as one).

use crate::engine::userns::shift::IdShift;
use nix::dir::Dir;
use nix::fcntl::{openat, readlinkat, AtFlags, OFlag};
use nix::sys::stat::{fstatat, FileStat, Mode};
use std::collections::HashMap;
use std::ffi::{CStr, CString, OsStr};
use std::io::{self, Write};
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, OwnedFd};
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

/// A file as found: its directory and its name there ("." for a directory found
/// as itself).
pub struct Node {
    pub dir: OwnedFd,
    pub name: CString,
}

#[derive(Debug, Clone, Default)]
pub struct TreeOptions {
    /// Keep the owners' ids; else every entry is 0:0.
    pub keep_owner: bool,
    /// How the kept ids translate (the files are a stopped container's with a
    /// user namespace of its own).
    pub ids: Option<IdShift>,
    /// Leave out what is mounted below the start (`export`: /proc, /etc/hosts...).
    pub one_file_system: bool,
}

/// Finds `rel` (normalised, see `super::path`) inside `root`; with `follow`, a
/// symlink at the end is followed too, inside the root.
pub fn locate(root: BorrowedFd, rel: &str, follow: bool) -> io::Result<Node> {
    let mut path = rel.trim_matches('/').to_owned();
    for _ in 0..40 {
        let (dir, name) = match path.rsplit_once('/') {
            Some((dir, name)) => (dir.to_owned(), name.to_owned()),
            None => (String::new(), path.clone()),
        };
        if matches!(name.as_str(), "" | "." | "..") {
            let dir = open_in_root(root, &path, OFlag::O_PATH | OFlag::O_DIRECTORY)?;
            return Ok(Node {
                dir,
                name: c".".to_owned(),
            });
        }
        let parent = open_in_root(root, &dir, OFlag::O_PATH | OFlag::O_DIRECTORY)?;
        let name = cstr(name.as_bytes())?;
        // A missing name is an answer too (a destination to create): `stat` tells.
        let is_link = fstatat(
            Some(parent.as_raw_fd()),
            name.as_c_str(),
            AtFlags::AT_SYMLINK_NOFOLLOW,
        )
        .is_ok_and(|st| kind(&st) == libc::S_IFLNK);
        if !(follow && is_link) {
            return Ok(Node { dir: parent, name });
        }
        let target = readlinkat(Some(parent.as_raw_fd()), name.as_c_str())?;
        let target = target.to_string_lossy();
        path = match target.strip_prefix('/') {
            Some(abs) => abs.to_owned(),
            None if dir.is_empty() => target.into_owned(),
            None => format!("{dir}/{target}"),
        };
    }
    Err(io::Error::from_raw_os_error(libc::ELOOP))
}

impl Node {
    pub fn stat(&self) -> io::Result<FileStat> {
        Ok(fstatat(
            Some(self.dir.as_raw_fd()),
            self.name.as_c_str(),
            AtFlags::AT_SYMLINK_NOFOLLOW,
        )?)
    }

    pub fn is_dir(&self) -> io::Result<bool> {
        Ok(kind(&self.stat()?) == libc::S_IFDIR)
    }
}

/// Archives `node` as `tar_name`, and everything below it when it is a directory.
pub fn append<W: Write>(
    b: &mut tar::Builder<W>,
    node: &Node,
    tar_name: &Path,
    opts: &TreeOptions,
) -> io::Result<()> {
    let st = node.stat()?;
    let mut tree = Tree::new(b, opts);
    tree.entry(node.dir.as_fd(), &node.name, &st, tar_name)
}

/// Archives what the directory `node` holds, under `tar_name` (empty: at the top),
/// without an entry for the directory itself (`SRC/.`, `export`).
pub fn append_contents<W: Write>(
    b: &mut tar::Builder<W>,
    node: &Node,
    tar_name: &Path,
    opts: &TreeOptions,
) -> io::Result<()> {
    let st = node.stat()?;
    let mut tree = Tree::new(b, opts);
    tree.children(node.dir.as_fd(), &node.name, &st, tar_name)
}

/// One archive being written.
struct Tree<'a, W: Write> {
    b: &'a mut tar::Builder<W>,
    opts: &'a TreeOptions,
    /// Where each file with more than one link went first (device, inode): the
    /// others become hard links to it, as they are where they come from.
    linked: HashMap<(u64, u64), PathBuf>,
}

impl<'a, W: Write> Tree<'a, W> {
    fn new(b: &'a mut tar::Builder<W>, opts: &'a TreeOptions) -> Self {
        Tree {
            b,
            opts,
            linked: HashMap::new(),
        }
    }

    fn children(
        &mut self,
        dir: BorrowedFd,
        name: &CStr,
        st: &FileStat,
        tar_name: &Path,
    ) -> io::Result<()> {
        let fd = open_at(dir, name, OFlag::O_RDONLY | OFlag::O_DIRECTORY)?;
        for child in children(&fd)? {
            let child_st = fstatat(
                Some(fd.as_raw_fd()),
                child.as_c_str(),
                AtFlags::AT_SYMLINK_NOFOLLOW,
            )?;
            // Something mounted below the start belongs to another file system.
            if self.opts.one_file_system && child_st.st_dev != st.st_dev {
                continue;
            }
            let child_name = tar_name.join(OsStr::from_bytes(child.as_bytes()));
            self.entry(fd.as_fd(), &child, &child_st, &child_name)?;
        }
        Ok(())
    }

    fn entry(
        &mut self,
        dir: BorrowedFd,
        name: &CStr,
        st: &FileStat,
        tar_name: &Path,
    ) -> io::Result<()> {
        let mut header = header(st, self.opts);
        match kind(st) {
            libc::S_IFDIR => {
                header.set_entry_type(tar::EntryType::Directory);
                self.b.append_data(&mut header, tar_name, io::empty())?;
                self.children(dir, name, st, tar_name)?;
            }
            libc::S_IFREG if st.st_nlink > 1 => {
                let key = (st.st_dev, st.st_ino);
                match self.linked.get(&key) {
                    Some(first) => {
                        header.set_entry_type(tar::EntryType::Link);
                        self.b.append_link(&mut header, tar_name, first)?;
                    }
                    None => {
                        self.linked.insert(key, tar_name.to_owned());
                        self.file(dir, name, st, header, tar_name)?;
                    }
                }
            }
            libc::S_IFREG => self.file(dir, name, st, header, tar_name)?,
            libc::S_IFLNK => {
                let target = readlinkat(Some(dir.as_raw_fd()), name)?;
                header.set_entry_type(tar::EntryType::Symlink);
                self.b
                    .append_link(&mut header, tar_name, PathBuf::from(target))?;
            }
            libc::S_IFIFO => {
                header.set_entry_type(tar::EntryType::Fifo);
                self.b.append_data(&mut header, tar_name, io::empty())?;
            }
            // Devices and sockets cannot be made again where this goes (a rootless
            // container or the caller's directory): left out, as the layer unpacker
            // leaves devices out there.
            _ => log::debug!(
                "leaving out {}: not a file, directory or link",
                tar_name.display()
            ),
        }
        Ok(())
    }

    fn file(
        &mut self,
        dir: BorrowedFd,
        name: &CStr,
        st: &FileStat,
        mut header: tar::Header,
        tar_name: &Path,
    ) -> io::Result<()> {
        let file = std::fs::File::from(open_at(dir, name, OFlag::O_RDONLY)?);
        header.set_entry_type(tar::EntryType::Regular);
        header.set_size(st.st_size as u64);
        self.b.append_data(&mut header, tar_name, file)
    }
}

fn header(st: &FileStat, opts: &TreeOptions) -> tar::Header {
    let mut header = tar::Header::new_gnu();
    header.set_mode(st.st_mode & 0o7777);
    header.set_mtime(st.st_mtime.max(0) as u64);
    let (uid, gid) = match opts.keep_owner {
        true => (st.st_uid as u64, st.st_gid as u64),
        false => (0, 0),
    };
    header.set_uid(uid);
    header.set_gid(gid);
    if let Some(ids) = opts.ids.as_ref().filter(|_| opts.keep_owner) {
        ids.header(&mut header);
    }
    header.set_size(0);
    header
}

/// A directory's entries, sorted (so that archives are reproducible).
fn children(fd: &OwnedFd) -> io::Result<Vec<CString>> {
    let mut dir = Dir::from_fd(nix::unistd::dup(fd.as_raw_fd())?)?;
    let mut names: Vec<CString> = dir
        .iter()
        .filter_map(Result::ok)
        .map(|e| e.file_name().to_owned())
        .filter(|n| !matches!(n.as_bytes(), b"." | b".."))
        .collect();
    names.sort();
    Ok(names)
}

fn kind(st: &FileStat) -> libc::mode_t {
    st.st_mode & libc::S_IFMT
}

fn open_at(dir: BorrowedFd, name: &CStr, flags: OFlag) -> io::Result<OwnedFd> {
    let fd = openat(
        Some(dir.as_raw_fd()),
        name,
        flags | OFlag::O_NOFOLLOW | OFlag::O_CLOEXEC,
        Mode::empty(),
    )?;
    // SAFETY: openat just returned this descriptor; nobody else owns it.
    Ok(unsafe { <OwnedFd as std::os::fd::FromRawFd>::from_raw_fd(fd) })
}

fn open_in_root(root: BorrowedFd, rel: &str, flags: OFlag) -> io::Result<OwnedFd> {
    crate::engine::store::unpack::open_fd_in_root(root, rel, flags.bits())
}

fn cstr(bytes: &[u8]) -> io::Result<CString> {
    CString::new(bytes).map_err(|_| io::Error::from_raw_os_error(libc::EINVAL))
}
