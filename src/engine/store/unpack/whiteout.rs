//! Whiteouts in overlayfs' `userxattr` format.

use super::attrs::chown;
use super::create::{locate, replacing};
use super::meta::Meta;
use super::path::EntryPath;
use super::sys;
use super::{io_err, shown, UnpackError, Unpacker};

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
        sys::fsetxattr(parent, c"user.overlay.opaque", b"y").map_err(io_err(
            raw,
            "mark its directory opaque (user.overlay.opaque)",
        ))
    }
}
