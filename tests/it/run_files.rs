//! The run and create flags about files and lifetimes: --log-driver and
//! --log-opt, --cidfile, --pidfile, --replace, --rmi, --timeout and
//! --sdnotify, each observed as a user sees it. Rootless.

use crate::common::*;

#[test]
fn log_drivers_write_what_logs_reads() {
    let (c, image) = with_busybox();
    for driver in ["k8s-file", "json-file"] {
        let id = run_detached(
            &c,
            &[
                "--log-driver",
                driver,
                &image,
                "sh",
                "-c",
                "echo out; echo err >&2",
            ],
        );
        c.run(["wait", &id]).success();
        let out = c.run(["logs", &id]);
        out.success().stdout_eq("out\n");
        assert_eq!(out.stderr, "err\n", "{driver}");
        assert_eq!(
            inspect_field(&c, &id, "{{.HostConfig.LogConfig.Type}}"),
            driver
        );
    }
    let id = run_detached(&c, &["--log-driver", "none", &image, "echo", "gone"]);
    c.run(["wait", &id]).success();
    c.run(["logs", &id]).code(125).stderr_contains(
        "this container is using the 'none' log driver, cannot read logs: this container is not logging output",
    );
    assert_eq!(
        inspect_field(&c, &id, "{{.HostConfig.LogConfig.Type}}"),
        "none"
    );
}

#[test]
fn log_opt_path_and_max_size() {
    let (c, image) = with_busybox();
    let path = c.dir().join("my.log");
    let path_opt = format!("path={}", path.display());
    let id = run_detached(&c, &["--log-opt", &path_opt, &image, "echo", "here"]);
    c.run(["wait", &id]).success();
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.trim_end().ends_with(" stdout F here"), "{text}");
    c.run(["logs", &id]).success().stdout_eq("here\n");
    assert_eq!(
        inspect_field(&c, &id, "{{.HostConfig.LogConfig.Path}}"),
        path.display().to_string()
    );

    let count = "i=0; while [ $i -lt 100 ]; do i=$((i+1)); echo $i; done";
    let id = run_detached(
        &c,
        &["--log-opt", "max-size=200", &image, "sh", "-c", count],
    );
    c.run(["wait", &id]).success();
    let out = c.run(["logs", &id]);
    let lines = out.success().stdout_lines();
    assert!(lines.len() < 100, "{out}");
    assert_eq!(lines.last(), Some(&"100"));
    assert_eq!(
        inspect_field(&c, &id, "{{.HostConfig.LogConfig.Size}}"),
        "200B"
    );
}

#[test]
fn log_flags_refused_at_parse_time() {
    let (c, image) = with_busybox();
    c.run(["run", "--log-driver", "bogus", &image, "true"])
        .code(125)
        .stderr_contains("invalid log driver");
    c.run(["run", "--log-driver", "journald", &image, "true"])
        .code(125)
        .stderr_contains("coracle does not support --log-driver journald");
    c.run(["run", "--log-opt", "max-size=abc", &image, "true"])
        .code(125)
        .stderr_contains("invalid size: 'abc'");
    assert!(c.run(["ps", "-aq"]).success().stdout_lines().is_empty());
}

#[test]
fn cidfile_is_written_at_create_and_never_reused() {
    let (c, image) = with_busybox();
    let file = c.dir().join("cid");
    let f = file.to_str().unwrap();
    let id = c
        .run(["create", "--cidfile", f, &image, "true"])
        .success()
        .stdout_trim()
        .to_owned();
    assert_eq!(std::fs::read_to_string(&file).unwrap(), id);
    c.run(["create", "--cidfile", f, &image, "true"])
        .code(125)
        .stderr_contains(&format!(
            "container id file exists. Ensure another container is not using it or delete {f}"
        ));
    let run_file = c.dir().join("runcid");
    c.run([
        "run",
        "--rm",
        "--cidfile",
        run_file.to_str().unwrap(),
        &image,
        "true",
    ])
    .success();
    assert_eq!(std::fs::read_to_string(&run_file).unwrap().len(), 64);
}

#[test]
fn pidfile_holds_the_containers_pid() {
    let (c, image) = with_busybox();
    let file = c.dir().join("pid");
    let id = run_detached(
        &c,
        &["--pidfile", file.to_str().unwrap(), &image, "sleep", "30"],
    );
    let pid = std::fs::read_to_string(&file).unwrap();
    assert_eq!(pid, inspect_field(&c, &id, "{{.State.Pid}}"));
    c.run(["rm", "-f", &id]).success();
}

#[test]
fn replace_removes_the_container_of_that_name() {
    let (c, image) = with_busybox();
    let old = run_detached(&c, &["--name", "web", &image, "sleep", "30"]);
    c.run(["run", "-d", "--name", "web", &image, "true"])
        .code(125);
    let new = run_detached(&c, &["--replace", "--name", "web", &image, "sleep", "30"]);
    assert_ne!(old, new);
    assert_eq!(
        c.run(["ps", "-aq", "--no-trunc"]).success().stdout_lines(),
        [new.as_str()]
    );
    c.run(["run", "--replace", &image, "true"])
        .code(125)
        .stderr_contains("cannot replace container without --name being set");
    c.run(["rm", "-f", &new]).success();
}

#[test]
fn timeout_kills_the_container() {
    let (c, image) = with_busybox();
    let began = std::time::Instant::now();
    c.run(["run", "--rm", "--timeout", "1", &image, "sleep", "30"])
        .code(255);
    assert!(began.elapsed() < std::time::Duration::from_secs(15));
    c.run(["run", "--timeout", "-1", &image, "true"]).code(125);
}

#[test]
fn rmi_removes_the_image_after_the_run() {
    let (c, image) = with_busybox();
    c.run(["tag", &image, "localhost/throwaway:latest"])
        .success();
    c.run(["run", "--rmi", "localhost/throwaway:latest", "true"])
        .success();
    c.run(["image", "inspect", "localhost/throwaway:latest"])
        .failure();
    assert!(c.run(["ps", "-aq"]).success().stdout_lines().is_empty());
    c.run(["run", "-d", "--rmi", &image, "true"])
        .code(125)
        .stderr_contains("coracle does not support --rmi with --detach");
}

#[test]
fn sdnotify_conmon_sends_ready() {
    let (mut c, image) = with_busybox();
    let sock_path = c.dir().join("notify.sock");
    let sock = std::os::unix::net::UnixDatagram::bind(&sock_path).unwrap();
    std::fs::set_permissions(
        &sock_path,
        std::os::unix::fs::PermissionsExt::from_mode(0o777),
    )
    .unwrap();
    sock.set_read_timeout(Some(std::time::Duration::from_secs(20)))
        .unwrap();
    c.env("NOTIFY_SOCKET", sock_path.to_str().unwrap());
    let id = run_detached(&c, &["--sdnotify", "conmon", &image, "sleep", "30"]);
    let mut buf = [0u8; 256];
    let n = sock.recv(&mut buf).unwrap();
    let message = String::from_utf8_lossy(&buf[..n]).into_owned();
    assert!(message.contains("READY=1"), "{message}");
    let pid = inspect_field(&c, &id, "{{.State.Pid}}");
    assert!(message.contains(&format!("MAINPID={pid}")), "{message}");
    c.run(["rm", "-f", &id]).success();
    c.run(["run", "--sdnotify", "bogus", &image, "true"])
        .code(125)
        .stderr_contains("invalid sdnotify value \"bogus\": must be container, conmon or ignore");
}

#[test]
fn passwd_entry_for_a_user_the_image_does_not_know() {
    let (c, image) = with_busybox();
    let script = "id -un; grep '^1234:' /etc/passwd; grep '^5678:' /etc/group";
    c.run([
        "run",
        "--rm",
        "--user",
        "1234:5678",
        &image,
        "sh",
        "-c",
        script,
    ])
    .success()
    .stdout_eq("1234\n1234:*:1234:5678:container user:/:/bin/sh\n5678:x:5678:1234\n");
    let template = "$USERNAME:x:$UID:$GID:$NAME:$HOME:/bin/false";
    c.run([
        "run",
        "--rm",
        "--user",
        "1234:5678",
        "--passwd-entry",
        template,
        &image,
        "grep",
        "^1234:",
        "/etc/passwd",
    ])
    .success()
    .stdout_eq("1234:x:1234:5678:container user:/:/bin/false\n");
    c.run([
        "run",
        "--rm",
        "--user",
        "1234",
        "--passwd=false",
        &image,
        "sh",
        "-c",
        "cat /etc/passwd 2>/dev/null | grep -c '^1234:' || true",
    ])
    .success()
    .stdout_eq("0\n");
}

#[test]
fn sdnotify_container_passes_the_socket_in() {
    let (mut c, image) = with_busybox();
    let sock_path = c.dir().join("notify.sock");
    let _sock = std::os::unix::net::UnixDatagram::bind(&sock_path).unwrap();
    c.env("NOTIFY_SOCKET", sock_path.to_str().unwrap());
    let script = "echo $NOTIFY_SOCKET; test -S /run/notify/notify.sock && echo socket";
    c.run(["run", "--rm", &image, "sh", "-c", script])
        .success()
        .stdout_eq("/run/notify/notify.sock\nsocket\n");
    c.run([
        "run",
        "--rm",
        "--sdnotify",
        "ignore",
        &image,
        "sh",
        "-c",
        "echo ${NOTIFY_SOCKET:-unset}",
    ])
    .success()
    .stdout_eq("unset\n");
}
