//! Builds coracle-init (init/coracle-init.rs), the `run --init` PID 1, as a static
//! executable that coracle embeds: it must run in images without a libc, and
//! coracle stays one binary built with no special flags. It is compiled on its own
//! with the compiler cargo uses, so it needs nothing but std.

use std::process::Command;

const SOURCE: &str = "init/coracle-init.rs";
/// Its module, shared with coracle's monitor.
const SHARED: &str = "init/resident_code.rs";

fn main() {
    println!("cargo:rerun-if-changed={SOURCE}");
    println!("cargo:rerun-if-changed={SHARED}");
    build_facts();
    // A position-independent executable has its ~560 KiB of read-only relocated
    // data written at every start: private memory in each of many long-lived
    // monitors, and ~2 ms of loader work per command. Linked at a fixed address,
    // those pages stay shared with the file (the code stays position-independent).
    println!("cargo:rustc-link-arg-bins=-no-pie");
    let rustc = std::env::var("RUSTC").expect("cargo sets RUSTC");
    let target = std::env::var("TARGET").expect("cargo sets TARGET");
    let out = std::path::PathBuf::from(std::env::var("OUT_DIR").expect("cargo sets OUT_DIR"))
        .join("coracle-init");
    let status = Command::new(&rustc)
        .args([
            "--edition",
            "2021",
            "--crate-type",
            "bin",
            "--target",
            &target,
        ])
        .args(["-C", "opt-level=s", "-C", "panic=abort", "-C", "lto"])
        .args(["-C", "codegen-units=1", "-C", "strip=symbols"])
        .args(["-C", "target-feature=+crt-static"])
        .arg("-o")
        .arg(&out)
        .arg(SOURCE)
        .status()
        .unwrap_or_else(|e| panic!("cannot run {rustc}: {e}"));
    assert!(status.success(), "cannot build {SOURCE}");
}

/// What `version` and `info` report about this build, as Podman's do: the git
/// commit, the compiler, and the libcontainer that runs the containers.
fn build_facts() {
    let output = |cmd: &str, args: &[&str]| {
        Command::new(cmd)
            .args(args)
            .output()
            .ok()
            .filter(|o| o.status.success())
            .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
            .unwrap_or_default()
    };
    if let Some(head) =
        Some(output("git", &["rev-parse", "--git-path", "HEAD"])).filter(|p| !p.is_empty())
    {
        println!("cargo:rerun-if-changed={head}");
    }
    println!("cargo:rerun-if-changed=Cargo.lock");
    let commit = output("git", &["rev-parse", "HEAD"]);
    let rustc = std::env::var("RUSTC").expect("cargo sets RUSTC");
    let rust = output(&rustc, &["--version"]);
    let lock = std::fs::read_to_string("Cargo.lock").unwrap_or_default();
    let libcontainer = lock
        .split("[[package]]")
        .find(|p| p.contains("name = \"libcontainer\""))
        .and_then(|p| p.lines().find_map(|l| l.strip_prefix("version = ")))
        .map(|v| v.trim_matches('"').to_owned())
        .unwrap_or_default();
    println!("cargo:rustc-env=CORACLE_GIT_COMMIT={commit}");
    println!("cargo:rustc-env=CORACLE_RUST_VERSION={rust}");
    println!("cargo:rustc-env=CORACLE_LIBCONTAINER_VERSION={libcontainer}");
}
