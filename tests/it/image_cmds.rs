//! Podman's image-side subcommands: `image exists`, `untag`, `system migrate`.

use crate::common::*;

#[test]
fn image_exists_exits_0_or_1_silently() {
    let (c, image) = with_busybox();
    let out = c.run(["image", "exists", &image]);
    out.success();
    assert_eq!(out.stdout, "", "{out}");
    let out = c.run(["image", "exists", "localhost/no-such-image:1"]);
    out.code(1);
    assert_eq!(out.stderr, "", "{out}");
}

#[test]
fn untag_removes_the_names_given_and_keeps_the_image() {
    let (c, image) = with_busybox();
    c.run(["tag", &image, "localhost/other:1", "localhost/third:1"])
        .success();
    c.run(["untag", &image, "localhost/other:1"]).success();
    c.run(["image", "exists", "localhost/other:1"]).code(1);
    c.run(["image", "exists", "localhost/third:1"]).success();
    c.run(["image", "untag", &image, "localhost/nope:1"])
        .code(125)
        .stderr_contains("localhost/nope:1: tag not known");
}

#[test]
fn untag_without_names_removes_them_all() {
    let (c, image) = with_busybox();
    c.run(["tag", &image, "localhost/other:1"]).success();
    let out = c.run(["image", "inspect", "--format", "{{.Id}}", &image]);
    let id = out.success().stdout_trim().trim_start_matches("sha256:");
    let id = id[..12].to_owned();
    c.run(["untag", &id]).success();
    c.run(["image", "exists", &image]).code(1);
    c.run(["image", "exists", "localhost/other:1"]).code(1);
    c.run(["image", "exists", &id]).success();
    c.run(["images", "--filter", "dangling=true", "-q"])
        .success()
        .stdout_contains(&id);
}

#[test]
fn system_migrate_succeeds_with_nothing_to_do() {
    let c = coracle();
    c.run(["system", "migrate"]).success();
    c.run(["system", "migrate", "--new-runtime", "crun"])
        .code(125)
        .stderr_contains("coracle does not support --new-runtime");
}
