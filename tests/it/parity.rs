//! scripts/parity: the flags and subcommands Podman has and coracle lacks.

use crate::common::BIN;
use std::path::{Path, PathBuf};
use std::process::Command;

fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// `scripts/parity --check` against PODMAN: its exit code and stderr.
fn check(podman: &Path) -> (i32, String) {
    let out = Command::new(repo().join("scripts/parity"))
        .arg("--check")
        .env("CORACLE", BIN)
        .env("PODMAN", podman)
        .output()
        .expect("run scripts/parity");
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    (out.status.code().unwrap_or(-1), stderr)
}

fn installed_podman() -> Option<PathBuf> {
    std::env::var_os("PATH")?
        .to_str()?
        .split(':')
        .map(|dir| Path::new(dir).join("podman"))
        .find(|p| p.is_file())
}

/// Every gap is explained: a flag Podman has that coracle lacks either arrives
/// or is listed with its reason in docs/podman-parity-exceptions.
#[test]
fn there_is_no_unexplained_gap() {
    let Some(podman) = installed_podman() else {
        eprintln!("skipped: podman is not installed, nothing to compare with");
        return;
    };
    let (code, stderr) = check(&podman);
    assert!(
        stderr.contains("parity: 0 unexplained gap(s)"),
        "explain them in docs/podman-parity-exceptions\n{stderr}"
    );
    assert_eq!(code, 0, "{stderr}");
}

#[test]
fn a_flag_podman_has_and_coracle_lacks_fails_the_check() {
    let dir = tempfile::tempdir().unwrap();
    let podman = dir.path().join("podman");
    let help = "Options:\n      --made-up-flag string   x\n      --root string   y\n";
    // Its usage line names the command asked for, as Podman's does.
    let script = format!("#!/bin/sh\nprintf 'Usage:\\n  podman %s\\n' \"$*\"\nprintf '{help}'\n");
    std::fs::write(&podman, script).unwrap();
    std::fs::set_permissions(&podman, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    let (code, stderr) = check(&podman);
    assert_eq!(code, 1, "{stderr}");
    assert!(stderr.contains("podman: --made-up-flag\n"), "{stderr}");
    assert!(stderr.contains("podman pull: --made-up-flag\n"), "{stderr}");
    assert!(!stderr.contains("--root"), "{stderr}");
}
