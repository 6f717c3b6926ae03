//! What a container with a user namespace of its own (--userns=keep-id, auto)
//! wrote keeps the owners it saw when it is committed, exported or copied out,
//! and what is copied into it gets the owners it is given.

use crate::common::*;
use coracle_testkit::Coracle;
use std::collections::BTreeMap;

/// Where each of the container's files is checked, and by whom it is written.
const FILES: [&str; 2] = ["rootfile", "owned"];

/// Runs `--name k` as root in its namespace: /rootfile root's, /owned `owner`'s.
fn write_files(c: &Coracle, image: &str, userns: &str, owner: &str) {
    let script = format!("touch /rootfile /owned && chown {owner} /owned");
    c.run([
        "run", "--name", "k", userns, "--user", "0", image, "sh", "-c", &script,
    ])
    .success();
}

/// `uid:gid` of each of FILES as a container of image `image` sees them.
fn owners_in_image(c: &Coracle, image: &str) -> String {
    let out = c.run([
        "run",
        "--rm",
        image,
        "stat",
        "-c",
        "%u:%g",
        "/rootfile",
        "/owned",
    ]);
    out.success().stdout.clone()
}

/// `uid:gid` of each entry of the tar coracle writes to its stdout.
fn owners_in_tar(c: &Coracle, args: &[&str]) -> BTreeMap<String, String> {
    let out = c.command(args).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{args:?}: {stderr}");
    let mut found = BTreeMap::new();
    for entry in tar::Archive::new(&out.stdout[..]).entries().unwrap() {
        let entry = entry.unwrap();
        let name = entry.path().unwrap().display().to_string();
        let h = entry.header();
        found.insert(name, format!("{}:{}\n", h.uid().unwrap(), h.gid().unwrap()));
    }
    found
}

/// Commit, export and `cp` out of the stopped container `k` all show `want`.
fn assert_owners(c: &Coracle, want: &str) {
    c.run(["commit", "k", "kimg:1"]).success();
    let committed = owners_in_image(c, "kimg:1");
    let exported = owners_in_tar(c, &["export", "k"]);
    let exported: String = FILES.iter().map(|f| exported[*f].as_str()).collect();
    let copied: String = FILES
        .iter()
        .map(|f| owners_in_tar(c, &["cp", &format!("k:/{f}"), "-"])[*f].clone())
        .collect();
    assert_eq!(
        [committed, exported, copied],
        [want, want, want],
        "commit, export, cp"
    );
}

#[test]
fn userns_keep_id_commit_export_and_cp_keep_the_containers_owners() {
    let (c, image) = with_busybox();
    let user = c.user();
    let owner = format!("{}:{}", user.uid, user.gid);
    write_files(&c, &image, "--userns=keep-id", &owner);
    assert_owners(&c, &format!("0:0\n{owner}\n"));
}

#[test]
fn userns_auto_commit_export_and_cp_keep_the_containers_owners() {
    let (c, image) = with_busybox();
    write_files(&c, &image, "--userns=auto", "5:6");
    assert_owners(&c, "0:0\n5:6\n");
}

#[test]
fn userns_rootful_auto_commit_export_and_cp_keep_the_containers_owners() {
    let Some(c) = Coracle::rootful(BIN) else {
        return;
    };
    let image = anon_ref("busybox:latest");
    pull(&c, &image).success();
    write_files(&c, &image, "--userns=auto", "5:6");
    assert_owners(&c, "0:0\n5:6\n");
}

#[test]
fn userns_keep_id_cp_into_a_stopped_container_gives_the_owners_it_is_given() {
    let (c, image) = with_busybox();
    let args = ["create", "--name", "k", "--userns=keep-id", "--user", "0"];
    c.run(
        args.iter()
            .copied()
            .chain([image.as_str(), "stat", "-c", "%u:%g", "/copied"]),
    )
    .success();
    let file = c.dir().join("copied");
    c.write_user_file(&file, b"x\n");
    // Without -a what goes in is root's, as the container sees it.
    c.run(["cp", file.to_str().unwrap(), "k:/copied"]).success();
    c.run(["start", "-a", "k"]).success().stdout_eq("0:0\n");
}
