//! `docker cp` and the SDK's get_archive / put_archive through the socket.

use super::Service;
use crate::common::{run_detached, with_busybox};
use base64::Engine as _;

#[test]
fn docker_cp_files_and_directories_both_ways() {
    let (c, image) = with_busybox();
    run_detached(&c, &["--name", "boat", &image, "sleep", "1000"]);
    let api = Service::start(&c);
    let host = c.dir().join("host");
    c.write_user_file(&host.join("note.txt"), b"ahoy\n");
    c.write_user_file(&host.join("tree/sub/deep.txt"), b"deep\n");
    let h = |p: &str| host.join(p).display().to_string();

    // Into the container: a file, then a directory.
    api.docker(&c, ["cp", &h("note.txt"), "boat:/tmp/"])
        .success();
    api.docker(&c, ["cp", &h("tree"), "boat:/tmp/tree"])
        .success();
    c.run([
        "exec",
        "boat",
        "cat",
        "/tmp/note.txt",
        "/tmp/tree/sub/deep.txt",
    ])
    .success()
    .stdout_eq("ahoy\ndeep\n");

    // And back out, under new names.
    c.run(["exec", "boat", "sh", "-c", "echo made > /tmp/tree/made.txt"])
        .success();
    api.docker(&c, ["cp", "boat:/tmp/note.txt", &h("back.txt")])
        .success();
    api.docker(&c, ["cp", "boat:/tmp/tree", &h("tree-back")])
        .success();
    assert_eq!(
        std::fs::read_to_string(host.join("back.txt")).unwrap(),
        "ahoy\n"
    );
    assert_eq!(
        std::fs::read_to_string(host.join("tree-back/sub/deep.txt")).unwrap(),
        "deep\n"
    );
    assert_eq!(
        std::fs::read_to_string(host.join("tree-back/made.txt")).unwrap(),
        "made\n"
    );

    api.docker(&c, ["cp", "boat:/no/such/file", &h("x")])
        .failure()
        .stderr_contains("Could not find the file /no/such/file in container boat");
    api.docker(&c, ["cp", &h("note.txt"), "boat:/no/such/dir/"])
        .failure();
}

#[test]
fn archive_stat_header_and_errors() {
    let (c, image) = with_busybox();
    run_detached(&c, &["--name", "boat", &image, "sleep", "1000"]);
    let api = Service::start(&c);
    let r = api.call("HEAD", "/containers/boat/archive?path=/etc", None);
    assert_eq!(r.status, 200, "{r:?}");
    let stat = r
        .header("x-docker-container-path-stat")
        .expect("the stat header");
    let stat: serde_json::Value = serde_json::from_slice(
        &base64::engine::general_purpose::STANDARD
            .decode(stat)
            .unwrap(),
    )
    .unwrap();
    assert_eq!(stat["name"], "etc");
    let mode = stat["mode"].as_u64().unwrap();
    assert_eq!(mode >> 31, 1, "a directory in Go's bits: {stat}");
    assert!(stat["mtime"].as_str().unwrap().ends_with('Z'), "{stat}");

    let r = api.call("GET", "/containers/boat/archive?path=/bin/sh", None);
    let stat = r.header("x-docker-container-path-stat").unwrap();
    let stat: serde_json::Value = serde_json::from_slice(
        &base64::engine::general_purpose::STANDARD
            .decode(stat)
            .unwrap(),
    )
    .unwrap();
    assert_eq!(r.header("content-type"), Some("application/x-tar"));
    assert_eq!(stat["mode"].as_u64().unwrap() >> 27 & 1, 1, "{stat}");
    assert_eq!(stat["linkTarget"], "/bin/busybox");

    let r = api.call("GET", "/containers/boat/archive?path=/nope", None);
    assert_eq!(r.status, 404);
    assert_eq!(
        r.message(),
        "Could not find the file /nope in container boat"
    );
    let r = api.call("GET", "/containers/ghost/archive?path=/etc", None);
    assert_eq!(r.status, 404, "{r:?}");
    let r = api.call("GET", "/containers/boat/archive", None);
    assert_eq!(r.status, 400);
    let head = "PUT /containers/boat/archive?path=/etc/passwd HTTP/1.1\r\nHost: d\r\nConnection: close\r\nContent-Type: application/x-tar\r\nContent-Length: 1024\r\n\r\n";
    let r = api.request(head, &[0u8; 1024]);
    assert_eq!(r.status, 400, "{r:?}");
    assert_eq!(r.message(), "extraction point is not a directory");
    // Not a tar: refused whole, and the service serves on.
    let garbage = head.replace("/etc/passwd", "/tmp");
    let r = api.request(&garbage, &[b'x'; 1024]);
    assert_eq!(r.status, 400, "{r:?}");
    let head = head.replace("/etc/passwd", "/no/dir");
    let r = api.request(&head, &[0u8; 1024]);
    assert_eq!(r.status, 404, "{r:?}");
}

#[test]
fn python_sdk_put_and_get_archive_round_trip() {
    let (c, image) = with_busybox();
    run_detached(&c, &["--name", "boat", &image, "sleep", "1000"]);
    let api = Service::start(&c);
    let script = r#"
import docker, io, tarfile
client = docker.from_env()
# The model without an inspect: only the archive routes are asked.
box = client.containers.prepare_model({"Id": "boat"})
data = io.BytesIO()
with tarfile.open(fileobj=data, mode="w") as tar:
    body = b"from python\n"
    info = tarfile.TarInfo("hello.txt")
    info.size = len(body)
    tar.addfile(info, io.BytesIO(body))
assert box.put_archive("/tmp", data.getvalue())
stream, stat = box.get_archive("/tmp/hello.txt")
back = io.BytesIO(b"".join(stream))
with tarfile.open(fileobj=back) as tar:
    print(stat["name"], stat["size"], tar.extractfile("hello.txt").read().decode(), end="")
"#;
    api.python(&c, script)
        .success()
        .stdout_eq("hello.txt 12 from python\n");
}
