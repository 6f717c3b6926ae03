//! A hostile layer tar, unpacked into a fresh directory: whatever the unpacker
//! answers, nothing may appear, change or vanish beside that directory.
//!
//! Mutated tars mostly fail their header checksums, which would stop every
//! input at the first header; the checksums are set right before unpacking so
//! that the fuzzer reaches the entries themselves.

use crate::engine::store::unpack::{unpack_layer, UnpackOptions};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

const BLOCK: usize = 512;
/// What the sandbox holds beside the layer before and after every unpack.
const BESIDE: [&str; 3] = ["layer", "outside-dir", "outside-file"];

pub fn tar_unpack(data: &[u8]) {
    let Some((&flags, tar)) = data.split_first() else {
        return;
    };
    let opts = UnpackOptions {
        ignore_chown_errors: true,
        // Fuzzed as root, a layer's device node could reach a host disk; the
        // whiteouts' 0:0 nodes still go through mknod.
        skip_devices: true,
        ids: None,
        keep_kinds: flags & 1 != 0,
    };
    let sandbox = Sandbox::new();
    let _ = unpack_layer(&with_checksums(tar)[..], &sandbox.layer(), &opts);
    sandbox.check();
}

/// `tar` with each header's checksum set, walking headers as a reader does.
fn with_checksums(tar: &[u8]) -> Vec<u8> {
    let mut out = tar.to_vec();
    let mut at: usize = 0;
    while let Some(end) = at.checked_add(BLOCK).filter(|end| *end <= out.len()) {
        let header = &mut out[at..end];
        if header.iter().all(|b| *b == 0) {
            at += BLOCK;
            continue;
        }
        header[148..156].fill(b' ');
        let sum: u32 = header.iter().map(|b| u32::from(*b)).sum();
        header[148..155].copy_from_slice(format!("{sum:06o}\0").as_bytes());
        let header: &[u8; BLOCK] = (&*header).try_into().expect("one block");
        let Ok(size) = tar::Header::from_byte_slice(header).entry_size() else {
            break;
        };
        let data = usize::try_from(size).unwrap_or(usize::MAX);
        at = at
            .saturating_add(BLOCK)
            .saturating_add(data.div_ceil(BLOCK).saturating_mul(BLOCK));
    }
    out
}

/// A directory holding the layer's directory and one file and one directory
/// beside it, removed when dropped.
struct Sandbox(PathBuf);

impl Sandbox {
    fn new() -> Sandbox {
        static NEXT: AtomicU64 = AtomicU64::new(0);
        // tmpfs where there is one: an input creates many small files.
        let base = match Path::new("/dev/shm").is_dir() {
            true => PathBuf::from("/dev/shm"),
            false => std::env::temp_dir(),
        };
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let dir = base.join(format!("coracle-fuzz-{}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("layer")).expect("create the layer directory");
        std::fs::create_dir(dir.join("outside-dir")).expect("create a directory beside it");
        std::fs::write(dir.join("outside-file"), "x").expect("create a file beside it");
        Sandbox(dir)
    }

    fn layer(&self) -> PathBuf {
        self.0.join("layer")
    }

    fn check(&self) {
        let mut names: Vec<String> = std::fs::read_dir(&self.0)
            .expect("read the sandbox")
            .map(|e| {
                e.expect("a sandbox entry")
                    .file_name()
                    .to_string_lossy()
                    .into_owned()
            })
            .collect();
        names.sort();
        assert_eq!(names, BESIDE, "the unpack wrote beside the layer");
        let empty = std::fs::read_dir(self.0.join("outside-dir"))
            .expect("read the directory beside the layer")
            .next()
            .is_none();
        assert!(
            empty,
            "the unpack wrote into the directory beside the layer"
        );
        let file = std::fs::read(self.0.join("outside-file")).expect("read the file beside it");
        assert_eq!(file, b"x", "the unpack changed the file beside the layer");
        let layer = std::fs::symlink_metadata(self.layer()).expect("the layer directory");
        assert!(layer.is_dir(), "the layer directory was replaced");
    }
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        make_writable(&self.0);
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Unprivileged, a directory the layer made read-only or unsearchable cannot be
/// emptied: give every directory back its owner's permissions first.
fn make_writable(dir: &Path) {
    use std::os::unix::fs::PermissionsExt;
    let _ = std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700));
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        if entry.file_type().is_ok_and(|t| t.is_dir()) {
            make_writable(&entry.path());
        }
    }
}
