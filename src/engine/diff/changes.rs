//! What a directory in overlay's upper format changes over the layers below it,
//! as containers/storage's overlay driver works it out for `podman diff`: every
//! entry of the upper dir is added, changed or (a whiteout) deleted, the parent
//! of an added or deleted entry counts as changed, and what an opaque directory
//! hides is deleted.

use crate::engine::store::unpack::{find_in_layers, is_opaque, is_whiteout};
use std::collections::{BTreeSet, HashSet};
use std::fs::Metadata;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Added,
    Changed,
    Deleted,
}

impl Kind {
    /// Podman's letter for it.
    pub fn letter(self) -> char {
        match self {
            Kind::Added => 'A',
            Kind::Changed => 'C',
            Kind::Deleted => 'D',
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    pub kind: Kind,
    /// Absolute, as the container sees it: `/etc/passwd`.
    pub path: String,
}

/// The changes `upper` makes over `lowers` (topmost first), parents before
/// their children and names in byte order, as a walk of the upper dir finds them.
pub fn changes(upper: &Path, lowers: &[PathBuf]) -> std::io::Result<Vec<Change>> {
    let mut walk = Walk {
        lowers,
        changes: Vec::new(),
        recorded: HashSet::new(),
    };
    walk.dir(upper, "", false)?;
    Ok(walk.changes)
}

struct Walk<'a> {
    lowers: &'a [PathBuf],
    changes: Vec<Change>,
    /// Directories already listed (so a parent is listed once).
    recorded: HashSet<String>,
}

impl Walk<'_> {
    /// `hidden`: an opaque directory above hides the lower layers here.
    fn dir(&mut self, dir: &Path, rel: &str, hidden: bool) -> std::io::Result<()> {
        let mut names: Vec<_> = std::fs::read_dir(dir)?
            .map(|e| e.map(|e| e.file_name()))
            .collect::<Result<_, _>>()?;
        names.sort();
        for name in names {
            let path = dir.join(&name);
            let rel = format!("{rel}/{}", name.to_string_lossy());
            let meta = std::fs::symlink_metadata(&path)?;
            let below = match hidden {
                true => None,
                false => find_in_layers(self.lowers, Path::new(&rel)).map(|(_, meta)| meta),
            };
            self.entry(&path, &rel, &meta, below.as_ref());
            if meta.is_dir() {
                let opaque = !hidden && below.is_some() && is_opaque(&path);
                self.dir(&path, &rel, hidden || opaque)?;
                if opaque {
                    self.hidden_by(&path, &rel);
                }
            }
        }
        Ok(())
    }

    /// An opaque directory hides what the layers had in it: each of those
    /// entries that it does not have again is deleted, as Podman lists them.
    fn hidden_by(&mut self, dir: &Path, rel: &str) {
        let mut names = BTreeSet::new();
        for layer in self.lowers {
            if let Ok(entries) = std::fs::read_dir(layer.join(rel.trim_start_matches('/'))) {
                names.extend(entries.flatten().map(|e| e.file_name()));
            }
        }
        for name in names {
            let path = format!("{rel}/{}", name.to_string_lossy());
            if std::fs::symlink_metadata(dir.join(&name)).is_err()
                && find_in_layers(self.lowers, Path::new(&path)).is_some()
            {
                self.changes.push(Change {
                    kind: Kind::Deleted,
                    path,
                });
            }
        }
    }

    fn entry(&mut self, path: &Path, rel: &str, meta: &Metadata, below: Option<&Metadata>) {
        let kind = match below {
            // A whiteout of nothing (the file was made and removed in this layer)
            // changes nothing.
            None if is_whiteout(meta) => return,
            Some(_) if is_whiteout(meta) => Kind::Deleted,
            None => Kind::Added,
            // A directory that is only the way to something changed below it is
            // not itself a change; one whose contents were replaced (opaque) is.
            Some(old) if meta.is_dir() && old.is_dir() && same_dir(meta, old) => {
                if !is_opaque(path) {
                    return;
                }
                Kind::Changed
            }
            Some(_) => Kind::Changed,
        };
        if kind != Kind::Changed {
            let parent = rel.rsplit_once('/').map_or("", |(p, _)| p);
            if !parent.is_empty() && self.recorded.insert(parent.to_owned()) {
                self.changes.push(Change {
                    kind: Kind::Changed,
                    path: parent.to_owned(),
                });
            }
        }
        if meta.is_dir() {
            self.recorded.insert(rel.to_owned());
        }
        self.changes.push(Change {
            kind,
            path: rel.to_owned(),
        });
    }
}

/// containers/storage's test: the same size, mode and modification time.
fn same_dir(a: &Metadata, b: &Metadata) -> bool {
    a.len() == b.len()
        && a.mode() == b.mode()
        && a.mtime() == b.mtime()
        && a.mtime_nsec() == b.mtime_nsec()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;

    fn listed(changes: &[Change]) -> Vec<String> {
        changes
            .iter()
            .map(|c| format!("{} {}", c.kind.letter(), c.path))
            .collect()
    }

    fn whiteout(path: &Path) -> bool {
        let c = std::ffi::CString::new(path.as_os_str().as_encoded_bytes()).unwrap();
        // SAFETY: a valid C string; a 0:0 character device is a whiteout.
        unsafe { libc::mknod(c.as_ptr(), libc::S_IFCHR, 0) == 0 }
    }

    #[test]
    fn added_changed_and_deleted() {
        let dir = tempfile::tempdir().unwrap();
        let (upper, lower) = (dir.path().join("upper"), dir.path().join("lower"));
        fs::create_dir_all(lower.join("etc/sub")).unwrap();
        fs::write(lower.join("etc/passwd"), "root").unwrap();
        fs::write(lower.join("etc/motd"), "hi").unwrap();
        fs::write(lower.join("etc/sub/keep"), "k").unwrap();
        fs::create_dir_all(upper.join("etc/sub")).unwrap();
        fs::write(upper.join("etc/passwd"), "root\nme").unwrap();
        fs::write(upper.join("new"), "x").unwrap();
        fs::write(upper.join("etc/sub/added"), "a").unwrap();
        // A directory with the lower one's times is no change of its own; it is
        // listed as the parent of what was added in it.
        let sub = fs::metadata(lower.join("etc/sub")).unwrap();
        let times = fs::FileTimes::new().set_modified(sub.modified().unwrap());
        fs::File::open(upper.join("etc/sub"))
            .unwrap()
            .set_times(times)
            .unwrap();
        if !whiteout(&upper.join("etc/motd")) {
            return; // no mknod here (an unprivileged sandbox): nothing to test
        }
        let changes = changes(&upper, &[lower]).unwrap();
        let mut got = listed(&changes);
        // Whether /etc itself changed depends on its times: leave it out.
        got.retain(|l| l != "C /etc");
        assert_eq!(
            got,
            [
                "D /etc/motd",
                "C /etc/passwd",
                "C /etc/sub",
                "A /etc/sub/added",
                "A /new"
            ]
        );
    }

    #[test]
    fn a_whiteout_of_nothing_is_no_change() {
        let dir = tempfile::tempdir().unwrap();
        let (upper, lower) = (dir.path().join("upper"), dir.path().join("lower"));
        fs::create_dir_all(&upper).unwrap();
        fs::create_dir_all(&lower).unwrap();
        if !whiteout(&upper.join("gone")) {
            return;
        }
        assert!(changes(&upper, &[lower]).unwrap().is_empty());
    }

    #[test]
    fn what_an_opaque_directory_hides_is_deleted() {
        let dir = tempfile::tempdir().unwrap();
        let (upper, lower) = (dir.path().join("upper"), dir.path().join("lower"));
        fs::create_dir_all(lower.join("bin/sub")).unwrap();
        fs::write(lower.join("bin/sh"), "sh").unwrap();
        fs::write(lower.join("bin/kept"), "k").unwrap();
        fs::create_dir_all(upper.join("bin")).unwrap();
        fs::write(upper.join("bin/new"), "n").unwrap();
        fs::write(upper.join("bin/kept"), "k2").unwrap();
        let path =
            std::ffi::CString::new(upper.join("bin").as_os_str().as_encoded_bytes()).unwrap();
        // SAFETY: valid C strings and a buffer of the given length.
        let set = unsafe {
            libc::setxattr(
                path.as_ptr(),
                c"user.overlay.opaque".as_ptr(),
                b"y".as_ptr().cast(),
                1,
                0,
            )
        };
        if set != 0 {
            return; // no user xattrs on this file system: nothing to test
        }
        let got = listed(&changes(&upper, &[lower]).unwrap());
        assert_eq!(
            got,
            [
                "C /bin",
                "A /bin/kept",
                "A /bin/new",
                "D /bin/sh",
                "D /bin/sub"
            ]
        );
    }
}
