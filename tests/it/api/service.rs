//! The service itself: its socket, its idle time, its answers to bad requests.

use super::Service;
use crate::common::{coracle, with_busybox};
use std::io::Write;
use std::os::unix::fs::PermissionsExt;
use std::os::unix::net::UnixStream;
use std::time::{Duration, Instant};

#[test]
fn docker_version_and_info_through_the_socket() {
    let c = coracle();
    let api = Service::start(&c);
    let mode = std::fs::metadata(&api.socket).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o600, "the socket is its owner's only");
    let out = api.docker(
        &c,
        [
            "version",
            "--format",
            "{{.Server.APIVersion}} {{.Server.Os}}",
        ],
    );
    out.success().stdout_eq("1.44 linux\n");
    let out = api.docker(
        &c,
        [
            "info",
            "--format",
            "{{.Driver}} {{.Containers}} {{.OSType}}",
        ],
    );
    out.success().stdout_eq("overlay 0 linux\n");
    let ping = api.call("GET", "/_ping", None);
    assert_eq!((ping.status, ping.body.as_slice()), (200, &b"OK"[..]));
    assert_eq!(ping.header("api-version"), Some("1.44"));
    assert_eq!(ping.header("ostype"), Some("linux"));
}

#[test]
fn exits_after_its_idle_time_and_removes_its_socket() {
    let c = coracle();
    let api = Service::start_with(&c, &["--time", "1"]);
    // A client keeps it alive past its idle time; it goes a second after.
    let mut conn = UnixStream::connect(&api.socket).unwrap();
    std::thread::sleep(Duration::from_millis(1500));
    conn.write_all(b"GET /_ping HTTP/1.1\r\nHost: d\r\nConnection: close\r\n\r\n")
        .unwrap();
    let mut reply = String::new();
    std::io::Read::read_to_string(&mut conn, &mut reply).unwrap();
    assert!(reply.starts_with("HTTP/1.1 200"), "{reply}");
    let deadline = Instant::now() + Duration::from_secs(5);
    while api.socket.exists() {
        assert!(
            Instant::now() < deadline,
            "the service did not exit when idle"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn bad_requests_get_docker_errors_and_the_service_keeps_serving() {
    let c = coracle();
    let api = Service::start(&c);
    let r = api.call("GET", "/v1.99/info", None);
    assert_eq!(r.status, 400);
    assert!(
        r.message().contains("client version 1.99 is too new"),
        "{r:?}"
    );
    let r = api.call("GET", "/no/such/thing", None);
    assert_eq!((r.status, r.message().as_str()), (404, "page not found"));
    let r = api.request("\x16\x03\x01garbage\r\n\r\n", b"");
    assert_eq!(r.status, 400);
    // A client that vanishes mid-request leaves nothing wrong behind.
    let mut gone = UnixStream::connect(&api.socket).unwrap();
    gone.write_all(b"POST /containers/create HTTP/1.1\r\nContent-Length: 100\r\n\r\n{")
        .unwrap();
    drop(gone);
    let r = api.call("GET", "/_ping", None);
    assert_eq!(r.status, 200);
}

#[test]
fn a_huge_body_is_refused_and_two_clients_attach_at_once() {
    let (c, image) = with_busybox();
    let api = Service::start(&c);
    // The service answers before the body ends and closes: the client's write
    // may fail, its read still gets the answer.
    let huge = format!("{{\"Image\":\"{}\"}}", "x".repeat(17 << 20));
    let mut conn = UnixStream::connect(&api.socket).unwrap();
    let head = format!(
        "POST /containers/create HTTP/1.1\r\nHost: d\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
        huge.len()
    );
    let mut writer = conn.try_clone().unwrap();
    let sender = std::thread::spawn(move || {
        let _ = writer
            .write_all(head.as_bytes())
            .and_then(|()| writer.write_all(huge.as_bytes()));
    });
    let mut reply = String::new();
    let _ = std::io::Read::read_to_string(&mut conn, &mut reply);
    sender.join().unwrap();
    assert!(reply.starts_with("HTTP/1.1 413"), "{reply}");
    assert!(reply.contains("too large"), "{reply}");
    c.run(["ps", "-a", "-q"]).success().stdout_eq("");
    let script = "sleep 2; echo to-both; sleep 1";
    let id = c
        .run(["run", "-d", &image, "sh", "-c", script])
        .success()
        .stdout_trim()
        .to_owned();
    let attach = || {
        let mut cmd = api.docker_command(&c, ["attach", "--no-stdin", &id]);
        cmd.stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped());
        cmd.spawn().unwrap()
    };
    let (one, two) = (attach(), attach());
    for child in [one, two] {
        let out = coracle_testkit::runner::wait_output(child, vec![], Duration::from_secs(60));
        out.success().stdout_eq("to-both\n");
    }
}

#[test]
fn docker_run_works_with_a_run_root_too_long_for_a_socket_path() {
    let (c, image) = with_busybox();
    let runroot = c.dir().join("r".repeat(120));
    let mut cmd = c.bare_command(["--root".as_ref(), c.root().as_os_str()]);
    cmd.arg("--runroot")
        .arg(&runroot)
        .args(["system", "service"]);
    let api = Service::start_command(&c, cmd, &["--time", "0"]);
    let out = api.docker(&c, ["run", "--rm", "-t", &image, "echo", "deep"]);
    out.success().stdout_eq("deep\r\n");
}

#[test]
fn a_second_service_on_a_live_socket_is_refused() {
    let c = coracle();
    let api = Service::start(&c);
    let out = c.run(["system", "service", "--time", "1", &api.host()]);
    out.code(125).stderr_contains("is in use");
}

/// The live processes whose parent is `pid`.
fn children_of(pid: i32) -> Vec<i32> {
    std::fs::read_dir("/proc")
        .unwrap()
        .flatten()
        .filter_map(|e| {
            let child: i32 = e.file_name().to_str()?.parse().ok()?;
            let stat = std::fs::read_to_string(e.path().join("stat")).ok()?;
            let ppid = stat.rsplit_once(')')?.1.split_whitespace().nth(1)?;
            (ppid.parse() == Ok(pid)).then_some(child)
        })
        .filter(|&child| crate::common::alive(child))
        .collect()
}

#[test]
fn requests_share_one_user_namespace_and_do_without_it_when_it_goes() {
    let (c, image) = with_busybox();
    let api = Service::start(&c);
    let userns = || {
        let out = api.docker(
            &c,
            ["run", "--rm", &image, "readlink", "/proc/self/ns/user"],
        );
        out.success();
        out.stdout.clone()
    };
    let first = userns();
    assert_eq!(userns(), first, "two runs made two user namespaces");
    // Idle, the service's one child is the process that keeps the namespace.
    let keeper = children_of(api.pid());
    assert_eq!(keeper.len(), 1, "{keeper:?}");
    crate::common::kill9(keeper[0]);
    crate::common::eventually("the keeper goes", || !crate::common::alive(keeper[0]));
    let after = userns();
    assert_ne!(after, first, "the namespace outlived its keeper");
}
