//! Copy-up: a new, empty volume gets what the image has where it is mounted,
//! as Docker and Podman give it. The monitor does it once the rootfs is
//! mounted and before the container starts, so nothing in the rootfs moves
//! meanwhile. The path is resolved inside the rootfs (openat2
//! RESOLVE_IN_ROOT) and nothing below it is followed: a symlink is copied as
//! one, so an image cannot make the copy read or write outside its root.

use super::{targets, Mount, MountKind, VolumesError};
use crate::engine::store::unpack::open_fd_in_root;
use crate::engine::store::Store;
use crate::engine::userns::Mappings;
use nix::dir::Dir;
use nix::fcntl::{openat, readlinkat, AtFlags, OFlag};
use nix::sys::stat::{fstatat, mkdirat, mknodat, utimensat, FileStat, Mode, SFlag, UtimensatFlags};
use nix::sys::time::TimeSpec;
use nix::unistd::{fchownat, symlinkat, Gid, Uid};
use std::ffi::{CStr, CString};
use std::io;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, FromRawFd, OwnedFd};
use std::path::Path;

/// Copies the directory at `destination` inside `rootfs` into `target`, which
/// must be empty (a volume someone wrote to keeps what it has). Nothing
/// there, or no directory: nothing to copy.
pub fn copy_up(rootfs: &Path, destination: &str, target: &Path) -> io::Result<()> {
    let root = open_path(rootfs)?;
    let src = match open_fd_in_root(
        root.as_fd(),
        destination,
        libc::O_RDONLY | libc::O_DIRECTORY,
    ) {
        Ok(fd) => fd,
        Err(e) if matches!(e.raw_os_error(), Some(libc::ENOENT | libc::ENOTDIR)) => return Ok(()),
        Err(e) => return Err(e),
    };
    let dst = open_path(target)?;
    if !names(&dst)?.is_empty() {
        return Ok(());
    }
    copy_children(src.as_fd(), dst.as_fd())?;
    // The volume's root takes the image directory's owner and mode too.
    let st = nix::sys::stat::fstat(src.as_raw_fd())?;
    set_meta(dst.as_fd(), c".", &st)
}

/// Before the container starts on `rootfs`: each volume mounted for the first
/// time gets its copy of the image's files, each `U` source is given to the
/// container's user, each `O` mount gets an empty overlay, and each target is
/// made (see targets.rs).
/// `maps` are the container's own user namespace's, if it has one
/// (`--userns=keep-id|auto`): `U`'s owner is the container's user as it is
/// seen from here.
pub fn before_start(
    store: &Store,
    rootfs: &Path,
    mounts: &[Mount],
    maps: Option<&Mappings>,
) -> Result<(), VolumesError> {
    let root = open_path(rootfs).map_err(VolumesError::io("cannot open the container's rootfs"))?;
    for m in mounts {
        let failed = |what: &str| VolumesError::io(format!("cannot {what} {}", m.source.display()));
        // A file bound onto a file: libcontainer makes the file, in its directory.
        let file = m.kind == MountKind::Bind && !m.source.is_dir();
        let target = match file {
            true => Path::new(&m.destination)
                .parent()
                .map_or("/".into(), |p| p.to_string_lossy()),
            false => m.destination.as_str().into(),
        };
        targets::make_dir(root.as_fd(), &target).map_err(VolumesError::io(format!(
            "cannot make the mount target {} in the container",
            m.destination
        )))?;
        if let (true, Some(name)) = (m.copy_up, &m.name) {
            if store.claim_copy_up(name)? {
                copy_up(rootfs, &m.destination, &m.source)
                    .map_err(failed("copy the image's files into"))?;
            }
        }
        if let Some((uid, gid)) = m.chown {
            let (uid, gid) = match maps {
                Some(maps) => maps.outside(uid, gid).ok_or_else(|| {
                    VolumesError::Invalid(format!(
                        "cannot give {} to the container's user {uid}:{gid}: it has no id outside the container's user namespace",
                        m.source.display()
                    ))
                })?,
                None => (uid, gid),
            };
            chown_tree(&m.source, uid, gid).map_err(failed("chown"))?;
        }
        if let Some(dir) = &m.overlay {
            fresh_overlay(dir).map_err(VolumesError::io(format!(
                "cannot make the overlay over {}",
                m.source.display()
            )))?;
        }
    }
    Ok(())
}

/// `O`: what the last run wrote over the source is thrown away.
fn fresh_overlay(dir: &Path) -> io::Result<()> {
    match std::fs::remove_dir_all(dir) {
        Err(e) if e.kind() != io::ErrorKind::NotFound => return Err(e),
        _ => {}
    }
    std::fs::create_dir_all(dir.join("upper"))?;
    std::fs::create_dir_all(dir.join("work"))
}

/// `U`: gives everything under `path` to uid:gid, symlinks themselves
/// included, never followed.
pub fn chown_tree(path: &Path, uid: u32, gid: u32) -> io::Result<()> {
    let dir = open_path(path)?;
    chown_at(dir.as_fd(), c".", uid, gid)?;
    chown_children(dir.as_fd(), uid, gid)
}

fn chown_children(dir: BorrowedFd, uid: u32, gid: u32) -> io::Result<()> {
    for name in names(&dir)? {
        chown_at(dir, &name, uid, gid)?;
        let st = stat_at(dir, &name)?;
        if kind(&st) == libc::S_IFDIR {
            let sub = open_at(dir, &name, OFlag::O_RDONLY | OFlag::O_DIRECTORY, 0)?;
            chown_children(sub.as_fd(), uid, gid)?;
        }
    }
    Ok(())
}

fn chown_at(dir: BorrowedFd, name: &CStr, uid: u32, gid: u32) -> io::Result<()> {
    Ok(fchownat(
        Some(dir.as_raw_fd()),
        name,
        Some(Uid::from_raw(uid)),
        Some(Gid::from_raw(gid)),
        AtFlags::AT_SYMLINK_NOFOLLOW,
    )?)
}

fn copy_children(src: BorrowedFd, dst: BorrowedFd) -> io::Result<()> {
    for name in names(&src)? {
        let st = stat_at(src, &name)?;
        match kind(&st) {
            libc::S_IFDIR => {
                mkdirat(
                    Some(dst.as_raw_fd()),
                    name.as_c_str(),
                    Mode::from_bits_truncate(0o700),
                )?;
                let from = open_at(src, &name, OFlag::O_RDONLY | OFlag::O_DIRECTORY, 0)?;
                let to = open_at(dst, &name, OFlag::O_RDONLY | OFlag::O_DIRECTORY, 0)?;
                copy_children(from.as_fd(), to.as_fd())?;
            }
            libc::S_IFREG => {
                let from = open_at(src, &name, OFlag::O_RDONLY, 0)?;
                let flags = OFlag::O_WRONLY | OFlag::O_CREAT | OFlag::O_EXCL;
                let to = open_at(dst, &name, flags, 0o600)?;
                io::copy(&mut std::fs::File::from(from), &mut std::fs::File::from(to))?;
            }
            libc::S_IFLNK => {
                let target = readlinkat(Some(src.as_raw_fd()), name.as_c_str())?;
                symlinkat(target.as_os_str(), Some(dst.as_raw_fd()), name.as_c_str())?;
            }
            libc::S_IFIFO => mknodat(
                Some(dst.as_raw_fd()),
                name.as_c_str(),
                SFlag::S_IFIFO,
                Mode::from_bits_truncate(0o600),
                0,
            )?,
            // Devices cannot be made in a user namespace, and a socket is no
            // content: left out, as the layer unpacker leaves devices out.
            _ => continue,
        }
        set_meta(dst, &name, &st)?;
    }
    Ok(())
}

/// Owner, then mode (a chown clears set-id bits), then times, of `name` in
/// `dir` as `st` has them; a symlink keeps its mode.
fn set_meta(dir: BorrowedFd, name: &CStr, st: &FileStat) -> io::Result<()> {
    chown_at(dir, name, st.st_uid, st.st_gid)?;
    if kind(st) != libc::S_IFLNK {
        let fd = open_at(dir, name, OFlag::O_PATH, 0)?;
        // fchmod on an O_PATH descriptor is refused: go through /proc.
        let path = format!("/proc/self/fd/{}", fd.as_raw_fd());
        let mode = Mode::from_bits_truncate(st.st_mode & 0o7777);
        nix::sys::stat::fchmodat(
            None,
            path.as_str(),
            mode,
            nix::sys::stat::FchmodatFlags::FollowSymlink,
        )?;
    }
    let atime = TimeSpec::new(st.st_atime, st.st_atime_nsec);
    let mtime = TimeSpec::new(st.st_mtime, st.st_mtime_nsec);
    utimensat(
        Some(dir.as_raw_fd()),
        name,
        &atime,
        &mtime,
        UtimensatFlags::NoFollowSymlink,
    )?;
    Ok(())
}

fn stat_at(dir: BorrowedFd, name: &CStr) -> io::Result<FileStat> {
    Ok(fstatat(
        Some(dir.as_raw_fd()),
        name,
        AtFlags::AT_SYMLINK_NOFOLLOW,
    )?)
}

fn kind(st: &FileStat) -> libc::mode_t {
    st.st_mode & libc::S_IFMT
}

fn names(dir: &impl AsFd) -> io::Result<Vec<CString>> {
    let mut d = Dir::from_fd(nix::unistd::dup(dir.as_fd().as_raw_fd())?)?;
    Ok(d.iter()
        .filter_map(Result::ok)
        .map(|e| e.file_name().to_owned())
        .filter(|n| !matches!(n.as_bytes(), b"." | b".."))
        .collect())
}

fn open_path(path: &Path) -> io::Result<OwnedFd> {
    let fd = nix::fcntl::open(
        path,
        OFlag::O_RDONLY | OFlag::O_DIRECTORY | OFlag::O_CLOEXEC,
        Mode::empty(),
    )?;
    // SAFETY: open just returned this descriptor; nobody else owns it.
    Ok(unsafe { OwnedFd::from_raw_fd(fd) })
}

fn open_at(dir: BorrowedFd, name: &CStr, flags: OFlag, mode: u32) -> io::Result<OwnedFd> {
    let fd = openat(
        Some(dir.as_raw_fd()),
        name,
        flags | OFlag::O_NOFOLLOW | OFlag::O_CLOEXEC,
        Mode::from_bits_truncate(mode),
    )?;
    // SAFETY: openat just returned this descriptor; nobody else owns it.
    Ok(unsafe { OwnedFd::from_raw_fd(fd) })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::{symlink, PermissionsExt};

    #[test]
    fn copy_up_copies_a_tree_and_follows_nothing_out_of_the_root() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("root");
        let data = root.join("data");
        std::fs::create_dir_all(data.join("sub")).unwrap();
        std::fs::write(data.join("sub/file"), "hello").unwrap();
        std::fs::set_permissions(
            data.join("sub/file"),
            std::fs::Permissions::from_mode(0o640),
        )
        .unwrap();
        symlink("/etc/passwd", data.join("link")).unwrap();
        // A target that leaves the root resolves inside it.
        symlink("../../..", root.join("escape")).unwrap();
        let target = dir.path().join("vol");
        std::fs::create_dir(&target).unwrap();
        copy_up(&root, "/data", &target).unwrap();
        assert_eq!(
            std::fs::read_to_string(target.join("sub/file")).unwrap(),
            "hello"
        );
        let mode = std::fs::metadata(target.join("sub/file"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o640);
        assert_eq!(
            std::fs::read_link(target.join("link")).unwrap(),
            Path::new("/etc/passwd")
        );
        // Not empty any more: a second copy leaves it alone.
        std::fs::write(data.join("new"), "x").unwrap();
        copy_up(&root, "/data", &target).unwrap();
        assert!(!target.join("new").exists());
        let outside = dir.path().join("vol2");
        std::fs::create_dir(&outside).unwrap();
        copy_up(&root, "/escape", &outside).unwrap();
        let copied: Vec<_> = std::fs::read_dir(&outside)
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert!(
            copied.iter().any(|n| n == "data"),
            "the root's own files: {copied:?}"
        );
        assert!(
            !copied.iter().any(|n| n == "vol"),
            "nothing from outside the root: {copied:?}"
        );
        copy_up(&root, "/missing", &outside).unwrap();
    }
}
