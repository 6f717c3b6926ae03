//! The static probe (probe.c) that seccomp.rs and escapes.rs run inside
//! containers, for the system calls busybox cannot make.

use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

const SOURCE: &str = include_str!("probe.c");

/// Where the container sees the probe.
pub const IN_CONTAINER: &str = "/probe";

/// The probe, compiled once into a dir the test user can read; named after its
/// source, so later runs reuse it.
pub fn probe() -> &'static Path {
    static PROBE: OnceLock<PathBuf> = OnceLock::new();
    PROBE.get_or_init(|| {
        let mut hash = std::collections::hash_map::DefaultHasher::new();
        SOURCE.hash(&mut hash);
        let dir = coracle_testkit::runner::shared_tmp()
            .join(format!("coracle-probe-{:x}", hash.finish()));
        let bin = dir.join("probe");
        if bin.exists() {
            return bin;
        }
        std::fs::create_dir_all(&dir).unwrap();
        let pid = std::process::id();
        let source = dir.join(format!("probe-{pid}.c"));
        std::fs::write(&source, SOURCE).unwrap();
        let partial = dir.join(format!("probe-{pid}"));
        let out = std::process::Command::new("gcc")
            .args(["-static", "-O2", "-o"])
            .arg(&partial)
            .arg(&source)
            .output()
            .expect("gcc is needed for the probe");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        std::fs::remove_file(&source).unwrap();
        // Another test process may be compiling it too: rename, never half-write.
        std::fs::rename(&partial, &bin).unwrap();
        bin
    })
}

/// `-v PROBE:/probe:ro`, for `run`.
pub fn probe_volume() -> String {
    format!("{}:{IN_CONTAINER}:ro", probe().display())
}
