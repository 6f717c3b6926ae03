//! The thin layer of *at() system calls the unpacker makes: every one relative to
//! a directory fd, never following a symlink in the final component. All `unsafe`
//! of the unpacker lives here.

use std::ffi::{CStr, CString};
use std::io;
use std::os::fd::{AsRawFd, BorrowedFd, FromRawFd, IntoRawFd, OwnedFd};
use std::os::unix::ffi::OsStrExt;
use std::path::Path;

use libc::{c_int, c_uint, mode_t};

/// Access and modification times, as utimensat wants them.
pub(super) type Times = [libc::timespec; 2];

fn cvt(ret: c_int) -> io::Result<c_int> {
    if ret == -1 {
        Err(io::Error::last_os_error())
    } else {
        Ok(ret)
    }
}

pub(super) fn cstr(bytes: &[u8]) -> io::Result<CString> {
    CString::new(bytes).map_err(|_| io::Error::from_raw_os_error(libc::EINVAL))
}

/// Opens the layer directory the caller gave us. It is trusted: only what is
/// below it is the layer's.
pub(super) fn open_dir(path: &Path) -> io::Result<OwnedFd> {
    let path = cstr(path.as_os_str().as_bytes())?;
    let flags = libc::O_RDONLY | libc::O_DIRECTORY | libc::O_CLOEXEC;
    // SAFETY: a valid NUL-terminated path; the fd returned is ours to own.
    let fd = cvt(unsafe { libc::open(path.as_ptr(), flags) })?;
    // SAFETY: fd was just returned by open and is owned by nobody else.
    Ok(unsafe { OwnedFd::from_raw_fd(fd) })
}

/// openat2(2) with RESOLVE_IN_ROOT: `path` is resolved as if `root` were `/`, so
/// neither `..` nor a symlink (absolute or relative) can lead out of it, and
/// /proc magic links are refused.
pub(super) fn open_in_root(root: BorrowedFd, path: &CStr, flags: c_int) -> io::Result<OwnedFd> {
    // SAFETY: open_how is plain data; all-zero is its documented default.
    let mut how: libc::open_how = unsafe { std::mem::zeroed() };
    how.flags = (flags | libc::O_CLOEXEC) as u64;
    how.resolve = libc::RESOLVE_IN_ROOT | libc::RESOLVE_NO_MAGICLINKS;
    // RESOLVE_IN_ROOT answers EAGAIN when a rename elsewhere on the system raced
    // with a `..` lookup; the kernel expects the caller to try again.
    for _ in 0..64 {
        // SAFETY: valid fd, NUL-terminated path and a correctly sized open_how.
        let ret = unsafe {
            libc::syscall(
                libc::SYS_openat2,
                root.as_raw_fd(),
                path.as_ptr(),
                &how as *const libc::open_how,
                std::mem::size_of::<libc::open_how>(),
            )
        };
        if ret >= 0 {
            // SAFETY: the kernel returned a new fd that nobody else owns.
            return Ok(unsafe { OwnedFd::from_raw_fd(ret as c_int) });
        }
        let err = io::Error::last_os_error();
        if err.raw_os_error() != Some(libc::EAGAIN) {
            return Err(err);
        }
    }
    Err(io::Error::from_raw_os_error(libc::EAGAIN))
}

/// openat(2) of one name inside `dir`; callers pass O_NOFOLLOW.
pub(super) fn openat(
    dir: BorrowedFd,
    name: &CStr,
    flags: c_int,
    mode: mode_t,
) -> io::Result<OwnedFd> {
    let flags = flags | libc::O_CLOEXEC;
    // SAFETY: valid fd and NUL-terminated name.
    let fd = cvt(unsafe { libc::openat(dir.as_raw_fd(), name.as_ptr(), flags, mode as c_uint) })?;
    // SAFETY: fd was just returned by openat and is owned by nobody else.
    Ok(unsafe { OwnedFd::from_raw_fd(fd) })
}

/// Opens the directory `name` in `dir`, refusing a symlink there.
pub(super) fn open_subdir(dir: BorrowedFd, name: &CStr) -> io::Result<OwnedFd> {
    openat(
        dir,
        name,
        libc::O_RDONLY | libc::O_DIRECTORY | libc::O_NOFOLLOW,
        0,
    )
}

pub(super) fn mkdirat(dir: BorrowedFd, name: &CStr, mode: mode_t) -> io::Result<()> {
    // SAFETY: valid fd and NUL-terminated name.
    cvt(unsafe { libc::mkdirat(dir.as_raw_fd(), name.as_ptr(), mode) }).map(drop)
}

pub(super) fn mknodat(
    dir: BorrowedFd,
    name: &CStr,
    mode: mode_t,
    dev: libc::dev_t,
) -> io::Result<()> {
    // SAFETY: valid fd and NUL-terminated name.
    cvt(unsafe { libc::mknodat(dir.as_raw_fd(), name.as_ptr(), mode, dev) }).map(drop)
}

pub(super) fn symlinkat(target: &CStr, dir: BorrowedFd, name: &CStr) -> io::Result<()> {
    // SAFETY: valid fd and NUL-terminated strings.
    cvt(unsafe { libc::symlinkat(target.as_ptr(), dir.as_raw_fd(), name.as_ptr()) }).map(drop)
}

/// A hard link to `old` itself: with no AT_SYMLINK_FOLLOW, a symlink is linked,
/// not followed.
pub(super) fn linkat(
    old_dir: BorrowedFd,
    old: &CStr,
    dir: BorrowedFd,
    name: &CStr,
) -> io::Result<()> {
    // SAFETY: valid fds and NUL-terminated names.
    let ret = unsafe {
        libc::linkat(
            old_dir.as_raw_fd(),
            old.as_ptr(),
            dir.as_raw_fd(),
            name.as_ptr(),
            0,
        )
    };
    cvt(ret).map(drop)
}

pub(super) fn unlinkat(dir: BorrowedFd, name: &CStr, flags: c_int) -> io::Result<()> {
    // SAFETY: valid fd and NUL-terminated name.
    cvt(unsafe { libc::unlinkat(dir.as_raw_fd(), name.as_ptr(), flags) }).map(drop)
}

/// lstat of one name inside `dir`.
pub(super) fn lstatat(dir: BorrowedFd, name: &CStr) -> io::Result<libc::stat> {
    // SAFETY: stat is plain data, filled in by the kernel on success.
    let mut st: libc::stat = unsafe { std::mem::zeroed() };
    let flags = libc::AT_SYMLINK_NOFOLLOW;
    // SAFETY: valid fd, NUL-terminated name and a stat buffer we own.
    cvt(unsafe { libc::fstatat(dir.as_raw_fd(), name.as_ptr(), &mut st, flags) })?;
    Ok(st)
}

pub(super) fn fchown(fd: BorrowedFd, uid: u32, gid: u32) -> io::Result<()> {
    // SAFETY: valid fd.
    cvt(unsafe { libc::fchown(fd.as_raw_fd(), uid, gid) }).map(drop)
}

/// lchown of one name inside `dir`.
pub(super) fn lchownat(dir: BorrowedFd, name: &CStr, uid: u32, gid: u32) -> io::Result<()> {
    let flags = libc::AT_SYMLINK_NOFOLLOW;
    // SAFETY: valid fd and NUL-terminated name.
    cvt(unsafe { libc::fchownat(dir.as_raw_fd(), name.as_ptr(), uid, gid, flags) }).map(drop)
}

pub(super) fn fchmod(fd: BorrowedFd, mode: mode_t) -> io::Result<()> {
    // SAFETY: valid fd.
    cvt(unsafe { libc::fchmod(fd.as_raw_fd(), mode) }).map(drop)
}

/// chmod of one name inside `dir` that is not a symlink. The C library does
/// AT_SYMLINK_NOFOLLOW with fchmodat2 or an O_PATH fd (glibc >= 2.32, musl).
pub(super) fn chmodat_nofollow(dir: BorrowedFd, name: &CStr, mode: mode_t) -> io::Result<()> {
    let flags = libc::AT_SYMLINK_NOFOLLOW;
    // SAFETY: valid fd and NUL-terminated name.
    cvt(unsafe { libc::fchmodat(dir.as_raw_fd(), name.as_ptr(), mode, flags) }).map(drop)
}

pub(super) fn futimens(fd: BorrowedFd, times: &Times) -> io::Result<()> {
    // SAFETY: valid fd and a two-element timespec array.
    cvt(unsafe { libc::futimens(fd.as_raw_fd(), times.as_ptr()) }).map(drop)
}

/// lutimes of one name inside `dir`.
pub(super) fn utimensat_nofollow(dir: BorrowedFd, name: &CStr, times: &Times) -> io::Result<()> {
    let flags = libc::AT_SYMLINK_NOFOLLOW;
    // SAFETY: valid fd, NUL-terminated name and a two-element timespec array.
    cvt(unsafe { libc::utimensat(dir.as_raw_fd(), name.as_ptr(), times.as_ptr(), flags) }).map(drop)
}

pub(super) fn fsetxattr(fd: BorrowedFd, key: &CStr, value: &[u8]) -> io::Result<()> {
    // SAFETY: valid fd, NUL-terminated key and a value slice of the given length.
    let ret = unsafe {
        libc::fsetxattr(
            fd.as_raw_fd(),
            key.as_ptr(),
            value.as_ptr().cast(),
            value.len(),
            0,
        )
    };
    cvt(ret).map(drop)
}

/// lsetxattr of one name inside `dir`. There is no setxattrat before Linux 6.13,
/// so the directory is named through its /proc/self/fd link: the kernel jumps
/// straight to the directory fd's inode, and the final name is not followed.
pub(super) fn lsetxattrat(
    dir: BorrowedFd,
    name: &CStr,
    key: &CStr,
    value: &[u8],
) -> io::Result<()> {
    let mut path = format!("/proc/self/fd/{}/", dir.as_raw_fd()).into_bytes();
    path.extend_from_slice(name.to_bytes());
    let path = cstr(&path)?;
    // SAFETY: NUL-terminated path and key, and a value slice of the given length.
    let ret = unsafe {
        libc::lsetxattr(
            path.as_ptr(),
            key.as_ptr(),
            value.as_ptr().cast(),
            value.len(),
            0,
        )
    };
    cvt(ret).map(drop)
}

/// Removes `name` from `dir`, a whole tree if it is a directory, never following a
/// symlink. Returns whether it was a directory.
pub(super) fn remove_all_at(dir: BorrowedFd, name: &CStr) -> io::Result<bool> {
    match unlinkat(dir, name, 0) {
        Ok(()) => return Ok(false),
        Err(e) if e.raw_os_error() == Some(libc::EISDIR) => {}
        Err(e) => return Err(e),
    }
    // The Dir owns the fd from here on (and closes it even if fdopendir fails).
    let mut listing =
        nix::dir::Dir::from_fd(open_subdir(dir, name)?.into_raw_fd()).map_err(io::Error::from)?;
    // Read all names first: deleting while readdir walks the same directory may
    // skip entries.
    let mut names = Vec::new();
    for entry in listing.iter() {
        let entry = entry.map_err(io::Error::from)?;
        let child = entry.file_name();
        if child != c"." && child != c".." {
            names.push(child.to_owned());
        }
    }
    // SAFETY: `listing` keeps this fd open until it is dropped below.
    let sub = unsafe { BorrowedFd::borrow_raw(listing.as_raw_fd()) };
    for child in &names {
        remove_all_at(sub, child)?;
    }
    drop(listing);
    unlinkat(dir, name, libc::AT_REMOVEDIR)?;
    Ok(true)
}

/// Whether an lstat result is a directory.
pub(super) fn is_dir(st: &libc::stat) -> bool {
    st.st_mode & libc::S_IFMT == libc::S_IFDIR
}
