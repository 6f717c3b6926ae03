//! Podman commands and flags that were missing: `images --history` (with
//! NamesHistory in `image inspect`), `image mount`/`unmount`, `container clone`
//! and `search`.

use crate::common::*;
use serde_json::Value;

/// Podman's order: the names an image has now, the latest given first, then the
/// ones it lost; a name another image took stays in the old image's history.
#[test]
fn images_history_lists_every_name_an_image_had() {
    let (c, image) = with_busybox();
    c.run(["tag", &image, "localhost/foo:1"]).success();
    c.run(["tag", "localhost/foo:1", "localhost/foo:2"])
        .success();
    c.run(["untag", "localhost/foo:1", "localhost/foo:1"])
        .success();
    let history = format!("localhost/foo:2, {image}, localhost/foo:1");
    c.run(["images", "--history", "--format", "{{.History}}"])
        .success()
        .stdout_eq(&format!("{history}\n{history}\n"));
    let table = c.run([
        "images",
        "--history",
        "--noheading",
        "--filter",
        "reference=localhost/foo",
    ]);
    let line = table.success().stdout_trim().to_owned();
    assert!(line.starts_with("localhost/foo  "), "{line}");
    assert!(line.ends_with(&format!("  {history}")), "{line}");
    let header = c.run(["images", "--history"]);
    let first = header.success().stdout_lines()[0].to_owned();
    assert!(first.ends_with("SIZE        HISTORY"), "{first}");
    let json: Value =
        serde_json::from_str(&c.run(["images", "--format", "json"]).success().stdout).unwrap();
    let want = serde_json::json!(["localhost/foo:2", image, "localhost/foo:1"]);
    assert_eq!(json[0]["History"], want, "{json}");
    c.run([
        "image",
        "inspect",
        "--format",
        "{{json .NamesHistory}}",
        "localhost/foo:2",
    ])
    .success()
    .stdout_eq(&format!("{want}\n"));
    // Another image takes foo:2; the first keeps it in its history.
    c.run(["import", "/dev/null", "localhost/foo:2"]).success();
    c.run([
        "image",
        "inspect",
        "--format",
        "{{json .NamesHistory}}",
        &image,
    ])
    .success()
    .stdout_eq(&format!("{want}\n"));
}

#[test]
fn rootless_image_mount_outside_unshare_is_refused_as_podman_refuses_it() {
    let (c, image) = with_busybox();
    c.run(["image", "mount", &image]).code(125).stderr_contains(
        "Error: cannot run command \"coracle image mount\" in rootless mode, must execute `coracle unshare` first\n",
    );
    // Nothing is mounted in this command's namespace: nothing to unmount.
    c.run(["image", "unmount", &image]).success().stdout_eq("");
    c.run(["image", "umount", "nosuch"])
        .code(125)
        .stderr_contains("Error: nosuch: image not known\n");
    c.run(["image", "mount", "--format", "xx"])
        .code(125)
        .stderr_contains("Error: unknown --format argument: \"xx\"\n");
    c.run(["image", "mount", "-a", &image])
        .code(125)
        .stderr_contains("when using the --all switch, you may not pass any image names or IDs");
}

/// In a user and mount namespace of the caller's own (`unshare -rm`, as
/// tests/it/mount.rs stands it in for `coracle unshare`): the image's files, read-only, mounted as many
/// times as asked and unmounted with the last, listed and reported as Podman does.
#[test]
fn image_mount_shows_the_image_files_read_only_until_the_last_unmount() {
    let (c, image) = with_busybox();
    let id = c
        .run(["image", "inspect", "--format", "{{.Id}}", &image])
        .success()
        .stdout_trim()
        .to_owned();
    let coracle = format!(
        "{} --root {} --runroot {}",
        c.bin().display(),
        c.root().display(),
        c.runroot().display()
    );
    let script = format!(
        "set -e; p=$({coracle} image mount {image}); test -x $p/bin/busybox; \
         touch $p/new 2>/dev/null && echo writable; \
         test \"$({coracle} image mount {image})\" = $p; \
         {coracle} image mount; \
         {coracle} image mount --format json | grep -c '^  \"mountpoint\": \"'$p'\"$'; \
         {coracle} image unmount {image}; test -x $p/bin/busybox; \
         {coracle} image umount {image}; test ! -e $p/bin/busybox; \
         {coracle} image unmount {image}; echo end"
    );
    let mut cmd = c.peer_command("unshare");
    cmd.args(["-rm", "sh", "-c", &script]);
    let out = c.run_command(cmd);
    let path = c.root().join("image-mounts").join(&id).join("merged");
    out.success().stdout_eq(&format!(
        "{image}  {}\n1\n{id}\n{id}\nend\n",
        path.display()
    ));
}

/// A v2 registry without a search API: Podman searches its catalog for
/// repositories whose names contain the term.
#[test]
fn search_lists_the_registrys_repositories_that_match() {
    let c = coracle();
    let addr = anon().registry.addr();
    let hostile: Vec<String> = ["abs-symlink", "dotdot", "hardlink", "symlink"]
        .iter()
        .map(|n| format!("{addr}/hostile/{n}"))
        .collect();
    let out = c.run(["search", &format!("{addr}/hostile")]);
    let lines = out.success().stdout_lines();
    let width = hostile[0].len() + 2;
    assert_eq!(lines[0], format!("{:width$}DESCRIPTION", "NAME"), "{out}");
    let names: Vec<&str> = lines[1..].iter().map(|l| l.trim_end()).collect();
    assert_eq!(names, hostile, "{out}");
    c.run([
        "image",
        "search",
        "--limit",
        "2",
        "--format",
        "{{.Name}}",
        &format!("{addr}/hostile"),
    ])
    .success()
    .stdout_eq(&format!("{}\n{}\n", hostile[0], hostile[1]));
    let json: Value = serde_json::from_str(
        &c.run(["search", "--format", "json", &format!("{addr}/dotdot")])
            .success()
            .stdout,
    )
    .unwrap();
    assert_eq!(
        json,
        serde_json::json!([{"Index": addr, "Name": hostile[1], "Description": "",
            "Stars": 0, "Official": "", "Automated": "", "Tag": ""}])
    );
    // Nothing found, or nothing official: no output at all, and success.
    c.run(["search", &format!("{addr}/no-such-thing")])
        .success()
        .stdout_eq("");
    c.run([
        "search",
        "--filter",
        "is-official",
        &format!("{addr}/hostile"),
    ])
    .success()
    .stdout_eq("");
    c.run(["search", "--filter", "bad", &format!("{addr}/hostile")])
        .code(125)
        .stderr_contains("Error: invalid filter type \"bad\"");
}

#[test]
fn search_list_tags_lists_a_repositorys_tags() {
    let c = coracle();
    let repo = anon_ref("multilayer");
    let out = c.run(["search", "--list-tags", &repo]);
    let mut lines = out.success().stdout_lines();
    assert!(lines.remove(0).starts_with("NAME "), "{out}");
    let mut tags: Vec<String> = lines
        .iter()
        .map(|l| l.strip_prefix(&repo).unwrap().trim().to_owned())
        .collect();
    tags.sort();
    assert_eq!(tags, ["extra", "latest", "v2s2", "zstd"], "{out}");
    let json: Value = serde_json::from_str(
        &c.run(["search", "--list-tags", "--format", "json", &repo])
            .success()
            .stdout,
    )
    .unwrap();
    assert_eq!(json[0]["Name"], repo.as_str(), "{json}");
    assert_eq!(json[0]["Tags"].as_array().unwrap().len(), 4, "{json}");
    let one = c.run([
        "search",
        "--list-tags",
        "--limit",
        "1",
        "--format",
        "{{.Tag}}",
        &repo,
    ]);
    assert_eq!(one.success().stdout_lines().len(), 1, "{one}");
}

/// The catalog of a registry that wants credentials is read with the saved ones.
#[test]
fn search_uses_the_saved_login() {
    let c = coracle();
    let reg = basic();
    let term = format!("{}/busy", reg.addr());
    c.run(["search", &term]).code(125);
    c.run(["login", "-u", BASIC_USER, "-p", BASIC_PASS, &reg.addr()])
        .success();
    c.run(["search", "--format", "{{.Name}}", &term])
        .success()
        .stdout_eq(&format!("{}/private/busybox\n", reg.addr()));
}

/// `--systemd=true|false` is ignored through unsupported.rs: said in --help and
/// in the debug log, and the container runs as any other.
#[test]
fn systemd_true_or_false_is_ignored_out_loud() {
    let (c, image) = with_busybox();
    c.run(["run", "--help"])
        .success()
        .stdout_contains("(ignored: coracle has no systemd");
    let out = c.run([
        "--log-level",
        "debug",
        "run",
        "--rm",
        "--systemd=false",
        &image,
        "echo",
        "ran",
    ]);
    out.success().stdout_eq("ran\n");
    out.stderr_contains("--systemd");
}

/// `coracle unshare` itself: a mount namespace of its own, where `image mount`
/// works (it used to fail with EPERM in the host's), as in `podman unshare`.
#[test]
fn image_mount_works_inside_coracle_unshare() {
    let (c, image) = with_busybox();
    let coracle = format!(
        "{} --root {} --runroot {}",
        c.bin().display(),
        c.root().display(),
        c.runroot().display()
    );
    let script = format!(
        "set -e; p=$({coracle} image mount {image}); test -x $p/bin/busybox; \
         {coracle} image umount {image} >/dev/null; test ! -e $p/bin/busybox; echo end"
    );
    c.run(["unshare", "sh", "-c", &script])
        .success()
        .stdout_eq("end\n");
}

/// Podman's `rmi` (and `rmi -f`) of a mounted image: no refusal; every mount
/// of it goes with it, as containers/storage unmounts a layer it deletes.
#[test]
fn rmi_of_a_mounted_image_takes_its_mounts_with_it() {
    let (c, image) = with_busybox();
    let id = c
        .run(["image", "inspect", "--format", "{{.Id}}", &image])
        .success()
        .stdout_trim()
        .to_owned();
    c.run(["tag", &image, "localhost/second:latest"]).success();
    let coracle = format!(
        "{} --root {} --runroot {}",
        c.bin().display(),
        c.root().display(),
        c.runroot().display()
    );
    let script = format!(
        "set -e; p=$({coracle} image mount {image}); {coracle} image mount {image} >/dev/null; \
         {coracle} rmi -f {id}; test ! -e $p; \
         ! grep -q image-mounts /proc/self/mountinfo; {coracle} image mount; echo end"
    );
    c.run(["unshare", "sh", "-c", &script])
        .success()
        .stdout_contains("Untagged: localhost/second:latest\n")
        .stdout_contains(&format!("Deleted: sha256:{id}\nend\n"));
    assert!(!c.root().join("image-mounts").join(&id).exists());
}
