//! Podman flags that closed parity gaps: commit's --iidfile, --format, --squash,
//! --pause and --include-volumes.

use crate::build::{inspect, with_busybox};
use crate::common::run_detached;
use serde_json::json;

#[test]
fn commit_writes_iidfile_in_the_docker_format_squashed() {
    let (c, base) = with_busybox();
    c.run(["run", "--name", "sq", &base, "sh", "-c", "echo one > /one"])
        .success();
    let iidfile = c.dir().join("iid");
    let iid = iidfile.to_str().unwrap();
    let out = c.run([
        "commit",
        "--iidfile",
        iid,
        "--format",
        "docker",
        "--squash",
        "sq",
        "sq:1",
    ]);
    let id = out.success().stdout_trim().to_owned();
    // Podman's commit writes the bare ID.
    assert_eq!(std::fs::read_to_string(&iidfile).unwrap(), id);
    let image = inspect(&c, "sq:1");
    assert_eq!(
        image["ManifestType"],
        "application/vnd.docker.distribution.manifest.v2+json"
    );
    assert_eq!(image["RootFS"]["Layers"].as_array().unwrap().len(), 1);
    c.run([
        "run",
        "--rm",
        "sq:1",
        "sh",
        "-c",
        "cat /one && test -x /bin/sh",
    ])
    .success()
    .stdout_eq("one\n");
    let plain = inspect(&c, c.run(["commit", "sq"]).success().stdout_trim());
    assert_eq!(
        plain["ManifestType"],
        "application/vnd.oci.image.manifest.v1+json"
    );
    assert!(plain["RootFS"]["Layers"].as_array().unwrap().len() > 1);
}

#[test]
fn commit_refuses_an_unknown_format() {
    let (c, _) = with_busybox();
    c.run(["commit", "--format", "bogus", "any"])
        .code(125)
        .stderr_contains("unrecognized image format \"bogus\"");
}

#[test]
fn commit_keeps_anonymous_volumes_and_with_include_volumes_all_mounts() {
    let (c, base) = with_busybox();
    let bind = c.dir().join("bind");
    std::fs::create_dir(&bind).unwrap();
    let bind_spec = format!("{}:/bnd", bind.display());
    c.run([
        "create", "--name", "vols", "-v", "/anon", "-v", &bind_spec, &base,
    ])
    .success();
    c.run(["commit", "vols", "vols:plain"]).success();
    assert_eq!(
        inspect(&c, "vols:plain")["Config"]["Volumes"],
        json!({"/anon": {}})
    );
    c.run(["commit", "--include-volumes", "vols", "vols:all"])
        .success();
    assert_eq!(
        inspect(&c, "vols:all")["Config"]["Volumes"],
        json!({"/anon": {}, "/bnd": {}})
    );
}

#[test]
fn commit_pause_freezes_a_running_container_or_says_why_not() {
    let (c, base) = with_busybox();
    c.run(["create", "--name", "idle", &base]).success();
    c.run(["commit", "--pause", "idle"]).success();
    let id = run_detached(&c, &[&base, "sleep", "60"]);
    let out = c.run(["commit", "-p", &id]);
    if out.code == Some(0) {
        let status = c.run(["inspect", "--format", "{{.State.Status}}", &id]);
        status.success().stdout_eq("running\n");
    } else {
        // No cgroup freezer the user may write: Podman's error, nothing committed.
        out.code(125).stderr_contains("pausing container");
    }
    c.run(["rm", "-f", &id]).success();
}

#[test]
fn cp_replaces_a_directory_with_a_file_and_back_only_with_overwrite() {
    let (c, base) = with_busybox();
    c.run([
        "run",
        "--name",
        "kinds",
        &base,
        "sh",
        "-c",
        "mkdir -p /d/x && touch /d/y",
    ])
    .success();
    let src = c.dir().join("src");
    std::fs::create_dir_all(src.join("y")).unwrap();
    std::fs::write(src.join("x"), "file\n").unwrap();
    let contents = format!("{}/.", src.display());
    let out = c.run(["cp", &contents, "kinds:/d"]);
    out.code(125).stderr_contains("exists");
    c.run(["cp", "--overwrite", &contents, "kinds:/d"])
        .success();
    let back = c.dir().join("back");
    let back_arg = back.to_str().unwrap();
    c.run(["cp", "kinds:/d", back_arg]).success();
    assert_eq!(std::fs::read_to_string(back.join("x")).unwrap(), "file\n");
    assert!(back.join("y").is_dir());
}
