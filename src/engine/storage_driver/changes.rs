//! What a container wrote, in overlay's upper format, for `diff`, `commit`,
//! `build` and `ps -s`. Overlay keeps it as the upper dir. vfs keeps only the
//! whole copy, so it is worked out by comparing the copy with the layers, as
//! containers/storage's naive diff does: an entry not in the layers or not the
//! same (type, owner, mode, size, time, link target) is written, one the
//! layers have and the copy has not becomes a whiteout, and a directory goes
//! in whenever something under it does.

use super::copy::{self, Links};
use super::{Storage, StorageDriverError};
use crate::engine::monitor::rootfs::merged;
use crate::engine::store::unpack::{find_in_layers, is_opaque};
use std::collections::BTreeSet;
use std::ffi::OsString;
use std::fs::Metadata;
use std::io;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};

/// A container's changes in overlay's upper format; a vfs one is made for the
/// caller in the container's directory and goes when this does.
pub struct Upper {
    path: PathBuf,
    /// The directory made to hold it, removed with it.
    made: Option<PathBuf>,
}

impl Drop for Upper {
    fn drop(&mut self) {
        if let Some(made) = &self.made {
            let _ = std::fs::remove_dir_all(made);
        }
    }
}

impl Upper {
    /// A directory in upper format as it is (an image's top layer).
    pub fn at(path: PathBuf) -> Upper {
        Upper { path, made: None }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The changes of the container in `dir` over its `layers` (topmost first).
    pub fn of(
        storage: &Storage,
        dir: &Path,
        layers: &[PathBuf],
    ) -> Result<Upper, StorageDriverError> {
        if storage.driver.has_upper() {
            return Ok(Upper::at(dir.join("upper")));
        }
        let failed = |source| StorageDriverError::Changes {
            path: dir.to_owned(),
            source,
        };
        static MADE: AtomicU32 = AtomicU32::new(0);
        let made = dir.join(format!(
            "changes-{}-{}",
            std::process::id(),
            MADE.fetch_add(1, Ordering::Relaxed)
        ));
        let upper = Upper {
            path: made.join("upper"),
            made: Some(made),
        };
        std::fs::create_dir_all(&upper.path).map_err(failed)?;
        let copied = dir.join(super::mount::COPIED);
        if copied.exists() {
            let mut walk = Walk {
                lowers: layers,
                made_as: copy::recorded_dirs(&copied),
                copy: merged(dir),
                out: upper.path.clone(),
                links: Links::new(),
            };
            walk.dir(Path::new("")).map_err(failed)?;
        }
        Ok(upper)
    }
}

struct Walk<'a> {
    lowers: &'a [PathBuf],
    /// The copy's directories as it was made.
    made_as: std::collections::HashMap<PathBuf, copy::DirId>,
    copy: PathBuf,
    out: PathBuf,
    links: Links,
}

impl Walk<'_> {
    /// Writes what changed under `rel`; whether anything did.
    fn dir(&mut self, rel: &Path) -> io::Result<bool> {
        let mut changed = false;
        let mut names: Vec<OsString> = std::fs::read_dir(self.copy.join(rel))?
            .map(|e| e.map(|e| e.file_name()))
            .collect::<Result<_, _>>()?;
        names.sort();
        for name in &names {
            changed |= self.entry(&rel.join(name))?;
        }
        for name in lower_names(self.lowers, rel) {
            let gone = rel.join(&name);
            if std::fs::symlink_metadata(self.copy.join(&gone)).is_err()
                && find_in_layers(self.lowers, &gone).is_some()
            {
                self.parent_of(&gone)?;
                whiteout(&self.out.join(&gone))?;
                changed = true;
            }
        }
        Ok(changed)
    }

    fn entry(&mut self, rel: &Path) -> io::Result<bool> {
        let from = self.copy.join(rel);
        let meta = std::fs::symlink_metadata(&from)?;
        let to = self.out.join(rel);
        let Some((below, old)) = find_in_layers(self.lowers, rel) else {
            self.parent_of(rel)?;
            copy::entry_into(&from, &to, &meta, &mut self.links)?;
            return Ok(true);
        };
        let remade = self
            .made_as
            .get(rel)
            .is_some_and(|made| made.remade_as(&copy::DirId::of(&meta)));
        if meta.is_dir() && old.is_dir() && !remade {
            let within = self.dir(rel)?;
            if within || !same(&meta, &old, &from, &below) {
                self.parent_of(rel)?;
                if !to.exists() {
                    std::fs::create_dir(&to)?;
                }
                copy::set_meta(&from, &to, &meta)?;
                return Ok(true);
            }
            return Ok(false);
        }
        if !meta.is_dir() && same(&meta, &old, &from, &below) {
            return Ok(false);
        }
        self.parent_of(rel)?;
        copy::entry_into(&from, &to, &meta, &mut self.links)?;
        if meta.is_dir() {
            // What was a file below, or a directory removed and made again,
            // is a new directory: nothing of the layers shows through it, as
            // overlay marks such a directory.
            opaque(&to)?;
        }
        Ok(true)
    }

    /// The directories leading to `rel` in the output; their owners and times
    /// are set as the walk leaves each one.
    fn parent_of(&self, rel: &Path) -> io::Result<()> {
        match rel.parent() {
            Some(parent) => std::fs::create_dir_all(self.out.join(parent)),
            None => Ok(()),
        }
    }
}

/// The same entry, as far as its metadata and link target tell.
fn same(a: &Metadata, b: &Metadata, a_path: &Path, b_path: &Path) -> bool {
    let same_meta = a.file_type() == b.file_type()
        && a.mode() == b.mode()
        && a.uid() == b.uid()
        && a.gid() == b.gid()
        && a.rdev() == b.rdev()
        && (a.is_dir() || a.len() == b.len())
        && a.mtime() == b.mtime()
        && a.mtime_nsec() == b.mtime_nsec();
    match same_meta && a.file_type().is_symlink() {
        true => std::fs::read_link(a_path).ok() == std::fs::read_link(b_path).ok(),
        false => same_meta,
    }
}

/// Every name the layers have in the directory `rel`, down to the first layer
/// whose directory there is opaque.
fn lower_names(lowers: &[PathBuf], rel: &Path) -> BTreeSet<OsString> {
    let mut names = BTreeSet::new();
    for layer in lowers {
        let dir = layer.join(rel);
        if let Ok(entries) = std::fs::read_dir(&dir) {
            names.extend(entries.flatten().map(|e| e.file_name()));
            if is_opaque(&dir) {
                break;
            }
        }
    }
    names
}

fn whiteout(path: &Path) -> io::Result<()> {
    nix::sys::stat::mknod(
        path,
        nix::sys::stat::SFlag::S_IFCHR,
        nix::sys::stat::Mode::empty(),
        0,
    )?;
    Ok(())
}

fn opaque(dir: &Path) -> io::Result<()> {
    xattr_set(dir, "user.overlay.opaque", b"y")
}

fn xattr_set(path: &Path, name: &str, value: &[u8]) -> io::Result<()> {
    use std::os::unix::ffi::OsStrExt;
    let c = std::ffi::CString::new(path.as_os_str().as_bytes()).map_err(io::Error::other)?;
    let name = std::ffi::CString::new(name).map_err(io::Error::other)?;
    // SAFETY: valid C strings and a buffer of the given length.
    let rc = unsafe {
        libc::lsetxattr(
            c.as_ptr(),
            name.as_ptr(),
            value.as_ptr().cast(),
            value.len(),
            0,
        )
    };
    match rc {
        0 => Ok(()),
        _ => Err(io::Error::last_os_error()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;

    #[test]
    fn a_copy_compared_with_its_layers_gives_overlays_upper_dir() {
        let dir = tempfile::tempdir().unwrap();
        let layer = dir.path().join("layer");
        fs::create_dir_all(layer.join("etc")).unwrap();
        fs::create_dir_all(layer.join("bin")).unwrap();
        fs::write(layer.join("etc/kept"), "k").unwrap();
        fs::write(layer.join("etc/changed"), "c").unwrap();
        fs::write(layer.join("bin/sh"), "sh").unwrap();
        let container = dir.path().join("c");
        fs::create_dir_all(merged(&container)).unwrap();
        let storage = Storage::new(super::super::Driver::Vfs);
        let layers = vec![layer.clone()];
        super::super::mount::mount(&storage, &container, &layers, false).unwrap();
        let root = merged(&container);
        fs::write(root.join("etc/changed"), "changed!").unwrap();
        fs::write(root.join("etc/new"), "n").unwrap();
        fs::remove_file(root.join("bin/sh")).unwrap();
        let upper = Upper::of(&storage, &container, &layers).unwrap();
        let p = upper.path();
        assert_eq!(
            fs::read_to_string(p.join("etc/changed")).unwrap(),
            "changed!"
        );
        assert_eq!(fs::read_to_string(p.join("etc/new")).unwrap(), "n");
        assert!(!p.join("etc/kept").exists());
        let sh = fs::symlink_metadata(p.join("bin/sh"));
        // Unprivileged outside a user namespace, a whiteout cannot be made.
        if let Ok(sh) = sh {
            assert!(crate::engine::store::unpack::is_whiteout(&sh));
        }
    }

    #[test]
    fn a_directory_removed_and_made_again_is_opaque() {
        let dir = tempfile::tempdir().unwrap();
        let layer = dir.path().join("layer");
        fs::create_dir_all(layer.join("root")).unwrap();
        let container = dir.path().join("c");
        fs::create_dir_all(merged(&container)).unwrap();
        let storage = Storage::new(super::super::Driver::Vfs);
        let layers = vec![layer.clone()];
        super::super::mount::mount(&storage, &container, &layers, false).unwrap();
        let root = merged(&container).join("root");
        std::thread::sleep(std::time::Duration::from_millis(20));
        fs::remove_dir_all(&root).unwrap();
        fs::create_dir(&root).unwrap();
        let upper = Upper::of(&storage, &container, &layers).unwrap();
        assert!(is_opaque(&upper.path().join("root")));
    }
}
