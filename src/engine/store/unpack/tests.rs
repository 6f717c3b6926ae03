//! Unpacking real tars built in memory: every entry type, metadata, whiteouts, hostile layers.
//!
//! Tests that need real root (chown to other ids, mknod of devices) return early
//! when not run as root.

use std::ffi::CString;
use std::fs;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::{FileTypeExt, MetadataExt};
use std::path::{Path, PathBuf};

use tar::{EntryType, Header};

use super::{unpack_layer, UnpackError, UnpackOptions, UnpackStats};

const MTIME: u64 = 1_600_000_000;

/// A tar written header by header, with names put in raw so that hostile ones
/// (which the tar crate's own setters refuse) can be written too.
struct Layer(tar::Builder<Vec<u8>>);

struct Entry<'a> {
    kind: EntryType,
    name: &'a [u8],
    link: &'a [u8],
    data: &'a [u8],
    mode: u32,
    uid: u64,
    gid: u64,
    mtime: u64,
    dev: (u32, u32),
}

impl<'a> Entry<'a> {
    fn new(kind: EntryType, name: &'a str) -> Self {
        let mode = if kind == EntryType::Directory {
            0o755
        } else {
            0o644
        };
        // Our own ids, so that the tests not about ownership pass without root.
        let (uid, gid) = (
            nix::unistd::geteuid().as_raw().into(),
            nix::unistd::getegid().as_raw().into(),
        );
        Entry {
            kind,
            name: name.as_bytes(),
            link: b"",
            data: b"",
            mode,
            uid,
            gid,
            mtime: MTIME,
            dev: (0, 0),
        }
    }
}

impl Layer {
    fn new() -> Self {
        Layer(tar::Builder::new(Vec::new()))
    }

    fn add(&mut self, e: Entry) -> &mut Self {
        let mut h = Header::new_gnu();
        h.as_old_mut().name[..e.name.len()].copy_from_slice(e.name);
        h.as_old_mut().linkname[..e.link.len()].copy_from_slice(e.link);
        h.set_entry_type(e.kind);
        h.set_size(e.data.len() as u64);
        h.set_mode(e.mode);
        h.set_uid(e.uid);
        h.set_gid(e.gid);
        h.set_mtime(e.mtime);
        h.set_device_major(e.dev.0).unwrap();
        h.set_device_minor(e.dev.1).unwrap();
        h.set_cksum();
        self.0.append(&h, e.data).unwrap();
        self
    }

    fn dir(&mut self, name: &str) -> &mut Self {
        self.add(Entry::new(EntryType::Directory, name))
    }

    fn file(&mut self, name: &str, data: &str) -> &mut Self {
        self.add(Entry {
            data: data.as_bytes(),
            ..Entry::new(EntryType::Regular, name)
        })
    }

    fn symlink(&mut self, name: &str, target: &str) -> &mut Self {
        self.add(Entry {
            link: target.as_bytes(),
            mode: 0o777,
            ..Entry::new(EntryType::Symlink, name)
        })
    }

    fn hardlink(&mut self, name: &str, target: &str) -> &mut Self {
        self.add(Entry {
            link: target.as_bytes(),
            ..Entry::new(EntryType::Link, name)
        })
    }

    /// A PAX extended header for the entry that follows.
    fn pax(&mut self, records: &[(&str, &[u8])]) -> &mut Self {
        let mut data = Vec::new();
        for (key, value) in records {
            let body_len = 1 + key.len() + 1 + value.len() + 1;
            // The length counts its own digits.
            let mut len = body_len + 1;
            while len != body_len + len.to_string().len() {
                len = body_len + len.to_string().len();
            }
            data.extend_from_slice(format!("{len} {key}=").as_bytes());
            data.extend_from_slice(value);
            data.push(b'\n');
        }
        self.add(Entry {
            data: &data,
            ..Entry::new(EntryType::XHeader, "PaxHeader")
        })
    }

    fn bytes(&mut self) -> Vec<u8> {
        let mut b = std::mem::replace(&mut self.0, tar::Builder::new(Vec::new()));
        b.finish().unwrap();
        b.into_inner().unwrap()
    }
}

const OPTS: UnpackOptions = UnpackOptions {
    ignore_chown_errors: false,
    skip_devices: false,
    ids: None,
    keep_kinds: false,
};

/// A scratch area: `dest` is the layer, `outside` sits beside it and must stay
/// untouched by hostile layers.
struct Scratch {
    _tmp: tempfile::TempDir,
    dest: PathBuf,
    outside: PathBuf,
}

fn scratch() -> Scratch {
    let tmp = tempfile::tempdir().unwrap();
    let dest = tmp.path().join("layer");
    let outside = tmp.path().join("outside");
    fs::create_dir(&dest).unwrap();
    fs::create_dir(&outside).unwrap();
    fs::write(outside.join("secret"), "secret").unwrap();
    Scratch {
        _tmp: tmp,
        dest,
        outside,
    }
}

impl Scratch {
    fn unpack(&self, layer: &mut Layer) -> Result<UnpackStats, UnpackError> {
        self.unpack_with(layer, &OPTS)
    }

    fn unpack_with(
        &self,
        layer: &mut Layer,
        opts: &UnpackOptions,
    ) -> Result<UnpackStats, UnpackError> {
        unpack_layer(&layer.bytes()[..], &self.dest, opts)
    }

    fn at(&self, rel: &str) -> PathBuf {
        self.dest.join(rel)
    }

    fn lstat(&self, rel: &str) -> fs::Metadata {
        fs::symlink_metadata(self.at(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
    }

    fn exists(&self, rel: &str) -> bool {
        fs::symlink_metadata(self.at(rel)).is_ok()
    }

    /// Nothing was created, changed or removed beside the layer.
    fn assert_outside_untouched(&self) {
        let names: Vec<_> = fs::read_dir(&self.outside)
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, ["secret"], "something appeared outside the layer");
        assert_eq!(
            fs::read_to_string(self.outside.join("secret")).unwrap(),
            "secret"
        );
        let parent = self.outside.parent().unwrap();
        let mut beside: Vec<_> = fs::read_dir(parent)
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        beside.sort();
        assert_eq!(
            beside,
            ["layer", "outside"],
            "something appeared beside the layer"
        );
    }
}

fn is_root() -> bool {
    nix::unistd::geteuid().is_root()
}

/// Root with more than one id mapped: chown to other ids works.
fn can_chown() -> bool {
    let map = fs::read_to_string("/proc/self/uid_map").unwrap_or_default();
    let ids: u64 = map
        .lines()
        .filter_map(|l| l.split_whitespace().nth(2)?.parse::<u64>().ok())
        .sum();
    is_root() && ids > 1
}

/// Root outside any user namespace: only it may create device nodes.
fn is_real_root() -> bool {
    let map = fs::read_to_string("/proc/self/uid_map").unwrap_or_default();
    is_root() && map.split_whitespace().collect::<Vec<_>>() == ["0", "0", "4294967295"]
}

fn getxattr(path: &Path, key: &str) -> Option<Vec<u8>> {
    let path = CString::new(path.as_os_str().as_bytes()).unwrap();
    let key = CString::new(key).unwrap();
    let mut buf = vec![0u8; 256];
    // SAFETY: NUL-terminated path and key, and a buffer of the given length.
    let n = unsafe {
        libc::lgetxattr(
            path.as_ptr(),
            key.as_ptr(),
            buf.as_mut_ptr().cast(),
            buf.len(),
        )
    };
    if n < 0 {
        return None;
    }
    buf.truncate(n as usize);
    Some(buf)
}

// ---- entry types ----

#[test]
fn unpacks_every_entry_type() {
    let s = scratch();
    let stats = s
        .unpack(
            Layer::new()
                .dir("etc/")
                .file("etc/hostname", "box\n")
                .symlink("etc/localtime", "/usr/share/zoneinfo/UTC")
                .hardlink("etc/hostname2", "etc/hostname")
                .add(Entry::new(EntryType::Fifo, "run.fifo")),
        )
        .unwrap();
    assert_eq!(
        stats,
        UnpackStats {
            entries: 5,
            size: 4
        }
    );
    assert!(s.lstat("etc").is_dir());
    assert_eq!(fs::read_to_string(s.at("etc/hostname")).unwrap(), "box\n");
    assert_eq!(
        fs::read_link(s.at("etc/localtime")).unwrap(),
        Path::new("/usr/share/zoneinfo/UTC")
    );
    assert_eq!(
        s.lstat("etc/hostname2").ino(),
        s.lstat("etc/hostname").ino()
    );
    assert!(s.lstat("run.fifo").file_type().is_fifo());
}

#[test]
fn creates_devices_unless_told_to_skip_them() {
    let layer = || {
        let mut l = Layer::new();
        l.add(Entry {
            dev: (1, 3),
            mode: 0o666,
            ..Entry::new(EntryType::Char, "dev/null")
        })
        .add(Entry {
            dev: (7, 0),
            mode: 0o660,
            ..Entry::new(EntryType::Block, "dev/loop0")
        });
        l
    };
    let s = scratch();
    let opts = UnpackOptions {
        skip_devices: true,
        ..OPTS
    };
    let stats = s.unpack_with(&mut layer(), &opts).unwrap();
    assert_eq!(stats.entries, 2);
    assert!(!s.exists("dev/null") && !s.exists("dev/loop0"));

    let s = scratch();
    if !is_real_root() {
        // In a user namespace (or unprivileged) mknod of a device is refused.
        let err = s.unpack(&mut layer()).unwrap_err();
        assert!(
            err.to_string()
                .starts_with("layer entry \"dev/null\": cannot create the node"),
            "{err}"
        );
        return;
    }
    s.unpack(&mut layer()).unwrap();
    let null = s.lstat("dev/null");
    assert!(null.file_type().is_char_device());
    assert_eq!(null.rdev(), libc::makedev(1, 3));
    assert_eq!(null.mode() & 0o7777, 0o666);
    assert!(s.lstat("dev/loop0").file_type().is_block_device());
}

#[test]
fn creates_missing_parents_0755() {
    let s = scratch();
    s.unpack(Layer::new().file("a/b/c/file", "x")).unwrap();
    for dir in ["a", "a/b", "a/b/c"] {
        assert!(s.lstat(dir).is_dir());
        assert_eq!(s.lstat(dir).mode() & 0o7777, 0o755, "{dir}");
    }
    assert_eq!(fs::read_to_string(s.at("a/b/c/file")).unwrap(), "x");
}

#[test]
fn large_files_stream_through_intact() {
    let s = scratch();
    let data: String = (0..300_000)
        .map(|i| char::from(b'a' + (i % 26) as u8))
        .collect();
    let stats = s.unpack(Layer::new().file("big", &data)).unwrap();
    assert_eq!(stats.size, 300_000);
    assert_eq!(fs::read_to_string(s.at("big")).unwrap(), data);
}

// ---- metadata ----

#[test]
fn ownership_and_modes_with_setuid_survive_the_chown() {
    if !can_chown() {
        return;
    }
    let s = scratch();
    s.unpack(
        Layer::new()
            .add(Entry {
                mode: 0o1777,
                uid: 0,
                gid: 0,
                ..Entry::new(EntryType::Directory, "tmp/")
            })
            .add(Entry {
                data: b"#!",
                mode: 0o4755,
                uid: 1234,
                gid: 5678,
                ..Entry::new(EntryType::Regular, "bin/su")
            })
            .add(Entry {
                mode: 0o2750,
                uid: 42,
                gid: 43,
                ..Entry::new(EntryType::Directory, "srv/")
            })
            .add(Entry {
                link: b"su",
                uid: 7,
                gid: 8,
                ..Entry::new(EntryType::Symlink, "bin/link")
            })
            .add(Entry {
                mode: 0o600,
                uid: 9,
                gid: 10,
                ..Entry::new(EntryType::Fifo, "fifo")
            }),
    )
    .unwrap();
    let su = s.lstat("bin/su");
    assert_eq!(
        (su.uid(), su.gid(), su.mode() & 0o7777),
        (1234, 5678, 0o4755)
    );
    assert_eq!(s.lstat("tmp").mode() & 0o7777, 0o1777);
    let srv = s.lstat("srv");
    assert_eq!(
        (srv.uid(), srv.gid(), srv.mode() & 0o7777),
        (42, 43, 0o2750)
    );
    let link = s.lstat("bin/link");
    assert_eq!((link.uid(), link.gid()), (7, 8));
    let fifo = s.lstat("fifo");
    assert_eq!(
        (fifo.uid(), fifo.gid(), fifo.mode() & 0o7777),
        (9, 10, 0o600)
    );
}

#[test]
fn modes_are_not_subject_to_the_umask() {
    let s = scratch();
    s.unpack(
        Layer::new()
            .add(Entry {
                mode: 0o777,
                ..Entry::new(EntryType::Directory, "open/")
            })
            .add(Entry {
                mode: 0o666,
                ..Entry::new(EntryType::Regular, "open/file")
            }),
    )
    .unwrap();
    assert_eq!(s.lstat("open").mode() & 0o7777, 0o777);
    assert_eq!(s.lstat("open/file").mode() & 0o7777, 0o666);
}

#[test]
fn the_root_entry_sets_the_layer_roots_mode() {
    let s = scratch();
    s.unpack(
        Layer::new()
            .add(Entry {
                mode: 0o751,
                ..Entry::new(EntryType::Directory, "./")
            })
            .file("f", ""),
    )
    .unwrap();
    let root = fs::metadata(&s.dest).unwrap();
    assert_eq!(root.mode() & 0o7777, 0o751);
    assert_eq!(root.mtime() as u64, MTIME);
}

#[test]
fn mtimes_are_set_and_directories_last() {
    let s = scratch();
    s.unpack(
        Layer::new()
            .add(Entry {
                mtime: 1_000_000_000,
                ..Entry::new(EntryType::Directory, "d/")
            })
            .add(Entry {
                mtime: 1_100_000_000,
                ..Entry::new(EntryType::Regular, "d/f")
            })
            .add(Entry {
                mtime: 1_200_000_000,
                link: b"f",
                ..Entry::new(EntryType::Symlink, "d/l")
            })
            .add(Entry {
                mtime: 1_300_000_000,
                ..Entry::new(EntryType::Directory, "d/sub/")
            })
            .add(Entry {
                mtime: 1_400_000_000,
                ..Entry::new(EntryType::Regular, "d/sub/g")
            })
            // A child written later than its directory must not disturb its time.
            .pax(&[("mtime", b"1500000000.25")])
            .add(Entry {
                mtime: 1,
                ..Entry::new(EntryType::Regular, "d/h")
            }),
    )
    .unwrap();
    assert_eq!(s.lstat("d").mtime(), 1_000_000_000);
    assert_eq!(s.lstat("d/f").mtime(), 1_100_000_000);
    assert_eq!(s.lstat("d/l").mtime(), 1_200_000_000, "symlink's own time");
    assert_eq!(s.lstat("d/sub").mtime(), 1_300_000_000);
    assert_eq!(s.lstat("d/sub/g").mtime(), 1_400_000_000);
    let h = s.lstat("d/h");
    assert_eq!(
        (h.mtime(), h.mtime_nsec()),
        (1_500_000_000, 250_000_000),
        "pax mtime"
    );
}

#[test]
fn pax_xattrs_are_applied_but_not_overlays_own() {
    let s = scratch();
    s.unpack(
        Layer::new()
            .pax(&[("SCHILY.xattr.user.comment", b"on a dir")])
            .dir("d/")
            .pax(&[
                ("SCHILY.xattr.user.comment", b"hello"),
                ("SCHILY.xattr.user.overlay.opaque", b"y"),
            ])
            .file("d/f", "data")
            .pax(&[("SCHILY.xattr.trusted.overlay.redirect", b"/etc")])
            .file("d/g", ""),
    )
    .unwrap();
    assert_eq!(
        getxattr(&s.at("d"), "user.comment").as_deref(),
        Some(&b"on a dir"[..])
    );
    assert_eq!(
        getxattr(&s.at("d/f"), "user.comment").as_deref(),
        Some(&b"hello"[..])
    );
    assert_eq!(getxattr(&s.at("d/f"), "user.overlay.opaque"), None);
    assert_eq!(getxattr(&s.at("d/g"), "trusted.overlay.redirect"), None);
}

#[test]
fn file_capabilities_are_applied_after_the_chown() {
    if !can_chown() {
        return;
    }
    // VFS_CAP_REVISION_2, effective, permitted = CAP_NET_BIND_SERVICE (bit 10).
    let mut cap = vec![0u8; 20];
    cap[..4].copy_from_slice(&0x0200_0001u32.to_le_bytes());
    cap[4..8].copy_from_slice(&(1u32 << 10).to_le_bytes());
    let s = scratch();
    s.unpack(
        Layer::new()
            .pax(&[("SCHILY.xattr.security.capability", &cap)])
            .add(Entry {
                data: b"elf",
                mode: 0o755,
                uid: 1000,
                gid: 1000,
                ..Entry::new(EntryType::Regular, "ping")
            }),
    )
    .unwrap();
    assert_eq!(getxattr(&s.at("ping"), "security.capability"), Some(cap));
    assert_eq!(s.lstat("ping").uid(), 1000);
}

#[test]
fn owners_are_translated_when_asked() {
    use crate::engine::userns::shift::IdShift;
    use crate::engine::userns::{IdMap, Mappings};
    if !can_chown() {
        return;
    }
    let map = vec![IdMap {
        container_id: 0,
        host_id: 100,
        size: 10,
    }];
    let opts = UnpackOptions {
        ids: Some(IdShift::ToDisk(Mappings {
            uids: map.clone(),
            gids: map,
        })),
        ..OPTS
    };
    let s = scratch();
    let mut layer = Layer::new();
    layer.add(Entry {
        uid: 2,
        gid: 3,
        ..Entry::new(EntryType::Regular, "f")
    });
    s.unpack_with(&mut layer, &opts).unwrap();
    let f = s.lstat("f");
    assert_eq!((f.uid(), f.gid()), (102, 103));
}

#[test]
fn unmapped_owners_are_left_alone_when_asked() {
    // Only where a chown to another id fails: unprivileged, or a single-id user
    // namespace (EINVAL), as with no subordinate ids.
    if can_chown() {
        return;
    }
    let layer = || {
        let mut l = Layer::new();
        l.add(Entry {
            mode: 0o4755,
            uid: 1000,
            gid: 1000,
            ..Entry::new(EntryType::Regular, "f")
        });
        l
    };
    let s = scratch();
    let err = s.unpack(&mut layer()).unwrap_err();
    assert!(matches!(err, UnpackError::Chown { uid: 1000, .. }), "{err}");
    let s = scratch();
    s.unpack_with(
        &mut layer(),
        &UnpackOptions {
            ignore_chown_errors: true,
            ..OPTS
        },
    )
    .unwrap();
    let f = s.lstat("f");
    assert_eq!(
        (f.uid(), f.mode() & 0o7777),
        (nix::unistd::geteuid().as_raw(), 0o4755)
    );
}

#[test]
fn chown_errors_are_ignored_only_when_asked() {
    use super::{attrs::chown, meta::Meta};
    // SAFETY: timespec is plain data.
    let zero: libc::timespec = unsafe { std::mem::zeroed() };
    let meta = Meta {
        uid: 1000,
        gid: 1000,
        mode: 0o644,
        times: [zero; 2],
        xattrs: vec![],
    };
    let einval = || Err(std::io::Error::from_raw_os_error(libc::EINVAL));
    let lenient = UnpackOptions {
        ignore_chown_errors: true,
        ..OPTS
    };
    assert!(chown(einval(), &meta, &lenient, b"f").is_ok());
    let err = chown(einval(), &meta, &OPTS, b"f").unwrap_err();
    assert!(
        err.to_string()
            .starts_with("cannot give layer entry \"f\" the owner 1000:1000"),
        "{err}"
    );
    let eio = Err(std::io::Error::from_raw_os_error(libc::EIO));
    assert!(chown(eio, &meta, &lenient, b"f").is_err());
}

// ---- whiteouts ----

#[test]
fn whiteouts_become_overlay_whiteout_devices() {
    let s = scratch();
    let stats = s
        .unpack(
            Layer::new()
                .dir("etc/")
                .file("etc/.wh.motd", "")
                .file(".wh.gone-dir", "")
                .file(".wh..wh.plnk", "")
                .file(".wh..wh..wh.aufs", ""),
        )
        .unwrap();
    assert_eq!(stats.entries, 5);
    for name in ["etc/motd", "gone-dir"] {
        let m = s.lstat(name);
        assert!(m.file_type().is_char_device(), "{name}");
        assert_eq!(m.rdev(), 0, "{name}");
    }
    assert!(!s.exists("etc/.wh.motd"));
    assert_eq!(
        fs::read_dir(&s.dest).unwrap().count(),
        2,
        "aufs metadata skipped"
    );
}

#[test]
fn whiteout_devices_carry_the_headers_owner() {
    if !can_chown() {
        return;
    }
    let s = scratch();
    s.unpack(Layer::new().add(Entry {
        uid: 33,
        gid: 44,
        ..Entry::new(EntryType::Regular, "a/.wh.b")
    }))
    .unwrap();
    let b = s.lstat("a/b");
    assert_eq!((b.uid(), b.gid()), (33, 44));
}

#[test]
fn opaque_markers_become_the_opaque_xattr() {
    let s = scratch();
    s.unpack(
        Layer::new()
            .dir("var/")
            .dir("var/lib/")
            .file("var/lib/.wh..wh..opq", "")
            .file("var/lib/new", "n"),
    )
    .unwrap();
    assert_eq!(
        getxattr(&s.at("var/lib"), "user.overlay.opaque").as_deref(),
        Some(&b"y"[..])
    );
    assert_eq!(getxattr(&s.at("var"), "user.overlay.opaque"), None);
    assert!(super::is_opaque(&s.at("var/lib")));
    assert!(!super::is_opaque(&s.at("var")));
    assert!(!s.exists("var/lib/.wh..wh..opq"));
    assert!(s.exists("var/lib/new"));

    // Without the directory's own entry, it is created first.
    let s = scratch();
    s.unpack(Layer::new().file("x/y/.wh..wh..opq", "")).unwrap();
    assert_eq!(
        getxattr(&s.at("x/y"), "user.overlay.opaque").as_deref(),
        Some(&b"y"[..])
    );
}

// ---- replacing ----

#[test]
fn later_entries_replace_earlier_ones() {
    let s = scratch();
    s.unpack(
        Layer::new()
            .file("f", "first")
            .file("f", "second")
            .file("was-file", "x")
            .dir("was-file/")
            .dir("was-dir/")
            .dir("was-dir/sub/")
            .file("was-dir/sub/deep", "x")
            .file("was-dir", "now a file")
            .symlink("was-link", "f")
            .file("was-link", "not through the link")
            .file("to-whiteout", "x")
            .file(".wh.to-whiteout", ""),
    )
    .unwrap();
    assert_eq!(fs::read_to_string(s.at("f")).unwrap(), "second");
    assert!(s.lstat("was-file").is_dir());
    assert_eq!(fs::read_to_string(s.at("was-dir")).unwrap(), "now a file");
    assert!(s.lstat("was-link").is_file());
    assert_eq!(
        fs::read_to_string(s.at("was-link")).unwrap(),
        "not through the link"
    );
    assert_eq!(
        fs::read_to_string(s.at("f")).unwrap(),
        "second",
        "symlink target untouched"
    );
    assert!(s.lstat("to-whiteout").file_type().is_char_device());
}

#[test]
fn a_directory_entry_merges_into_an_existing_directory() {
    let s = scratch();
    s.unpack(
        Layer::new()
            .dir("d/")
            .file("d/kept", "k")
            .file("d/.wh..wh..opq", "")
            .add(Entry {
                mode: 0o700,
                mtime: 1_234_567_890,
                ..Entry::new(EntryType::Directory, "d/")
            }),
    )
    .unwrap();
    assert_eq!(fs::read_to_string(s.at("d/kept")).unwrap(), "k");
    assert_eq!(s.lstat("d").mode() & 0o7777, 0o700);
    assert_eq!(s.lstat("d").mtime(), 1_234_567_890);
    assert_eq!(
        getxattr(&s.at("d"), "user.overlay.opaque").as_deref(),
        Some(&b"y"[..])
    );
}

#[test]
fn replacing_the_directory_being_filled_is_seen_by_the_next_entry() {
    // The directory "a" is open as the last parent used when a top-level entry
    // replaces it with a symlink: the next entry must follow the symlink, not land
    // in the removed directory.
    let s = scratch();
    s.unpack(
        Layer::new()
            .dir("b/")
            .dir("a/")
            .file("a/x", "x")
            .symlink("a", "b")
            .file("a/y", "y"),
    )
    .unwrap();
    assert_eq!(fs::read_to_string(s.at("b/y")).unwrap(), "y");

    let s = scratch();
    let err = s
        .unpack(
            Layer::new()
                .dir("a/")
                .file("a/x", "x")
                .file("a", "now a file")
                .file("a/y", "y"),
        )
        .unwrap_err();
    assert!(err.to_string().contains("Not a directory"), "{err}");
}

#[test]
fn a_symlink_to_a_directory_is_replaced_not_merged() {
    let s = scratch();
    s.unpack(
        Layer::new()
            .dir("real/")
            .symlink("d", "real")
            .dir("d/")
            .file("d/f", "x"),
    )
    .unwrap();
    assert!(s.lstat("d").is_dir());
    assert!(s.exists("d/f") && !s.exists("real/f"));
}

// ---- hostile layers ----

#[test]
fn dot_dot_names_are_refused() {
    for name in [
        "../escape",
        "a/../../escape",
        "/../escape",
        "./../../outside/secret",
    ] {
        let s = scratch();
        let err = s.unpack(Layer::new().file(name, "pwned")).unwrap_err();
        assert!(matches!(err, UnpackError::Escape { .. }), "{name}: {err}");
        assert_eq!(
            err.to_string(),
            format!("layer entry {name:?} points outside the layer")
        );
        s.assert_outside_untouched();
    }
}

#[test]
fn absolute_names_stay_inside() {
    let s = scratch();
    let outside = s.outside.to_str().unwrap().to_owned();
    s.unpack(
        Layer::new()
            .file("/etc/abs", "in")
            .file(&format!("{outside}/secret"), "in the layer"),
    )
    .unwrap();
    assert_eq!(fs::read_to_string(s.at("etc/abs")).unwrap(), "in");
    assert_eq!(
        fs::read_to_string(s.at(&format!("{}/secret", &outside[1..]))).unwrap(),
        "in the layer"
    );
    s.assert_outside_untouched();
}

#[test]
fn escaping_symlinks_are_refused() {
    for (name, target) in [
        ("evil", "../../../tmp"),
        ("a/evil", "../.."),
        ("evil", "x/../../outside"),
    ] {
        let s = scratch();
        let err = s
            .unpack(
                Layer::new()
                    .symlink(name, target)
                    .file(&format!("{name}/pwned"), "x"),
            )
            .unwrap_err();
        assert!(
            matches!(err, UnpackError::SymlinkEscape { .. }),
            "{name}: {err}"
        );
        assert_eq!(
            err.to_string(),
            format!("symlink {name:?} -> {target:?} points outside the layer")
        );
        s.assert_outside_untouched();
    }
}

#[test]
fn writes_through_symlinks_resolve_inside_the_layer() {
    let s = scratch();
    let outside = s.outside.to_str().unwrap().to_owned();
    // Each symlink passes the lexical check, but followed from the host they
    // would lead out: an absolute one to the host's directory, and a chain whose
    // `..` climbs past the root once the first link is followed. Inside the layer
    // they lead to the layer's own copies of those directories.
    s.unpack(
        Layer::new()
            .dir(&format!("{outside}/"))
            .symlink("abs", &outside)
            .file("abs/pwned", "x")
            .dir("outside/")
            .dir("x/")
            .symlink("x/up", "..")
            .symlink("x/up/chain", "../outside")
            .file("x/up/chain/pwned2", "x")
            .symlink("to-secret", &format!("{outside}/secret"))
            .file("to-secret", "replaced, not written through"),
    )
    .unwrap();
    s.assert_outside_untouched();
    assert_eq!(
        fs::read_to_string(s.at(&format!("{}/pwned", &outside[1..]))).unwrap(),
        "x"
    );
    assert!(s.exists("chain"), "x/up is the root");
    assert!(
        s.exists("outside/pwned2"),
        "x/up/chain resolves to <layer>/outside"
    );
    assert!(s.lstat("to-secret").is_file());
}

#[test]
fn writes_through_dangling_symlinks_fail_inside_the_layer() {
    let s = scratch();
    let outside = s.outside.to_str().unwrap().to_owned();
    let err = s
        .unpack(Layer::new().symlink("abs", &outside).file("abs/pwned", "x"))
        .unwrap_err();
    assert!(matches!(err, UnpackError::Io { .. }), "{err}");
    s.assert_outside_untouched();
    let err = s
        .unpack(
            Layer::new()
                .symlink("rel", "nowhere")
                .file("rel/sub/pwned", "x"),
        )
        .unwrap_err();
    assert!(matches!(err, UnpackError::Io { .. }), "{err}");
    s.assert_outside_untouched();
}

#[test]
fn hardlinks_cannot_reach_outside() {
    // Lexically out.
    let s = scratch();
    let err = s
        .unpack(Layer::new().hardlink("h", "../outside/secret"))
        .unwrap_err();
    assert!(matches!(err, UnpackError::HardlinkEscape { .. }), "{err}");
    assert_eq!(
        err.to_string(),
        "hardlink \"h\" -> \"../outside/secret\" points outside the layer"
    );
    s.assert_outside_untouched();

    // Through a symlink: the target is looked up inside the layer, where it is not.
    let s = scratch();
    let outside = s.outside.to_str().unwrap().to_owned();
    let err = s
        .unpack(
            Layer::new()
                .symlink("s", &outside)
                .hardlink("h", "s/secret"),
        )
        .unwrap_err();
    assert!(matches!(err, UnpackError::Io { .. }), "{err}");
    assert!(!s.exists("h"));
    assert_eq!(fs::metadata(s.outside.join("secret")).unwrap().nlink(), 1);
    s.assert_outside_untouched();

    // And through a symlink in the final component: the link itself is linked.
    let s = scratch();
    s.unpack(
        Layer::new()
            .symlink("s", &format!("{outside}/secret"))
            .hardlink("h", "s"),
    )
    .unwrap();
    assert!(s.lstat("h").file_type().is_symlink());
    assert_eq!(fs::metadata(s.outside.join("secret")).unwrap().nlink(), 1);
    s.assert_outside_untouched();
}

#[test]
fn a_whiteout_cannot_delete_outside() {
    let s = scratch();
    let outside = s.outside.to_str().unwrap().to_owned();
    assert!(s
        .unpack(Layer::new().symlink("s", &outside).file("s/.wh.secret", ""))
        .is_err());
    s.assert_outside_untouched();
    assert!(s
        .unpack(
            Layer::new()
                .symlink("s2", &outside)
                .file("s2/.wh..wh..opq", "")
        )
        .is_err());
    s.assert_outside_untouched();
    assert_eq!(getxattr(&s.outside, "user.overlay.opaque"), None);
    let err = s
        .unpack(Layer::new().file("../outside/.wh.secret", ""))
        .unwrap_err();
    assert!(matches!(err, UnpackError::Escape { .. }), "{err}");
    s.assert_outside_untouched();
}

#[test]
fn odd_entries_are_refused_with_their_name() {
    let s = scratch();
    let err = s.unpack(Layer::new().file("./", "")).unwrap_err();
    assert!(matches!(err, UnpackError::Invalid { .. }), "{err}");
    let err = s
        .unpack(Layer::new().add(Entry::new(EntryType::new(b'V'), "volume")))
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "layer entry \"volume\" has an unsupported tar type 'V'"
    );
}

#[test]
fn a_missing_destination_is_named() {
    let s = scratch();
    let missing = s.dest.join("nope");
    let err = unpack_layer(&Layer::new().file("f", "").bytes()[..], &missing, &OPTS);
    let err = err.unwrap_err();
    assert!(matches!(err, UnpackError::Dest { .. }), "{err}");
    assert!(
        err.to_string()
            .starts_with(&format!("cannot open the layer directory {missing:?}")),
        "{err}"
    );
}

// ---- speed ----

/// 20,000 small files in 200 directories, as the benchmark's small-file layer.
/// Run with `cargo test --release --lib store::unpack -- --ignored --nocapture`.
#[test]
#[ignore = "a measurement, not a check"]
fn speed_of_20000_small_files() {
    let mut layer = Layer::new();
    for d in 0..200 {
        layer.dir(&format!("usr/share/d{d}/"));
        for f in 0..100 {
            layer.file(
                &format!("usr/share/d{d}/file{f}.txt"),
                "some small file contents\n",
            );
        }
    }
    let bytes = layer.bytes();
    let shm = Path::new("/dev/shm");
    let base = if shm.is_dir() {
        tempfile::tempdir_in(shm)
    } else {
        tempfile::tempdir()
    }
    .unwrap();
    let cpu = || {
        // SAFETY: rusage is plain data, filled in by the kernel.
        let mut ru: libc::rusage = unsafe { std::mem::zeroed() };
        // SAFETY: a valid rusage buffer.
        unsafe { libc::getrusage(libc::RUSAGE_THREAD, &mut ru) };
        let t = |tv: libc::timeval| {
            std::time::Duration::new(tv.tv_sec as u64, tv.tv_usec as u32 * 1000)
        };
        t(ru.ru_utime) + t(ru.ru_stime)
    };
    let mut times = Vec::new();
    for run in 0..5 {
        let dest = base.path().join(format!("run{run}"));
        fs::create_dir(&dest).unwrap();
        let (start, start_cpu) = (std::time::Instant::now(), cpu());
        let stats = unpack_layer(&bytes[..], &dest, &OPTS).unwrap();
        times.push((start.elapsed(), cpu() - start_cpu));
        assert_eq!(stats.entries, 20_200);
    }
    times.sort();
    let (wall, cpu) = times[2];
    println!(
        "20,200 entries on {:?}: median wall {wall:?} (cpu {cpu:?}), best wall {:?}",
        base.path(),
        times[0].0
    );
}
