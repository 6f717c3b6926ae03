//! Volumes: `coracle volume`, named volumes that outlive their containers,
//! copy-up, and the anonymous volumes an image's VOLUME makes. Rootless, and
//! rootful where the test says so.

use crate::build::{build, dockerfile_only};
use crate::common::*;
use coracle_testkit::{Coracle, Output};

/// busybox with `/data/seed` (`seeded`) that declares `VOLUME /data`, built
/// in `c`'s store; returns busybox's reference and the image's name.
pub fn with_volume_image(c: &Coracle) -> (String, String) {
    let busybox = anon_ref("busybox:latest");
    pull(c, &busybox).success();
    let dockerfile =
        format!("FROM {busybox}\nRUN mkdir /data && echo seeded > /data/seed\nVOLUME /data\n");
    let ctx = dockerfile_only(c, "volctx", &dockerfile);
    build(c, &["-q", "-t", "withvol", ctx.to_str().unwrap()]).success();
    (busybox, "withvol".into())
}

fn volume_names(c: &Coracle) -> Vec<String> {
    let out = c.run(["volume", "ls", "-q"]);
    out.success();
    out.stdout_lines().iter().map(|s| s.to_string()).collect()
}

fn sh(c: &Coracle, args: &[&str], script: &str) -> Output {
    let mut all = vec!["run", "--rm"];
    all.extend(args);
    all.extend(["sh", "-c", script]);
    c.run(all)
}

/// Data written to a named volume is there for the next container; the
/// volume outlives both.
fn named_volume_keeps_data(c: &Coracle) {
    let busybox = anon_ref("busybox:latest");
    pull(c, &busybox).success();
    c.run(["volume", "create", "keep"])
        .success()
        .stdout_eq("keep\n");
    sh(c, &["-v", "keep:/data", &busybox], "echo kept > /data/f").success();
    sh(c, &["-v", "keep:/data", &busybox], "cat /data/f")
        .success()
        .stdout_eq("kept\n");
    // -v with a name not yet known makes the volume.
    sh(c, &["-v", "made:/m", &busybox], "echo x > /m/x").success();
    assert_eq!(volume_names(c), ["keep", "made"]);
}

#[test]
fn volumes_keep_data_for_the_next_container() {
    named_volume_keeps_data(&coracle());
}

#[test]
fn volumes_keep_data_for_the_next_container_rootful() {
    let Some(c) = Coracle::rootful(BIN) else {
        return;
    };
    named_volume_keeps_data(&c);
}

#[test]
fn volumes_list_inspect_and_filter_as_podman() {
    let c = coracle();
    c.run(["volume", "create", "--label", "tier=db", "db"])
        .success();
    c.run([
        "volume",
        "create",
        "-o",
        "type=tmpfs",
        "-o",
        "o=size=1m",
        "scratch",
    ])
    .success();
    let out = c.run(["volume", "ls"]);
    out.success();
    assert_eq!(
        out.stdout_lines()[0].split_whitespace().collect::<Vec<_>>(),
        ["DRIVER", "VOLUME", "NAME"]
    );
    assert_eq!(out.stdout_lines().len(), 3, "{out}");
    c.run(["volume", "ls", "-q", "--filter", "label=tier=db"])
        .success()
        .stdout_eq("db\n");
    c.run(["volume", "ls", "-q", "--filter", "name=^scr"])
        .success()
        .stdout_eq("scratch\n");
    c.run([
        "volume",
        "ls",
        "--format",
        "{{.Name}} {{.Driver}}",
        "--filter",
        "dangling=true",
    ])
    .success()
    .stdout_eq("db local\nscratch local\n");
    c.run(["volume", "ls", "--filter", "colour=red"])
        .code(125)
        .stderr_contains("colour is an invalid filter");
    let listed = c.run(["volume", "ls", "--format", "json"]);
    assert_eq!(listed.success().json().as_array().unwrap().len(), 2);
    let inspect = c.run(["volume", "inspect", "db"]);
    let v = &inspect.success().json()[0];
    assert_eq!(v["Name"], "db");
    assert_eq!(v["Driver"], "local");
    assert_eq!(v["Scope"], "local");
    assert_eq!(v["Labels"]["tier"], "db");
    assert_eq!(v["NeedsCopyUp"], true);
    assert_eq!(v["MountCount"], 0);
    let mountpoint = c.root().join("volumes/db/_data");
    assert_eq!(v["Mountpoint"], mountpoint.to_str().unwrap());
    assert!(mountpoint.is_dir());
    assert!(v["CreatedAt"].as_str().unwrap().ends_with('Z'));
    c.run([
        "volume",
        "inspect",
        "--format",
        "{{.Options.type}}",
        "scratch",
    ])
    .success()
    .stdout_eq("tmpfs\n");
    c.run([
        "inspect",
        "--type",
        "volume",
        "--format",
        "{{.Name}} {{.Scope}}",
        "db",
    ])
    .success()
    .stdout_eq("db local\n");
    c.run(["volume", "exists", "db"]).success();
    c.run(["volume", "exists", "nope"]).code(1);
    c.run(["volume", "prune", "-f", "--filter", "label=tier=db"])
        .success()
        .stdout_eq("db\n");
    c.run(["volume", "rm", "scratch"])
        .success()
        .stdout_eq("scratch\n");
    assert!(volume_names(&c).is_empty());
    assert!(!mountpoint.exists());
}

#[test]
fn volumes_in_use_are_kept_unless_forced() {
    let c = coracle();
    let busybox = anon_ref("busybox:latest");
    pull(&c, &busybox).success();
    c.run([
        "create", "--name", "user", "-v", "busy:/b", &busybox, "true",
    ])
    .success();
    let out = c.run(["volume", "rm", "busy"]);
    out.code(2)
        .stderr_contains("volume busy is being used by the following container(s): ")
        .stderr_contains(": volume is being used");
    c.run(["volume", "prune", "-f"]).success().stdout_eq("");
    c.run(["volume", "rm", "-f", "busy"])
        .success()
        .stdout_eq("busy\n");
    c.run(["ps", "-a", "-q"]).success().stdout_eq("");
    c.run(["volume", "rm", "busy"])
        .code(1)
        .stderr_contains("no volume with name \"busy\" found: no such volume");
}

#[test]
fn volumes_copy_up_on_first_use_only() {
    copy_up_once(&coracle());
}

#[test]
fn volumes_copy_up_on_first_use_only_rootful() {
    if let Some(c) = Coracle::rootful(BIN) {
        copy_up_once(&c);
    }
}

fn copy_up_once(c: &Coracle) {
    let (_, image) = with_volume_image(c);
    c.run(["volume", "create", "seeded"]).success();
    sh(
        c,
        &["-v", "seeded:/data", &image],
        "cat /data/seed; rm /data/seed; echo mine > /data/mine",
    )
    .success()
    .stdout_eq("seeded\n");
    // Emptied by hand: still not filled again.
    sh(
        c,
        &["-v", "seeded:/data", &image],
        "ls /data; rm /data/mine",
    )
    .success()
    .stdout_eq("mine\n");
    sh(c, &["-v", "seeded:/data", &image], "ls /data")
        .success()
        .stdout_eq("");
    let inspect = c.run(["volume", "inspect", "seeded"]);
    assert!(inspect.success().json()[0].get("NeedsCopyUp").is_none());
    sh(c, &["-v", "plain:/data:nocopy", &image], "ls /data")
        .success()
        .stdout_eq("");
}

/// An image's VOLUME becomes an anonymous volume (filled from the image):
/// `rm -v` and `run --rm` remove it, `rm` alone leaves it dangling.
fn image_volumes_are_anonymous(c: &Coracle) {
    let (_, image) = with_volume_image(c);
    c.run([
        "run",
        "--name",
        "a",
        &image,
        "sh",
        "-c",
        "cat /data/seed; echo x > /data/x",
    ])
    .success()
    .stdout_eq("seeded\n");
    let names = volume_names(c);
    assert_eq!(names.len(), 1, "{names:?}");
    assert_eq!(names[0].len(), 64);
    let v = c.run(["volume", "inspect", &names[0]]);
    assert_eq!(v.success().json()[0]["Anonymous"], true);
    let mounts = c.run(["inspect", "--format", "{{json .Mounts}}", "a"]);
    let mounts: serde_json::Value = serde_json::from_str(mounts.success().stdout_trim()).unwrap();
    assert_eq!(mounts[0]["Type"], "volume");
    assert_eq!(mounts[0]["Name"], names[0]);
    assert_eq!(mounts[0]["Destination"], "/data");
    c.run(["rm", "-v", "a"]).success();
    assert!(volume_names(c).is_empty());
    c.run(["run", "--rm", &image, "true"]).success();
    assert!(volume_names(c).is_empty());
    c.run(["run", "--name", "b", &image, "true"]).success();
    c.run(["rm", "b"]).success();
    let dangling = c.run(["volume", "ls", "-q", "--filter", "dangling=true"]);
    assert_eq!(dangling.success().stdout_lines().len(), 1);
    c.run(["run", "--rm", "--image-volume", "ignore", &image, "true"])
        .success();
    assert_eq!(volume_names(c).len(), 1);
}

#[test]
fn image_volumes_are_anonymous_and_go_with_rm_v() {
    image_volumes_are_anonymous(&coracle());
}

#[test]
fn image_volumes_are_anonymous_and_go_with_rm_v_rootful() {
    let Some(c) = Coracle::rootful(BIN) else {
        return;
    };
    image_volumes_are_anonymous(&c);
}

#[test]
fn volumes_export_and_import_round_trip() {
    let c = coracle();
    let busybox = anon_ref("busybox:latest");
    pull(&c, &busybox).success();
    sh(
        &c,
        &["-v", "src:/s", &busybox],
        "echo hello > /s/f; mkdir /s/d; chown 1000:1000 /s/d",
    )
    .success();
    let tar = c.dir().join("vol.tar");
    c.run(["volume", "export", "src", "-o", tar.to_str().unwrap()])
        .success();
    c.run(["volume", "create", "dst"]).success();
    c.run(["volume", "import", "dst", tar.to_str().unwrap()])
        .success();
    sh(&c, &["-v", "dst:/d", &busybox], "cat /d/f; stat -c %u /d/d")
        .success()
        .stdout_eq("hello\n1000\n");
    c.run(["volume", "export", "nope"])
        .code(125)
        .stderr_contains("no such volume");
}

#[test]
fn bad_volume_input_fails_and_makes_nothing() {
    let c = coracle();
    c.run(["volume", "create", "a b"])
        .code(125)
        .stderr_contains(
            "volume name \"a b\" invalid: names must match [a-zA-Z0-9][a-zA-Z0-9_.-]*",
        );
    c.run(["volume", "create", "--driver", "nfs", "x"])
        .code(125)
        .stderr_contains("volume driver \"nfs\" is not supported");
    c.run(["volume", "create", "-o", "colour=red", "x"])
        .code(125)
        .stderr_contains("invalid mount option colour");
    c.run(["volume", "create", "x"]).success();
    c.run(["volume", "create", "x"])
        .code(125)
        .stderr_contains("volume with name x already exists: volume already exists");
    c.run(["volume", "create", "--ignore", "x"]).success();
    c.run(["volume", "inspect", "nope"])
        .code(125)
        .stderr_contains("Error: inspecting object: no such volume nope");
    assert_eq!(volume_names(&c), ["x"]);
}

#[test]
fn volumes_made_by_mount_take_its_volume_labels_and_options() {
    let c = coracle();
    let busybox = anon_ref("busybox:latest");
    pull(&c, &busybox).success();
    let mount = "type=volume,src=fast,dst=/v,volume-label=team=a,volume-opt=type=tmpfs";
    sh(&c, &["--mount", mount, &busybox], "stat -f -c %T /v")
        .success()
        .stdout_eq("tmpfs\n");
    c.run(["volume", "inspect", "--format", "{{.Labels.team}}", "fast"])
        .success()
        .stdout_eq("a\n");
    let bad = "type=volume,src=odd,dst=/v,volume-opt=type=ext9";
    sh(&c, &["--mount", bad, &busybox], "true")
        .code(125)
        .stderr_contains("volume type \"ext9\" is not supported");
    assert_eq!(volume_names(&c), ["fast"]);
}
