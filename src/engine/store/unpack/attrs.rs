//! Owner, xattrs and mode of an entry, from its header.

use std::ffi::CStr;
use std::io;
use std::os::fd::BorrowedFd;

use log::debug;

use super::meta::Meta;
use super::sys;
use super::{io_err, shown, UnpackError, UnpackOptions};

/// Owner, xattrs, then mode, on an open file or directory. The order matters:
/// chown clears setuid/setgid and security.capability.
pub(super) fn apply_meta(
    fd: BorrowedFd,
    meta: &Meta,
    opts: &UnpackOptions,
    raw: &[u8],
) -> Result<(), UnpackError> {
    chown(sys::fchown(fd, meta.uid, meta.gid), meta, opts, raw)?;
    set_xattrs(meta, raw, |k, v| sys::fsetxattr(fd, k, v))?;
    sys::fchmod(fd, meta.mode).map_err(io_err(raw, "set its mode"))
}

pub(super) fn chown(
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
pub(super) fn set_xattrs(
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
