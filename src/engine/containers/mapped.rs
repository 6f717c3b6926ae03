//! The image's layers as a container with a user namespace of its own
//! (`--userns`) must see them: owned by the ids its users have there.
//!
//! The kernel's idmapped mounts would do this without a copy, but not here: an
//! unprivileged user may not idmap the layers' file system (the kernel wants
//! CAP_SYS_ADMIN over its superblock, which belongs to the host), and overlay
//! itself cannot be idmapped (EINVAL: no FS_ALLOW_IDMAP; checked on 6.18). So, as
//! containers/storage does when it cannot idmap, the container gets a copy of
//! the layers with every owner shifted, in its own directory (it goes with the
//! container). Without it a keep-id container would see the image's root files
//! as the caller's, and an auto one could not even create /proc in its rootfs.

use crate::engine::userns::shift::to_disk;
use crate::engine::userns::Mappings;
use nix::fcntl::AtFlags;
use nix::sys::stat::{mknod, Mode, SFlag};
use nix::unistd::{fchownat, Gid, Uid};
use std::collections::HashMap;
use std::ffi::CString;
use std::io;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::{FileTypeExt, MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};

/// Copies `layers` (topmost first) into `dir`, shifted for `maps`; returns the
/// copies in the same order.
pub fn copy_layers(layers: &[PathBuf], dir: &Path, maps: &Mappings) -> io::Result<Vec<PathBuf>> {
    let mut copies = Vec::new();
    for (n, layer) in layers.iter().enumerate() {
        let target = dir.join(n.to_string());
        std::fs::create_dir_all(dir)?;
        let mut links = HashMap::new();
        copy_entry(layer, &target, maps, &mut links)?;
        copies.push(target);
    }
    Ok(copies)
}

/// Gives `path` (the container's upper dir: overlay's root takes its owner) to
/// the container's root.
pub fn give_to_root(path: &Path, maps: &Mappings) -> io::Result<()> {
    chown(path, to_disk(&maps.uids, 0), to_disk(&maps.gids, 0))
}

fn copy_entry(
    from: &Path,
    to: &Path,
    maps: &Mappings,
    links: &mut HashMap<(u64, u64), PathBuf>,
) -> io::Result<()> {
    let meta = std::fs::symlink_metadata(from)?;
    let kind = meta.file_type();
    if kind.is_file() && meta.nlink() > 1 {
        if let Some(first) = links.get(&(meta.dev(), meta.ino())) {
            return std::fs::hard_link(first, to);
        }
        links.insert((meta.dev(), meta.ino()), to.to_owned());
    }
    if kind.is_dir() {
        std::fs::create_dir(to)?;
    } else if kind.is_symlink() {
        std::os::unix::fs::symlink(std::fs::read_link(from)?, to)?;
    } else if kind.is_file() {
        std::fs::copy(from, to)?;
    } else if kind.is_char_device() || kind.is_fifo() {
        // Whiteouts (0/0) and fifos; other devices are never unpacked rootless.
        let sflag = if kind.is_fifo() {
            SFlag::S_IFIFO
        } else {
            SFlag::S_IFCHR
        };
        mknod(to, sflag, Mode::from_bits_truncate(0o600), meta.rdev()).map_err(io::Error::from)?;
    } else {
        return Ok(());
    }
    copy_xattrs(from, to)?;
    chown(
        to,
        to_disk(&maps.uids, meta.uid()),
        to_disk(&maps.gids, meta.gid()),
    )?;
    // After chown, which clears set-id bits.
    if !kind.is_symlink() {
        std::fs::set_permissions(to, std::fs::Permissions::from_mode(meta.mode() & 0o7777))?;
    }
    if kind.is_dir() {
        for entry in std::fs::read_dir(from)? {
            let name = entry?.file_name();
            copy_entry(&from.join(&name), &to.join(&name), maps, links)?;
        }
    }
    Ok(())
}

fn chown(path: &Path, uid: u32, gid: u32) -> io::Result<()> {
    fchownat(
        None,
        path,
        Some(Uid::from_raw(uid)),
        Some(Gid::from_raw(gid)),
        AtFlags::AT_SYMLINK_NOFOLLOW,
    )
    .map_err(io::Error::from)
}

/// The `user.` attributes, which carry overlay's opaque markers; others
/// (`trusted.`, `security.`) cannot be written in a user namespace.
fn copy_xattrs(from: &Path, to: &Path) -> io::Result<()> {
    let (from, to) = (c_path(from)?, c_path(to)?);
    let mut names = vec![0u8; 4096];
    // SAFETY: a valid C string and a buffer of the given length.
    let len = unsafe { libc::llistxattr(from.as_ptr(), names.as_mut_ptr().cast(), names.len()) };
    if len <= 0 {
        return Ok(());
    }
    names.truncate(len as usize);
    for name in names.split(|&b| b == 0).filter(|n| n.starts_with(b"user.")) {
        let name = CString::new(name)?;
        let mut value = vec![0u8; 4096];
        // SAFETY: valid C strings and a buffer of the given length.
        let len = unsafe {
            libc::lgetxattr(
                from.as_ptr(),
                name.as_ptr(),
                value.as_mut_ptr().cast(),
                value.len(),
            )
        };
        if len < 0 {
            continue;
        }
        // SAFETY: valid C strings and `len` bytes of value.
        let set = unsafe {
            libc::lsetxattr(
                to.as_ptr(),
                name.as_ptr(),
                value.as_ptr().cast(),
                len as usize,
                0,
            )
        };
        if set < 0 {
            return Err(io::Error::last_os_error());
        }
    }
    Ok(())
}

fn c_path(path: &Path) -> io::Result<CString> {
    Ok(CString::new(path.as_os_str().as_bytes())?)
}
