//! Whiteouts in overlayfs' `userxattr` format: writing them, and reading the
//! opaque marker back for those who look through layers without mounting them.

use super::attrs::chown;
use super::create::{locate, replacing};
use super::meta::Meta;
use super::path::EntryPath;
use super::sys;
use super::{io_err, shown, UnpackError, Unpacker};
use std::ffi::{CStr, CString};
use std::os::unix::ffi::OsStrExt;
use std::path::Path;

/// Overlay (mounted with `userxattr`) reads this xattr, set to `y`, on a
/// directory that hides what lower layers have there.
const OPAQUE: &CStr = c"user.overlay.opaque";

/// Whether the directory at `path` (not followed if a symlink) is opaque.
pub fn is_opaque(path: &Path) -> bool {
    let Ok(path) = CString::new(path.as_os_str().as_bytes()) else {
        return false;
    };
    let mut value = [0u8; 2];
    // SAFETY: valid C strings and a buffer of the given length.
    let len = unsafe {
        libc::lgetxattr(
            path.as_ptr(),
            OPAQUE.as_ptr(),
            value.as_mut_ptr().cast(),
            value.len(),
        )
    };
    len == 1 && value[0] == b'y'
}

impl Unpacker<'_> {
    /// `.wh.NAME`: a 0:0 character device named NAME, owned as the header says.
    /// Unprivileged user namespaces may create exactly this device (Linux >= 5.8).
    pub(super) fn whiteout(
        &mut self,
        path: &EntryPath,
        meta: &Meta,
        raw: &[u8],
    ) -> Result<(), UnpackError> {
        let (dir, name) = path.split();
        if name.is_empty() || name == b"." || name == b".." {
            return Err(UnpackError::Invalid {
                name: shown(raw),
                why: "a whiteout of no name",
            });
        }
        let (parent, name) = locate(&mut self.root, dir, name, raw)?;
        let name = &name;
        replacing(
            parent,
            name,
            path,
            &mut self.dir_times,
            raw,
            "create the whiteout device",
            || sys::mknodat(parent, name, libc::S_IFCHR, libc::makedev(0, 0)),
        )?;
        chown(
            sys::lchownat(parent, name, meta.uid, meta.gid),
            meta,
            self.opts,
            raw,
        )
    }

    /// `.wh..wh..opq`: the directory holding it hides what lower layers have there.
    pub(super) fn opaque(&mut self, path: &EntryPath, raw: &[u8]) -> Result<(), UnpackError> {
        let (dir, _) = path.split();
        let parent = self
            .root
            .parent(dir)
            .map_err(io_err(raw, "resolve its directory"))?;
        sys::fsetxattr(parent, OPAQUE, b"y").map_err(io_err(
            raw,
            "mark its directory opaque (user.overlay.opaque)",
        ))
    }
}
