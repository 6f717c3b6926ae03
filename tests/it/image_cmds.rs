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

#[test]
fn pull_arch_picks_that_architecture_as_platform_does() {
    let reference = anon_ref("multi:oci");
    let by_platform = coracle();
    let want = by_platform.run(["pull", "--platform", "linux/arm64", &reference]);
    let c = coracle();
    c.run([
        "pull",
        "--arch",
        "arm64",
        "--disable-content-trust",
        &reference,
    ])
    .success()
    .stdout_eq(want.success().stdout_trim());
    c.run([
        "pull",
        "--arch",
        "arm64",
        "--platform",
        "linux/arm64",
        &reference,
    ])
    .code(125);
}

#[test]
fn pull_all_tags_is_refused_before_anything_is_pulled() {
    let c = coracle();
    c.run(["pull", "--all-tags", &anon_ref("busybox")])
        .code(125)
        .stderr_contains("coracle does not support --all-tags");
    assert!(image_ids(&c).is_empty());
}

#[test]
fn pull_creds_and_authfile() {
    let reg = basic();
    let image = reg.image("private/busybox:latest");
    let c = coracle();
    c.run([
        "pull",
        "-q",
        "--creds",
        &format!("{BASIC_USER}:{BASIC_PASS}"),
        &image,
    ])
    .success();

    // --authfile is the one file searched: the default one is not.
    let c = coracle();
    c.write_auth_json(&reg.addr(), BASIC_USER, BASIC_PASS);
    let default = c.runtime_dir().join("containers/auth.json");
    let mine = c.home().join("my-auth.json");
    c.write_user_file(&mine, &std::fs::read(&default).unwrap());
    let elsewhere = c.home().join("empty-auth.json");
    c.write_user_file(&elsewhere, br#"{"auths": {}}"#);
    c.run([
        "pull",
        "-q",
        "--authfile",
        elsewhere.to_str().unwrap(),
        &image,
    ])
    .code(125);
    std::fs::remove_file(&default).unwrap();
    c.run(["pull", "-q", "--authfile", mine.to_str().unwrap(), &image])
        .success();
}

#[test]
fn rmi_all_removes_every_image_and_ignore_skips_unknown_ones() {
    let (c, image) = with_busybox();
    c.run(["tag", &image, "localhost/other:1"]).success();
    c.run(["rmi", "--ignore", "localhost/nope:1"]).success();
    c.run(["rmi", "-i", "localhost/nope:1", "localhost/other:1"])
        .success()
        .stdout_contains("Untagged: localhost/other:1");
    c.run(["rmi", "-a"]).success();
    assert!(image_ids(&c).is_empty());
}

#[test]
fn save_accepts_podmans_archive_flags() {
    let (c, image) = with_busybox();
    let archive = c.home().join("a.tar");
    let archive = archive.to_str().unwrap();
    let out = c.run([
        "--log-level",
        "debug",
        "save",
        "-m",
        "--uncompressed",
        "-o",
        archive,
        &image,
    ]);
    out.success()
        .stderr_contains("ignoring --multi-image-archive: ")
        .stderr_contains("ignoring --uncompressed: ");
}

#[test]
fn image_prune_filters_choose_what_goes() {
    let (c, image) = with_busybox();
    let id = c.run(["image", "inspect", "--format", "{{.Id}}", &image]);
    let id = id.success().stdout_trim().trim_start_matches("sha256:");
    c.run(["untag", &image]).success();
    c.run(["image", "prune", "-f", "--filter", "label=no.such.label=1"])
        .success();
    c.run(["image", "exists", id]).success();
    // The test images were made in 2024: not before 2000.
    c.run([
        "image",
        "prune",
        "-f",
        "--filter",
        "until=2000-01-01T00:00:00Z",
    ])
    .success();
    c.run(["image", "exists", id]).success();
    c.run(["image", "prune", "--filter", "bogus=1"])
        .code(125)
        .stderr_contains("invalid filter \"bogus=1\"");
    c.run(["image", "prune", "-f", "--filter", "label!=no.such.label"])
        .success()
        .stdout_contains(id);
    c.run(["image", "exists", id]).code(1);
}

#[test]
fn import_records_the_platform_given() {
    let c = coracle();
    let mut tar = tar::Builder::new(Vec::new());
    let mut header = tar::Header::new_gnu();
    header.set_size(3);
    header.set_mode(0o644);
    header.set_uid(0);
    header.set_gid(0);
    header.set_mtime(0);
    tar.append_data(&mut header, "hello", &b"hi\n"[..]).unwrap();
    let path = c.dir().join("rootfs.tar");
    c.write_user_file(&path, &tar.into_inner().unwrap());
    let path = path.to_str().unwrap();
    c.run([
        "image",
        "import",
        "--arch",
        "arm",
        "--variant",
        "v6",
        path,
        "localhost/arm:1",
    ])
    .success();
    let platform = c.run([
        "image",
        "inspect",
        "--format",
        "{{.Os}}/{{.Architecture}}",
        "localhost/arm:1",
    ]);
    platform.success().stdout_eq("linux/arm\n");
}

#[test]
fn image_tree_draws_the_layers_as_podman_does() {
    let (c, image) = with_busybox();
    let id = c.run(["image", "inspect", "--format", "{{.Id}}", &image]);
    let id = id.success().stdout_trim().trim_start_matches("sha256:")[..12].to_owned();
    let out = c.run(["image", "tree", &image]);
    let lines = out.success().stdout_lines();
    assert_eq!(lines[0], format!("Image ID: {id}"), "{out}");
    assert_eq!(lines[1], format!("Tags:     [{image}]"), "{out}");
    assert!(lines[2].starts_with("Size:     "), "{out}");
    assert_eq!(lines[3], "Image Layers", "{out}");
    let last = lines.last().unwrap();
    assert!(last.starts_with("└── ID: "), "{out}");
    assert!(
        last.ends_with(&format!(" Top Layer of: [{image}]")),
        "{out}"
    );
    c.run(["image", "tree", "--whatrequires", &image])
        .code(125)
        .stderr_contains("coracle does not support --whatrequires");
}
