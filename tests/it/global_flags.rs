//! Podman's global flags: mapped, ignored with a debug log, or refused.

use crate::common::*;

#[test]
fn noout_suppresses_stdout() {
    let c = coracle();
    let out = c.run(["--noout", "version"]);
    out.success();
    assert_eq!(out.stdout, "", "{out}");
}

#[test]
fn out_sends_stdout_to_a_file() {
    let c = coracle();
    let dir = tempfile::tempdir().unwrap();
    std::fs::set_permissions(&dir, std::os::unix::fs::PermissionsExt::from_mode(0o777)).unwrap();
    let file = dir.path().join("out");
    let out = c.run(["--out", file.to_str().unwrap(), "version"]);
    out.success();
    assert_eq!(out.stdout, "", "{out}");
    let written = std::fs::read_to_string(&file).unwrap();
    assert!(written.contains("Version:"), "{written}");
}

#[test]
fn an_ignored_global_flag_is_logged_at_debug() {
    let c = coracle();
    c.run([
        "--cgroup-manager",
        "systemd",
        "--syslog",
        "--log-level",
        "debug",
        "images",
    ])
    .success()
    .stderr_contains("ignoring --cgroup-manager: ")
    .stderr_contains("ignoring --syslog: ");
}

#[test]
fn a_refused_global_flag_fails_with_the_reason() {
    let c = coracle();
    c.run(["ps", "--runtime", "crun"])
        .code(125)
        .stderr_contains("Error: coracle does not support --runtime: ");
    c.run(["--cgroup-manager", "nonsense", "ps"]).code(125);
}

#[test]
fn dash_v_prints_the_version_as_podman_does() {
    let c = coracle();
    let out = c.run(["-v"]);
    out.success().stdout_contains("coracle version ");
}
