//! mount / umount: a container's rootfs where the caller can read it; rootful
//! here, and refused rootless outside `coracle unshare`, as Podman refuses it.

use crate::common::*;
use coracle_testkit::Coracle;
use std::path::{Path, PathBuf};

fn mount(c: &Coracle, name: &str) -> PathBuf {
    let out = c.run(["mount", name]);
    PathBuf::from(out.success().stdout_trim())
}

/// Whether something is mounted at `path` in our mount namespace.
fn is_mount_point(path: &Path) -> bool {
    let path = path.to_str().unwrap();
    std::fs::read_to_string("/proc/self/mountinfo")
        .unwrap()
        .lines()
        .any(|l| l.split(' ').nth(4) == Some(path))
}

#[test]
fn mount_shows_a_stopped_containers_files_until_the_last_unmount() {
    let Some(c) = Coracle::rootful(BIN) else {
        return;
    };
    let image = anon_ref("busybox:latest");
    c.run(["run", "--name", "m", &image, "sh", "-c", "echo hi > /hello"])
        .success();
    let path = mount(&c, "m");
    assert_eq!(std::fs::read_to_string(path.join("hello")).unwrap(), "hi\n");
    assert!(path.join("bin/busybox").is_file(), "the image's files too");
    // Counted as Podman counts: two mounts take two unmounts.
    assert_eq!(mount(&c, "m"), path);
    let id = inspect_field(&c, "m", "{{.Id}}");
    c.run(["mount"])
        .success()
        .stdout_eq(&format!("{}  {}\n", &id[..12], path.display()));
    c.run(["umount", "m"]).success().stdout_eq("m\n");
    assert!(is_mount_point(&path));
    c.run(["unmount", "m"]).success().stdout_eq("m\n");
    assert!(!is_mount_point(&path));
    assert!(!path.join("hello").exists());
    c.run(["mount"]).success().stdout_eq("");
}

#[test]
fn a_mounted_container_runs_on_its_mount_and_stays_mounted() {
    let Some(c) = Coracle::rootful(BIN) else {
        return;
    };
    let image = anon_ref("busybox:latest");
    c.run([
        "create",
        "--name",
        "m",
        &image,
        "sh",
        "-c",
        "cat /from-host > /from-ctr",
    ])
    .success();
    let path = mount(&c, "m");
    std::fs::write(path.join("from-host"), "written outside\n").unwrap();
    c.run(["start", "-a", "m"]).success();
    assert_eq!(
        std::fs::read_to_string(path.join("from-ctr")).unwrap(),
        "written outside\n"
    );
    assert!(
        is_mount_point(&path),
        "still mounted after the container ends"
    );
    c.run(["umount", "--all"])
        .success()
        .stdout_contains(&inspect_field(&c, "m", "{{.Id}}"));
    assert!(!is_mount_point(&path));
}

#[test]
fn removing_a_mounted_container_unmounts_it() {
    let Some(c) = Coracle::rootful(BIN) else {
        return;
    };
    let image = anon_ref("busybox:latest");
    c.run(["create", "--name", "m", &image, "true"]).success();
    let path = mount(&c, "m");
    c.run(["rm", "m"]).success();
    assert!(!is_mount_point(&path));
    assert!(!path.exists());
}

#[test]
fn rootless_mount_outside_unshare_is_refused_as_podman_refuses_it() {
    let (c, image) = with_busybox();
    c.run(["create", "--name", "m", &image, "true"]).success();
    c.run(["mount", "m"]).code(125).stderr_contains(
        "Error: cannot run command \"coracle mount\" in rootless mode, must execute `coracle unshare` first",
    );
    // Listing is allowed, and nothing is mounted here.
    c.run(["mount"]).success().stdout_eq("");
}

#[test]
fn a_running_container_is_mounted_with_the_same_files_it_sees() {
    let Some(c) = Coracle::rootful(BIN) else {
        return;
    };
    let image = anon_ref("busybox:latest");
    let script = "echo live > /live && sleep 60";
    run_detached(&c, &["--name", "r", &image, "sh", "-c", script]);
    let path = mount(&c, "r");
    eventually("the container's write", || path.join("live").exists());
    std::fs::write(path.join("from-host"), "seen inside\n").unwrap();
    c.run(["exec", "r", "cat", "/from-host"])
        .success()
        .stdout_eq("seen inside\n");
    // Podman leaves a running container mounted, and does not name it.
    c.run(["umount", "r"]).success().stdout_eq("");
    assert!(is_mount_point(&path));
    c.run(["rm", "-f", "r"]).success();
    assert!(!is_mount_point(&path));
}

/// `coracle unshare` is the way in; `unshare -rm` (a user and a mount namespace
/// of the caller's own, where it is uid 0) stands in for it here.
#[test]
fn rootless_mount_works_inside_a_user_namespace() {
    let (c, image) = with_busybox();
    c.run(["run", "--name", "m", &image, "sh", "-c", "echo hi > /hello"])
        .success();
    let coracle = format!(
        "{} --root {} --runroot {}",
        c.bin().display(),
        c.root().display(),
        c.runroot().display()
    );
    let script = format!("p=$({coracle} mount m) && cat $p/hello && {coracle} umount m");
    let mut cmd = c.peer_command("unshare");
    cmd.args(["-rm", "sh", "-c", &script]);
    c.run_command(cmd).success().stdout_eq("hi\nm\n");
}
