//! Podman and skopeo as the test user, beside coracle, for the cross-tool checks.

use coracle_testkit::{Coracle, Output};

/// `podman ARGS` with a store of its own in the test's directory: overlay, runc,
/// no systemd (Podman 4.3 here needs all three spelled out).
pub fn podman(c: &Coracle, args: &[&str]) -> Output {
    let conf = c.config_home().join("containers/containers.conf");
    if !conf.exists() {
        c.write_user_file(
            &conf,
            b"[engine]\nevents_logger = \"file\"\ncgroup_manager = \"cgroupfs\"\n",
        );
    }
    let mut cmd = c.peer_command("podman");
    cmd.arg("--root")
        .arg(c.dir().join("podman-root"))
        .arg("--runroot")
        .arg(c.runtime_dir().join("podman"))
        .args(["--storage-driver", "overlay", "--runtime", "runc"])
        .args(args);
    c.run_command(cmd)
}

pub fn skopeo(c: &Coracle, args: &[&str]) -> Output {
    let mut cmd = c.peer_command("skopeo");
    cmd.args(args);
    c.run_command(cmd)
}
