//! Image routes through the socket: pull, list, inspect, history, tag, rmi,
//! push, save and load, build and commit, with the docker CLI, the Python SDK
//! and raw requests for what clients never send.

use super::Service;
use crate::build::{context, with_busybox};
use crate::common::*;
use base64::Engine as _;

#[test]
fn docker_pull_lists_inspects_tags_and_removes() {
    let c = coracle();
    let api = Service::start(&c);
    let image = anon_ref("busybox:latest");
    let out = api.docker(&c, ["pull", &image]);
    out.success()
        .stdout_contains("latest: Pulling from busybox")
        .stdout_contains("Pull complete")
        .stdout_contains("Digest: sha256:")
        .stdout_contains(&format!("Status: Downloaded newer image for {image}"));
    // The CLI sees what the socket pulled: they share the store.
    c.run(["image", "inspect", &image]).success();
    api.docker(&c, ["pull", &image])
        .success()
        .stdout_contains(&format!("Status: Image is up to date for {image}"));

    let id = api
        .docker(&c, ["image", "inspect", "--format", "{{.Id}}", &image])
        .success()
        .stdout_trim()
        .to_owned();
    assert!(id.starts_with("sha256:") && id.len() == 71, "{id}");
    api.docker(&c, ["images", "-q"])
        .success()
        .stdout_eq(&format!("{}\n", &id[7..19]));
    api.docker(&c, ["images", "--format", "{{.Repository}}:{{.Tag}}"])
        .success()
        .stdout_eq(&format!("{image}\n"));
    api.docker(&c, ["history", "-q", &image])
        .success()
        .stdout_contains(&id[7..19]);

    api.docker(&c, ["tag", &image, "mine:1"]).success();
    api.docker(
        &c,
        ["images", "--format", "{{.Repository}}:{{.Tag}}", "mine"],
    )
    .success()
    .stdout_eq("mine:1\n");
    api.docker(&c, ["rmi", "mine:1"])
        .success()
        .stdout_eq("Untagged: mine:1\n");

    // In use by a container: Docker's conflict, and the image stays.
    c.run(["create", "--name", "user", &image]).success();
    api.docker(&c, ["rmi", &image])
        .failure()
        .stderr_contains("Error response from daemon");
    c.run(["image", "inspect", &image]).success();
    c.run(["rm", "user"]).success();
    api.docker(&c, ["rmi", &image])
        .success()
        .stdout_contains(&format!("Deleted: {id}"));
    let missing = api.call("GET", "/v1.44/images/nosuch:1/json", None);
    assert_eq!(missing.status, 404, "{}", missing.message());
}

#[test]
fn rootful_pull_and_build() {
    let Some(c) = coracle_testkit::Coracle::rootful(BIN) else {
        return;
    };
    let api = Service::start(&c);
    let image = anon_ref("busybox:latest");
    api.docker(&c, ["pull", &image])
        .success()
        .stdout_contains("Downloaded newer image");
    let dir = context(
        &c,
        "ctx",
        &[("Dockerfile", &format!("FROM {image}\nRUN echo as-root\n"))],
    );
    api.docker(&c, ["build", "-t", "rootful:1", dir.to_str().unwrap()])
        .success()
        .stdout_contains("as-root")
        .stdout_contains("Successfully tagged rootful:1");
}

#[test]
fn pull_of_a_missing_image_is_an_error_before_the_stream() {
    let c = coracle();
    let api = Service::start(&c);
    let missing = anon_ref("nosuch:latest");
    let path = format!("/v1.44/images/create?fromImage={missing}&tag=latest");
    let reply = api.call("POST", &path, None);
    assert!(reply.status >= 400, "{}", reply.status);
    assert!(!reply.message().is_empty());
    api.docker(&c, ["pull", &missing]).failure();
}

#[test]
fn pull_takes_the_credentials_of_x_registry_auth() {
    let c = coracle();
    let api = Service::start(&c);
    let private = basic().image("private/busybox");
    let path = format!("/v1.44/images/create?fromImage={private}&tag=latest");
    let refused = api.call("POST", &path, None);
    assert!(refused.status >= 400, "{}", refused.status);
    // Docker's clients send base64url of the JSON, unpadded or padded.
    let auth = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(format!(
        r#"{{"username":"{BASIC_USER}","password":"{BASIC_PASS}","serveraddress":"{}"}}"#,
        basic().addr()
    ));
    let head = format!(
        "POST {path} HTTP/1.1\r\nHost: d\r\nConnection: close\r\nX-Registry-Auth: {auth}\r\n\r\n"
    );
    let reply = api.request(&head, b"");
    assert_eq!(reply.status, 200);
    let body = String::from_utf8_lossy(&reply.body).into_owned();
    assert!(body.contains("Downloaded newer image"), "{body}");
    c.run(["image", "inspect", &format!("{private}:latest")])
        .success();
}

#[test]
fn a_client_that_leaves_mid_pull_leaves_the_service_serving() {
    let c = coracle();
    let api = Service::start(&c);
    big();
    let image = anon_ref("big");
    let mut conn = std::os::unix::net::UnixStream::connect(&api.socket).unwrap();
    let head = format!(
        "POST /v1.44/images/create?fromImage={image}&tag=latest HTTP/1.1\r\nHost: d\r\n\r\n"
    );
    std::io::Write::write_all(&mut conn, head.as_bytes()).unwrap();
    let mut first = [0u8; 64];
    std::io::Read::read(&mut conn, &mut first).unwrap();
    assert!(first.starts_with(b"HTTP/1.1 200"));
    drop(conn);
    assert_eq!(api.call("GET", "/_ping", None).status, 200);
    // The pull went on to its end, or left nothing half-made behind.
    api.docker(&c, ["pull", &image]).success();
    api.docker(&c, ["image", "inspect", &image]).success();
}

#[test]
fn docker_push_save_and_load() {
    let (c, image) = with_busybox();
    let api = Service::start(&c);
    let target = anon_ref("api-pushed/busybox:v1");
    api.docker(&c, ["tag", &image, &target]).success();
    api.docker(&c, ["push", &target])
        .success()
        .stdout_contains("v1: digest: sha256:");
    let other = coracle();
    pull(&other, &target).success();

    let tar = c.dir().join("saved.tar");
    give_file(&c, &tar);
    api.docker(&c, ["save", "-o", tar.to_str().unwrap(), &target])
        .success();
    api.docker(&c, ["rmi", &target]).success();
    api.docker(&c, ["load", "-i", tar.to_str().unwrap()])
        .success()
        .stdout_contains(&format!("Loaded image: {target}"));
    c.run(["image", "inspect", &target]).success();
}

/// An empty file the test user may overwrite (the docker CLI writes as it).
fn give_file(c: &coracle_testkit::Coracle, path: &std::path::Path) {
    std::fs::write(path, b"").unwrap();
    let user = c.user();
    std::os::unix::fs::chown(path, Some(user.uid), Some(user.gid)).unwrap();
}

#[test]
fn docker_build_runs_copies_tags_and_fails_as_docker_does() {
    let (c, image) = with_busybox();
    let api = Service::start(&c);
    let dockerfile = format!(
        "FROM {image}\nRUN echo built-here > /built && echo run-said-this\nCOPY hello.txt /hello.txt\n"
    );
    let dir = context(
        &c,
        "ctx",
        &[
            ("Dockerfile", dockerfile.as_str()),
            ("hello.txt", "hello\n"),
        ],
    );
    let out = api.docker(&c, ["build", "-t", "built:1", dir.to_str().unwrap()]);
    out.success()
        .stdout_contains("Step 1/3 : FROM")
        .stdout_contains("run-said-this")
        .stdout_contains("Successfully built")
        .stdout_contains("Successfully tagged built:1");
    c.run(["run", "--rm", "built:1", "cat", "/built", "/hello.txt"])
        .success()
        .stdout_eq("built-here\nhello\n");

    let failing = context(
        &c,
        "failing",
        &[(
            "Dockerfile",
            &format!("FROM {image}\nRUN echo before-failing && false\n"),
        )],
    );
    api.docker(&c, ["build", "-t", "failed:1", failing.to_str().unwrap()])
        .failure()
        .stdout_contains("before-failing")
        .stderr_contains("status 1");
    c.run(["image", "inspect", "failed:1"]).failure();
}

#[test]
fn docker_commit_makes_an_image_of_a_container() {
    let (c, image) = with_busybox();
    let api = Service::start(&c);
    c.run([
        "run",
        "--name",
        "src",
        &image,
        "sh",
        "-c",
        "echo committed > /c",
    ])
    .success();
    let out = api.docker(
        &c,
        ["commit", "-c", r#"CMD ["cat", "/c"]"#, "src", "committed:1"],
    );
    let id = out.success().stdout_trim().to_owned();
    assert!(id.starts_with("sha256:"), "{out}");
    c.run(["run", "--rm", "committed:1"])
        .success()
        .stdout_eq("committed\n");
    api.docker(&c, ["commit", "nosuch", "x:1"])
        .failure()
        .stderr_contains("Error response from daemon");
}

#[test]
fn python_sdk_pulls_builds_and_removes() {
    let c = coracle();
    let api = Service::start(&c);
    let image = anon_ref("busybox");
    let script = format!(
        r#"
import docker, io
client = docker.from_env()
pulled = client.images.pull("{image}", tag="latest")
print("pulled", pulled.id[:7])
dockerfile = b"FROM {image}:latest\nRUN echo from-sdk > /sdk\n"
built, logs = client.images.build(fileobj=io.BytesIO(dockerfile), tag="sdk-built:1")
print("built", "sdk-built:1" in built.tags)
print("logs", any("Successfully built" in l.get("stream", "") for l in logs))
client.images.remove("sdk-built:1")
print("left", [t for i in client.images.list() for t in i.tags])
"#
    );
    api.python(&c, &script)
        .success()
        .stdout_contains("pulled sha256")
        .stdout_contains("built True")
        .stdout_contains("logs True")
        .stdout_contains(&format!("left ['{image}:latest']"));
}

#[test]
fn corrupt_archives_get_errors_and_the_service_keeps_serving() {
    let c = coracle();
    let api = Service::start(&c);
    let garbage = b"this is not a tar archive at all, not even close".repeat(20);
    for path in ["/v1.44/images/load", "/v1.44/build?t=x:1"] {
        let head = format!(
            "POST {path} HTTP/1.1\r\nHost: d\r\nConnection: close\r\nContent-Type: application/x-tar\r\nContent-Length: {}\r\n\r\n",
            garbage.len()
        );
        let reply = api.request(&head, &garbage);
        assert!(reply.status >= 400, "{path}: {}", reply.status);
        assert!(!reply.message().is_empty(), "{path}");
    }
    let buildkit = api.call("POST", "/v1.44/build?version=2", None);
    assert_eq!(buildkit.status, 400);
    assert!(buildkit.message().contains("BuildKit"));
    assert_eq!(api.call("GET", "/_ping", None).status, 200);
    c.run(["images", "-q"]).success().stdout_eq("");
}
