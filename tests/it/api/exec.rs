//! Exec instances through the socket: `docker exec` and the SDK's exec_run,
//! on containers the coracle CLI started (the service shares its store).

use super::Service;
use crate::common::{run_detached, with_busybox};

/// docker exec inspects the container first: this needs the containers
/// routes' GET /containers/{id}/json too.
#[test]
fn docker_exec_output_exit_codes_and_options() {
    let (c, image) = with_busybox();
    let id = run_detached(&c, &["--name", "boat", &image, "sleep", "1000"]);
    let api = Service::start(&c);
    let out = api.docker(&c, ["exec", "boat", "sh", "-c", "echo out; echo err >&2"]);
    out.success().stdout_eq("out\n");
    assert_eq!(out.stderr, "err\n", "{out}");
    api.docker(&c, ["exec", "boat", "sh", "-c", "exit 3"])
        .code(3);
    api.docker_with_input(&c, &["exec", "-i", "boat", "tr", "a-z", "A-Z"], b"hello\n")
        .success()
        .stdout_eq("HELLO\n");
    api.docker(
        &c,
        [
            "exec",
            "-e",
            "GREETING=ahoy",
            "-u",
            "nobody",
            "-w",
            "/tmp",
            "boat",
            "sh",
            "-c",
            "echo $GREETING $(id -u) $(pwd)",
        ],
    )
    .success()
    .stdout_eq("ahoy 65534 /tmp\n");
    // A terminal: the raw stream, with the terminal's line endings.
    api.docker(&c, ["exec", "-t", "boat", "sh", "-c", "tty; echo err >&2"])
        .success()
        .stdout_contains("/dev/pts/")
        .stdout_contains("err\r\n");
    // Detached: started, and on its own.
    api.docker(
        &c,
        [
            "exec",
            "-d",
            "boat",
            "sh",
            "-c",
            "echo done > /tmp/detached",
        ],
    )
    .success()
    .stdout_eq("");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while c.run(["exec", "boat", "test", "-s", "/tmp/detached"]).code != Some(0) {
        assert!(std::time::Instant::now() < deadline, "exec -d did not run");
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    // A missing command: the runtime's reason and Docker's 127.
    api.docker(&c, ["exec", "boat", "no-such-command"])
        .code(127)
        .stdout_contains("no-such-command");
    api.docker(&c, ["exec", "no-such-box", "true"])
        .failure()
        .stderr_contains("No such container: no-such-box");
    c.run(["stop", "-t", "0", &id]).success();
    api.docker(&c, ["exec", "boat", "true"])
        .failure()
        .stderr_contains("is not running");
}

#[test]
fn python_sdk_exec_run_inspect_resize_and_detach() {
    let (c, image) = with_busybox();
    run_detached(&c, &["--name", "boat", &image, "sleep", "1000"]);
    let api = Service::start(&c);
    let script = r#"
import docker, time
client = docker.from_env()
# The model without an inspect: only exec's routes are asked.
box = client.containers.prepare_model({"Id": "boat"})
code, out = box.exec_run(["sh", "-c", "echo hi; exit 4"])
print(code, out.decode(), end="")
api = client.api
e = api.exec_create("boat", ["sh", "-c", "sleep 1; stty size"], tty=True)["Id"]
out = api.exec_start(e, tty=True, stream=True)
# The session takes a size once it runs: until then a resize is refused.
for _ in range(100):
    try:
        api.exec_resize(e, height=30, width=100)
        break
    except docker.errors.APIError:
        time.sleep(0.02)
print(b"".join(out).decode().strip())
info = api.exec_inspect(e)
print(info["Running"], info["ExitCode"], info["ProcessConfig"]["entrypoint"], info["ProcessConfig"]["arguments"][0])
e = api.exec_create("boat", ["sh", "-c", "sleep 0.5; exit 5"])["Id"]
api.exec_start(e, detach=True)
print(api.exec_inspect(e)["Running"])
while api.exec_inspect(e)["Running"]:
    time.sleep(0.05)
print(api.exec_inspect(e)["ExitCode"])
try:
    api.exec_inspect("0" * 64)
except docker.errors.NotFound as err:
    print("404", err.explanation)
"#;
    api.python(&c, script).success().stdout_eq(&format!(
        "4 hi\n30 100\nFalse 0 sh -c\nTrue\n5\n404 no such exec instance: {}\n",
        "0".repeat(64)
    ));
}

#[test]
fn exec_requests_get_docker_statuses() {
    let (c, image) = with_busybox();
    let id = run_detached(&c, &["--name", "boat", &image, "sleep", "1000"]);
    let api = Service::start(&c);
    let r = api.call(
        "POST",
        "/v1.44/containers/boat/exec",
        Some("{\"Cmd\": [\"true\""),
    );
    assert_eq!(r.status, 400, "{r:?}");
    assert!(r.message().contains("invalid JSON"), "{r:?}");
    let r = api.call("POST", "/v1.44/containers/boat/exec", Some("{}"));
    assert_eq!(
        (r.status, r.message().as_str()),
        (400, "no exec command specified")
    );
    let r = api.call(
        "POST",
        "/v1.44/containers/ghost/exec",
        Some("{\"Cmd\": [\"true\"]}"),
    );
    assert_eq!(
        (r.status, r.message().as_str()),
        (404, "No such container: ghost")
    );
    let r = api.call("POST", "/v1.44/exec/nope/start", Some("{}"));
    assert_eq!(r.status, 404, "{r:?}");

    let r = api.call(
        "POST",
        "/v1.44/containers/boat/exec",
        Some("{\"Cmd\": [\"sh\", \"-c\", \"exit 2\"]}"),
    );
    assert_eq!(r.status, 201, "{r:?}");
    let exec = r.json()["Id"].as_str().unwrap().to_owned();
    let start = format!("/v1.44/exec/{exec}/start");
    let r = api.call("POST", &start, Some("{\"Detach\": false}"));
    assert_eq!(r.status, 200, "{r:?}");
    assert_eq!(
        r.header("content-type"),
        Some("application/vnd.docker.multiplexed-stream")
    );
    let r = api.call("GET", &format!("/v1.44/exec/{exec}/json"), None);
    assert_eq!(
        (r.json()["ExitCode"].as_i64(), r.json()["Running"].as_bool()),
        (Some(2), Some(false))
    );
    let r = api.call("POST", &start, Some("{}"));
    assert_eq!(r.status, 409, "started once only: {r:?}");

    // Made while the container ran, started after it stopped.
    let r = api.call(
        "POST",
        "/v1.44/containers/boat/exec",
        Some("{\"Cmd\": [\"true\"]}"),
    );
    let exec = r.json()["Id"].as_str().unwrap().to_owned();
    c.run(["stop", "-t", "0", &id]).success();
    let r = api.call("POST", &format!("/v1.44/exec/{exec}/start"), Some("{}"));
    assert_eq!(r.status, 409, "{r:?}");
    let r = api.call(
        "POST",
        "/v1.44/containers/boat/exec",
        Some("{\"Cmd\": [\"true\"]}"),
    );
    assert_eq!(r.status, 409, "{r:?}");
    // Removing the container takes its sessions with it (when the next is made).
    c.run(["rm", &id]).success();
    run_detached(&c, &["--name", "boat2", &image, "sleep", "1000"]);
    let r = api.call(
        "POST",
        "/v1.44/containers/boat2/exec",
        Some("{\"Cmd\": [\"true\"]}"),
    );
    assert_eq!(r.status, 201, "{r:?}");
    let r = api.call("GET", &format!("/v1.44/exec/{exec}/json"), None);
    assert_eq!(r.status, 404, "{r:?}");
}

#[test]
fn a_client_that_vanishes_mid_exec_leaves_a_finished_session() {
    let (c, image) = with_busybox();
    run_detached(&c, &["--name", "boat", &image, "sleep", "1000"]);
    let api = Service::start(&c);
    let cmd = r#"{"AttachStdout": true, "Cmd": ["sh", "-c", "echo early; sleep 1; echo late"]}"#;
    let r = api.call("POST", "/v1.44/containers/boat/exec", Some(cmd));
    let exec = r.json()["Id"].as_str().unwrap().to_owned();
    let mut conn = std::os::unix::net::UnixStream::connect(&api.socket).unwrap();
    let start = format!(
        "POST /v1.44/exec/{exec}/start HTTP/1.1\r\nHost: d\r\nConnection: Upgrade\r\nUpgrade: tcp\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{{}}"
    );
    std::io::Write::write_all(&mut conn, start.as_bytes()).unwrap();
    let mut first = [0u8; 64];
    let n = std::io::Read::read(&mut conn, &mut first).unwrap();
    assert!(
        first[..n].starts_with(b"HTTP/1.1 101"),
        "{:?}",
        String::from_utf8_lossy(&first[..n])
    );
    drop(conn);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        let r = api.call("GET", &format!("/v1.44/exec/{exec}/json"), None);
        if r.json()["ExitCode"].is_i64() {
            assert_eq!(r.json()["Running"], false);
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "still running: {}",
            r.json()
        );
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    api.call("GET", "/_ping", None);
}
