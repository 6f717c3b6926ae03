//! A container's rootfs at `merged` in its directory: an overlay of its layers
//! under its upper dir (the kernel's, or a mount program's), or with vfs a full
//! copy of its layers made on its first start and kept for its life.

use super::{copy, fuse, Driver, Storage, StorageDriverError};
use crate::engine::monitor::rootfs::{is_mounted, merged};
use nix::mount::{mount as sys_mount, umount2, MntFlags, MsFlags};
use std::path::{Path, PathBuf};

/// Present in a vfs container's directory once its copy is whole: the
/// copy's directories as they were made (copy::record_dirs).
pub(super) const COPIED: &str = "vfs-copied";

/// The container's rootfs, ready at `merged`. `throwaway` (a `--rm` container)
/// mounts the kernel overlay `volatile`, as Podman does: its writes are never
/// synced, so unmounting it does not wait for a sync of the whole file system
/// (over 100 ms on a busy disk). A rootfs mounted already is used as it is: a
/// second overlay on the same upper dir would not see the first one's writes.
pub fn mount(
    storage: &Storage,
    dir: &Path,
    layers: &[PathBuf],
    throwaway: bool,
) -> Result<PathBuf, StorageDriverError> {
    mount_for(storage, dir, layers, throwaway, fuse::Server::ForCaller)
}

/// The rootfs for `coracle mount`, kept after the command exits: a
/// fuse-overlay server then lives until the rootfs is unmounted.
pub fn mount_lasting(
    storage: &Storage,
    dir: &Path,
    layers: &[PathBuf],
) -> Result<PathBuf, StorageDriverError> {
    mount_for(storage, dir, layers, false, fuse::Server::UntilUnmounted)
}

fn mount_for(
    storage: &Storage,
    dir: &Path,
    layers: &[PathBuf],
    throwaway: bool,
    server: fuse::Server,
) -> Result<PathBuf, StorageDriverError> {
    let merged = merged(dir);
    if is_mounted(dir) {
        return Ok(merged);
    }
    match (storage.driver, &storage.mount_program) {
        (Driver::Vfs, _) => copied(dir, layers)?,
        (Driver::FuseOverlay, _) => fuse::mount(dir, layers, server)?,
        (Driver::Overlay, Some(program)) => with_program(program, dir, layers)?,
        (Driver::Overlay, None) => kernel(dir, layers, throwaway)?,
    }
    Ok(merged)
}

/// Takes the overlay away (a vfs copy stays: it is the container's).
/// Detached, as containers/storage unmounts: a shell still in the tree does
/// not keep the mount from going. A mount program's server (or coracle's
/// own FUSE server) exits with it.
pub fn unmount(dir: &Path) {
    let _ = umount2(&merged(dir), MntFlags::MNT_DETACH);
}

/// The layers, topmost first, as overlay's `lowerdir`. Overlay refuses a lower
/// dir named twice (ELOOP). Layers are kept by content, so a layer that comes
/// again (two build steps that changed the same nothing) is the same
/// directory; its topmost place shadows every lower one, which can go.
fn lowerdir(layers: &[PathBuf]) -> String {
    let mut seen = std::collections::HashSet::new();
    layers
        .iter()
        .filter(|l| seen.insert(*l))
        .map(|l| l.display().to_string())
        .collect::<Vec<_>>()
        .join(":")
}

fn kernel(dir: &Path, layers: &[PathBuf], throwaway: bool) -> Result<(), StorageDriverError> {
    // userxattr: the layers mark opaque dirs with user.overlay.opaque (trusted.*
    // cannot be written in a user namespace), and it is required there anyway.
    let mut options = format!(
        "lowerdir={},upperdir={},workdir={},userxattr",
        lowerdir(layers),
        dir.join("upper").display(),
        dir.join("work").display()
    );
    if throwaway {
        options.push_str(",volatile");
        clear_volatile_mark(dir)?;
    }
    sys_mount(
        Some("overlay"),
        &merged(dir),
        Some("overlay"),
        MsFlags::empty(),
        Some(options.as_str()),
    )
    .map_err(|e| StorageDriverError::Overlay(e.desc().to_owned()))
}

/// A volatile overlay marks its work dir (work/incompat/volatile), and the
/// kernel refuses to mount that work dir again (EINVAL) for fear that a crash
/// left the never-synced upper dir torn. A `--rm` run killed before its end
/// leaves its container created with the mark; its upper dir is throwaway by
/// the user's own choice, so the mark goes rather than the container with it.
fn clear_volatile_mark(dir: &Path) -> Result<(), StorageDriverError> {
    let mark = dir.join("work/work/incompat/volatile");
    match std::fs::remove_dir_all(&mark) {
        Err(source) if source.kind() != std::io::ErrorKind::NotFound => {
            Err(StorageDriverError::VolatileMark { path: mark, source })
        }
        _ => Ok(()),
    }
}

/// An external overlay server (fuse-overlayfs), run as containers/storage runs
/// it; it goes into the background and serves until the rootfs is unmounted.
fn with_program(program: &Path, dir: &Path, layers: &[PathBuf]) -> Result<(), StorageDriverError> {
    let options = format!(
        "lowerdir={},upperdir={},workdir={}",
        lowerdir(layers),
        dir.join("upper").display(),
        dir.join("work").display()
    );
    let failed = |message: String| StorageDriverError::MountProgram {
        program: program.to_owned(),
        message,
    };
    let out = std::process::Command::new(program)
        .arg("-o")
        .arg(options)
        .arg(merged(dir))
        .stdin(std::process::Stdio::null())
        .output()
        .map_err(|e| failed(e.to_string()))?;
    if !out.status.success() {
        let stderr = String::from_utf8_lossy(&out.stderr);
        return Err(failed(format!("{} ({})", stderr.trim(), out.status)));
    }
    Ok(())
}

/// vfs: the layers copied into `merged` once. A copy cut short (killed) is
/// thrown away and made again.
fn copied(dir: &Path, layers: &[PathBuf]) -> Result<(), StorageDriverError> {
    let marker = dir.join(COPIED);
    if marker.exists() {
        return Ok(());
    }
    let target = merged(dir);
    let failed = |source| StorageDriverError::Copy {
        path: target.clone(),
        source,
    };
    if target.exists() {
        std::fs::remove_dir_all(&target).map_err(failed)?;
    }
    std::fs::create_dir_all(&target).map_err(failed)?;
    copy::layers(layers, &target).map_err(failed)?;
    copy::record_dirs(&target, &marker).map_err(failed)
}
