//! Mounts on run and create: binds, tmpfs, --volumes-from, what `inspect`
//! shows, hostile images, and every bad input refused with nothing made.

use crate::build::{build, dockerfile_only, give_to_user};
use crate::common::*;
use coracle_testkit::{Coracle, Output};
use std::path::Path;

fn with_busybox(c: &Coracle) -> String {
    let busybox = anon_ref("busybox:latest");
    pull(c, &busybox).success();
    busybox
}

fn sh(c: &Coracle, args: &[&str], script: &str) -> Output {
    let mut all = vec!["run", "--rm"];
    all.extend(args);
    all.extend(["sh", "-c", script]);
    c.run(all)
}

/// A directory in the test dir that the test user owns.
fn user_dir(c: &Coracle, name: &str) -> std::path::PathBuf {
    let dir = c.dir().join(name);
    std::fs::create_dir_all(&dir).unwrap();
    give_to_user(c, &dir);
    dir
}

/// A `:ro` bind refuses writes; a rw one writes through to the host; -v
/// makes a missing source; `--tmpfs` and `--mount type=tmpfs` are tmpfs.
fn binds_and_tmpfs(c: &Coracle) {
    let busybox = with_busybox(c);
    let host = user_dir(c, "host");
    std::fs::write(host.join("in"), "from host\n").unwrap();
    let ro = format!("{}:/h:ro", host.display());
    sh(c, &["-v", &ro, &busybox], "cat /h/in; touch /h/new")
        .code(1)
        .stdout_eq("from host\n")
        .stderr_contains("Read-only file system");
    assert!(!host.join("new").exists());
    let rw = format!("type=bind,src={},dst=/h", host.display());
    sh(c, &["--mount", &rw, &busybox], "echo out > /h/out").success();
    assert_eq!(std::fs::read_to_string(host.join("out")).unwrap(), "out\n");
    let made = c.dir().join("made/here");
    let v = format!("{}:/m", made.display());
    sh(c, &["-v", &v, &busybox], "test -d /m").success();
    assert!(made.is_dir());
    sh(
        c,
        &["--tmpfs", "/t:size=64k", &busybox],
        "grep ' /t ' /proc/mounts",
    )
    .success()
    .stdout_contains("tmpfs /t tmpfs rw,nosuid,nodev,noexec")
    .stdout_contains("size=64k");
    sh(
        c,
        &["--mount", "type=tmpfs,dst=/t,tmpfs-size=1m", &busybox],
        "stat -f -c %T /t",
    )
    .success()
    .stdout_eq("tmpfs\n");
}

#[test]
fn mounts_binds_and_tmpfs() {
    binds_and_tmpfs(&coracle());
}

#[test]
fn mounts_binds_and_tmpfs_rootful() {
    let Some(c) = Coracle::rootful(BIN) else {
        return;
    };
    binds_and_tmpfs(&c);
}

/// `O`: the container sees the host directory and writes over it; the host
/// never sees the writes, and the next run starts from the host's files again.
fn overlay(c: &Coracle) {
    let image = with_busybox(c);
    let host = c.dir().join("lower");
    std::fs::create_dir_all(&host).unwrap();
    std::fs::write(host.join("from-host"), "hello\n").unwrap();
    give_to_user(c, &host);
    let bind = format!("{}:/data:O", host.display());
    let script = "cat /data/from-host; echo new > /data/written; rm /data/from-host; ls /data";
    sh(c, &["-v", &bind, &image], script)
        .success()
        .stdout_eq("hello\nwritten\n");
    assert!(host.join("from-host").exists() && !host.join("written").exists());
    sh(c, &["-v", &bind, &image], "ls /data")
        .success()
        .stdout_eq("from-host\n");
}

#[test]
fn mounts_overlay_writes_never_reach_the_host() {
    overlay(&coracle());
}

#[test]
fn mounts_overlay_writes_never_reach_the_host_rootful() {
    let Some(c) = Coracle::rootful(BIN) else {
        return;
    };
    overlay(&c);
}

#[test]
fn mounts_volumes_from_gets_the_same_mounts() {
    volumes_from(&coracle());
}

#[test]
fn mounts_volumes_from_gets_the_same_mounts_rootful() {
    if let Some(c) = Coracle::rootful(BIN) {
        volumes_from(&c);
    }
}

#[test]
fn mounts_of_a_hostile_image_stay_inside_its_root() {
    hostile(&coracle());
}

#[test]
fn mounts_of_a_hostile_image_stay_inside_its_root_rootful() {
    if let Some(c) = Coracle::rootful(BIN) {
        hostile(&c);
    }
}

#[test]
fn mounts_bad_input_fails_and_makes_nothing() {
    bad_input(&coracle());
}

#[test]
fn mounts_bad_input_fails_and_makes_nothing_rootful() {
    if let Some(c) = Coracle::rootful(BIN) {
        bad_input(&c);
    }
}

fn volumes_from(c: &Coracle) {
    let busybox = with_busybox(c);
    let host = user_dir(c, "shared");
    let bind = format!("{}:/b", host.display());
    c.run([
        "create", "--name", "first", "-v", &bind, "-v", "vol:/v", "--tmpfs", "/t", &busybox,
    ])
    .success();
    sh(
        c,
        &["--volumes-from", "first", &busybox],
        "echo b > /b/f; echo v > /v/f; grep -c ' /t ' /proc/mounts",
    )
    .code(1)
    .stdout_eq("0\n");
    sh(
        c,
        &["--volumes-from", "first:ro", &busybox],
        "cat /b/f /v/f; touch /v/g",
    )
    .code(1)
    .stdout_eq("b\nv\n")
    .stderr_contains("Read-only file system");
    let inspect = c.run(["inspect", "--format", "{{json .Mounts}}", "first"]);
    let mounts: serde_json::Value = serde_json::from_str(inspect.success().stdout_trim()).unwrap();
    let mounts = mounts.as_array().unwrap();
    assert_eq!(mounts.len(), 2, "a tmpfs is not in Mounts: {mounts:?}");
    assert_eq!(mounts[0]["Type"], "bind");
    assert_eq!(mounts[0]["Source"], host.to_str().unwrap());
    assert_eq!(mounts[0]["RW"], true);
    assert_eq!(mounts[0]["Propagation"], "rprivate");
    assert_eq!(mounts[1]["Type"], "volume");
    assert_eq!(mounts[1]["Name"], "vol");
    assert_eq!(mounts[1]["Driver"], "local");
}

/// Nothing in `dir` (which the image's symlinks point at) after the run.
fn assert_empty(dir: &Path) {
    let found = walk(dir);
    assert!(found.is_empty(), "written outside the container: {found:?}");
}

fn hostile(c: &Coracle) {
    let busybox = with_busybox(c);
    let outside = user_dir(c, "outside");
    let secret = user_dir(c, "secret");
    std::fs::write(secret.join("secret"), "do not copy").unwrap();
    // Symlinks to /, to .. and far out of the root, to where the host has
    // `outside` and `secret`.
    let up = "../../../../../../../../../../..";
    let dockerfile = format!(
        "FROM {busybox}\nRUN ln -s / /root-link && ln -s .. /dotdot && ln -s {up}{} /escape && ln -s {up}{} /leak\n",
        outside.display(),
        secret.display()
    );
    let ctx = dockerfile_only(c, "hostile", &dockerfile);
    build(c, &["-q", "-t", "hostile", ctx.to_str().unwrap()]).success();
    let script =
        "echo a > /escape/sub/f && echo b > /dotdot/x/f && echo c > /root-link/y/f && ls /leak";
    sh(
        c,
        &[
            "-v",
            "esc:/escape/sub",
            "-v",
            "dd:/dotdot/x",
            "-v",
            "rl:/root-link/y",
            "-v",
            "leak:/leak",
            "hostile",
        ],
        script,
    )
    .success()
    .stdout_eq("");
    assert_empty(&outside);
    // The copy-up of /leak found nothing inside the root to copy.
    let leak = c.root().join("volumes/leak/_data");
    assert_eq!(std::fs::read_dir(&leak).unwrap().count(), 0);
    sh(
        c,
        &["-v", "esc:/e", "-v", "dd:/d", "-v", "rl:/r", &busybox],
        "cat /e/f /d/f /r/f",
    )
    .success()
    .stdout_eq("a\nb\nc\n");
}

fn bad_input(c: &Coracle) {
    let busybox = with_busybox(c);
    let host = user_dir(c, "src");
    let h = host.display().to_string();
    let missing = c.dir().join("missing");
    let cases: Vec<(Vec<String>, &str)> = vec![
        (
            vec!["-v".into(), format!("{h}:data")],
            "invalid container path \"data\", must be an absolute path",
        ),
        (
            vec!["--tmpfs".into(), "tmp".into()],
            "invalid container path \"tmp\", must be an absolute path",
        ),
        (
            vec!["-v".into(), format!("{h}:/d:shiny")],
            "unknown mount option \"shiny\"",
        ),
        (
            vec!["--mount".into(), "type=tmpfs,dst=/t,colour=red".into()],
            "unknown mount option colour=red",
        ),
        (
            vec![
                "-v".into(),
                "new1:/d".into(),
                "-v".into(),
                format!("{h}:/d"),
            ],
            "/d: duplicate mount destination",
        ),
        (
            vec!["-v".into(), "bad@name:/d".into()],
            "volume name \"bad@name\" invalid",
        ),
        (
            vec![
                "-v".into(),
                "new2:/d".into(),
                "--volumes-from".into(),
                "nosuch".into(),
            ],
            "no container with name or ID \"nosuch\" found: no such container",
        ),
        (
            vec![
                "-v".into(),
                "new3:/a".into(),
                "--mount".into(),
                format!("type=bind,src={},dst=/d", missing.display()),
            ],
            "bind source path does not exist",
        ),
        (
            vec!["-v".into(), "named:/d:O".into()],
            "the O (overlay) option is only for host directories",
        ),
    ];
    for (flags, error) in cases {
        let mut args = vec!["run".to_string(), "--rm".into()];
        args.extend(flags);
        args.extend([busybox.clone(), "true".into()]);
        let out = c.run(&args);
        out.code(125).stderr_contains(error);
        assert_eq!(out.stderr.lines().count(), 1, "one line: {out}");
    }
    assert!(!missing.exists());
    c.run(["ps", "-a", "-q"]).success().stdout_eq("");
    c.run(["volume", "ls", "-q"]).success().stdout_eq("");
    // A run that fails once its volumes are made leaves no anonymous one behind.
    c.run(["create", "--name", "taken", &busybox]).success();
    c.run(["run", "--name", "taken", "-v", "/anon", &busybox, "true"])
        .code(125)
        .stderr_contains("already in use");
    c.run(["volume", "ls", "-q"]).success().stdout_eq("");
}
