//! cp and export: files between a container (running or stopped) and the host,
//! with Docker's rules for where they land; names resolve inside the container.

use crate::common::*;
use coracle_testkit::{Coracle, Output};
use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::process::Stdio;

/// A busybox container left running, with /data/{a,sub/b} and /marker in it.
fn running(c: &Coracle) -> String {
    let image = anon_ref("busybox:latest");
    pull(c, &image).success();
    let out = c.run(["run", "-d", &image, "sleep", "1000"]);
    let id = out.success().stdout_trim().to_owned();
    exec(
        c,
        &id,
        "mkdir -p /data/sub && echo a > /data/a && echo b > /data/sub/b && echo inside > /marker",
    )
    .success();
    id
}

fn exec(c: &Coracle, id: &str, script: &str) -> Output {
    c.run(["exec", id, "sh", "-c", script])
}

fn cp(c: &Coracle, args: &[&str]) -> Output {
    c.run(["cp"].iter().chain(args))
}

/// A directory on the host the test user may write in.
fn host_dir(c: &Coracle, name: &str) -> PathBuf {
    let dir = c.dir().join(name);
    c.write_user_file(&dir.join(".keep"), b"");
    std::fs::remove_file(dir.join(".keep")).unwrap();
    dir
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

#[test]
fn cp_into_a_running_container_follows_dockers_rules() {
    let c = coracle();
    let id = running(&c);
    let h = host_dir(&c, "h");
    c.write_user_file(&h.join("file.txt"), b"hello\n");
    c.write_user_file(&h.join("tree/x"), b"x\n");
    c.write_user_file(&h.join("tree/deep/y"), b"y\n");
    let at = |p: &str| format!("{id}:{p}");
    // A file into a directory, as a new name, over a file.
    cp(&c, &[s(&h.join("file.txt")), &at("/tmp")]).success();
    cp(&c, &[s(&h.join("file.txt")), &at("/tmp/renamed")]).success();
    cp(&c, &[s(&h.join("tree/x")), &at("/data/a")]).success();
    exec(
        &c,
        &id,
        "cat /tmp/file.txt /tmp/renamed /data/a; stat -c %u:%g /tmp/file.txt",
    )
    .success()
    .stdout_eq("hello\nhello\nx\n0:0\n");
    cp(&c, &[s(&h.join("file.txt")), &at("/tmp/nodir/")])
        .code(125)
        .stderr_contains("does not exist");
    // A directory as a new one, into one, and only its contents.
    cp(&c, &[s(&h.join("tree")), &at("/new")]).success();
    cp(&c, &[s(&h.join("tree")), &at("/data")]).success();
    cp(&c, &[&format!("{}/.", s(&h.join("tree"))), &at("/tmp")]).success();
    exec(&c, &id, "cat /new/deep/y /data/tree/x /tmp/x /tmp/deep/y")
        .success()
        .stdout_eq("y\nx\nx\ny\n");
    cp(&c, &[s(&h.join("tree")), &at("/marker")])
        .code(125)
        .stderr_contains("cannot copy a directory to a file");
    // -a keeps the owner: the test user's uid, as the container sees it.
    cp(&c, &["-a", s(&h.join("file.txt")), &at("/tmp/owned")]).success();
    exec(&c, &id, "stat -c %u /tmp/owned")
        .success()
        .stdout_eq(&format!("{}\n", c.user().uid));
}

#[test]
fn cp_out_of_a_running_container_follows_dockers_rules() {
    let c = coracle();
    let id = running(&c);
    let h = host_dir(&c, "h");
    let at = |p: &str| format!("{id}:{p}");
    cp(&c, &[&at("/marker"), s(&h)]).success();
    assert_eq!(read(&h.join("marker")), "inside\n");
    cp(&c, &[&at("/data/a"), s(&h.join("marker"))]).success();
    assert_eq!(read(&h.join("marker")), "a\n");
    // A missing destination becomes the directory; an existing one receives it.
    cp(&c, &[&at("/data"), s(&h.join("copy"))]).success();
    assert_eq!(read(&h.join("copy/sub/b")), "b\n");
    cp(&c, &[&at("/data"), s(&h.join("copy"))]).success();
    assert_eq!(read(&h.join("copy/data/a")), "a\n");
    cp(&c, &[&at("/data/sub/."), s(&h)]).success();
    assert_eq!(read(&h.join("b")), "b\n");
    // What lands on the host is the caller's.
    let meta = std::fs::metadata(h.join("copy/sub/b")).unwrap();
    assert_eq!((meta.uid(), meta.gid()), (c.user().uid, c.user().gid));
    cp(&c, &[&at("/data"), s(&h.join("marker"))])
        .code(125)
        .stderr_contains("cannot copy a directory to a file");
    cp(&c, &[&at("/no/such/file"), s(&h)])
        .code(125)
        .stderr_contains("no such container path");
    cp(&c, &[&at("/marker/"), s(&h)])
        .code(125)
        .stderr_contains("not a directory");
}

#[test]
fn cp_works_on_a_stopped_container() {
    let c = coracle();
    let id = running(&c);
    c.run(["stop", "-t", "0", &id]).success();
    let h = host_dir(&c, "h");
    c.write_user_file(&h.join("file.txt"), b"while stopped\n");
    cp(&c, &[&format!("{id}:/data"), s(&h.join("out"))]).success();
    assert_eq!(read(&h.join("out/a")), "a\n");
    cp(&c, &[s(&h.join("file.txt")), &format!("{id}:/tmp/in")]).success();
    c.run(["start", &id]).success();
    exec(&c, &id, "cat /tmp/in")
        .success()
        .stdout_eq("while stopped\n");
}

#[test]
fn cp_streams_tar_archives_on_stdin_and_stdout() {
    let c = coracle();
    let id = running(&c);
    let files = tar_entries(&tar_out(&c, &["cp", &format!("{id}:/data"), "-"])[..]);
    let names: Vec<&String> = files.keys().collect();
    assert_eq!(names, ["data", "data/a", "data/sub", "data/sub/b"]);
    assert_eq!(files["data/sub/b"], "b\n");

    let mut tar = tar::Builder::new(Vec::new());
    let mut header = tar::Header::new_gnu();
    header.set_size(7);
    header.set_mode(0o644);
    tar.append_data(&mut header, "streamed/file", &b"stream\n"[..])
        .unwrap();
    let tar = tar.into_inner().unwrap();
    let send = |dest: &str| {
        let mut cmd = c.command(["cp", "-", dest]);
        cmd.stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = cmd.spawn().unwrap();
        child.stdin.take().unwrap().write_all(&tar).unwrap();
        child.wait_with_output().unwrap()
    };
    let sent = send(&format!("{id}:/tmp"));
    assert!(
        sent.status.success(),
        "{}",
        String::from_utf8_lossy(&sent.stderr)
    );
    exec(&c, &id, "cat /tmp/streamed/file")
        .success()
        .stdout_eq("stream\n");
    let refused = send(&format!("{id}:/marker"));
    assert_eq!(refused.status.code(), Some(125));
    assert!(String::from_utf8_lossy(&refused.stderr).contains("must be a directory"));
}

#[test]
fn cp_paths_cannot_leave_the_container() {
    let c = coracle();
    let id = running(&c);
    let h = host_dir(&c, "h");
    cp(&c, &[&format!("{id}:../../../etc/passwd"), s(&h)])
        .code(125)
        .stderr_contains("leads outside the container's root");
    cp(&c, &["/etc/hostname", &format!("{id}:/tmp/../../x")])
        .code(125)
        .stderr_contains("leads outside the container's root");
    // Symlinks inside resolve inside: to the container's /, not the host's.
    exec(
        &c,
        &id,
        "ln -s / /tmp/root && ln -s ../../../../.. /tmp/up && ln -s /marker /tmp/link",
    )
    .success();
    for stopped in [false, true] {
        if stopped {
            c.run(["stop", "-t", "0", &id]).success();
        }
        let container = &id;
        let _ = std::fs::remove_file(h.join("marker"));
        cp(&c, &[&format!("{container}:/tmp/up/marker"), s(&h)]).success();
        assert_eq!(read(&h.join("marker")), "inside\n");
        cp(
            &c,
            &[&format!("{container}:/tmp/root/data/a"), s(&h.join("a"))],
        )
        .success();
        assert_eq!(read(&h.join("a")), "a\n");
        c.write_user_file(&h.join("planted"), b"planted\n");
        cp(
            &c,
            &[s(&h.join("planted")), &format!("{container}:/tmp/up/")],
        )
        .success();
        assert!(!Path::new("/planted").exists(), "written on the host");
    }
    // A symlink given as the source is copied as one, or followed with -L.
    cp(&c, &[&format!("{id}:/tmp/link"), s(&h.join("l1"))]).success();
    assert_eq!(
        std::fs::read_link(h.join("l1")).unwrap(),
        Path::new("/marker")
    );
    cp(&c, &["-L", &format!("{id}:/tmp/link"), s(&h.join("l2"))]).success();
    assert_eq!(read(&h.join("l2")), "inside\n");
    c.run(["start", &id]).success();
    exec(&c, &id, "cat /planted")
        .success()
        .stdout_eq("planted\n");
}

#[test]
fn export_writes_the_whole_filesystem_running_or_not() {
    let c = coracle();
    let id = running(&c);
    let running_files = tar_entries(&tar_out(&c, &["export", &id])[..]);
    for want in ["marker", "data/sub/b", "bin/busybox", "etc/passwd"] {
        assert!(running_files.contains_key(want), "{want} missing");
    }
    // What is mounted in (/proc) is not the container's filesystem.
    assert!(!running_files.keys().any(|n| n.starts_with("proc/")));
    c.run(["stop", "-t", "0", &id]).success();
    let file = c.dir().join("out.tar");
    c.write_user_file(&file, b"");
    c.run(["export", "-o", s(&file), &id]).success();
    let stopped_files = tar_entries(std::fs::File::open(&file).unwrap());
    assert_eq!(stopped_files["marker"], "inside\n");
}

/// Runs coracle, which must succeed, and returns its stdout (a tar).
fn tar_out(c: &Coracle, args: &[&str]) -> Vec<u8> {
    let out = c.command(args).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{args:?}: {stderr}");
    out.stdout
}

/// A tar's entries by name, with their contents.
fn tar_entries(tar: impl Read) -> BTreeMap<String, String> {
    let mut archive = tar::Archive::new(tar);
    let mut files = BTreeMap::new();
    for entry in archive.entries().unwrap() {
        let mut entry = entry.unwrap();
        let name = entry.path().unwrap().display().to_string();
        let mut data = Vec::new();
        entry.read_to_end(&mut data).unwrap();
        files.insert(name, String::from_utf8_lossy(&data).into_owned());
    }
    files
}

#[test]
fn cp_keeps_hard_links_both_ways() {
    let c = coracle();
    let id = running(&c);
    exec(&c, &id, "ln /data/a /data/sub/a2").success();
    let h = host_dir(&c, "h");
    cp(&c, &[&format!("{id}:/data"), s(&h)]).success();
    let inode = |p: &str| std::fs::metadata(h.join(p)).unwrap().ino();
    assert_eq!(inode("data/a"), inode("data/sub/a2"));
    assert_ne!(inode("data/a"), inode("data/sub/b"));

    cp(&c, &[s(&h.join("data")), &format!("{id}:/back")]).success();
    exec(
        &c,
        &id,
        "test $(stat -c %i /back/a) = $(stat -c %i /back/sub/a2) && test $(stat -c %h /back/a) = 2",
    )
    .success();
}
