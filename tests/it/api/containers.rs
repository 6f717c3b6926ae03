//! The container endpoints, driven by the docker CLI and the Python SDK: the
//! `run` flow (create, attach before start, wait, start), the verbs on a
//! container, and bad bodies that leave nothing behind.

use super::Service;
use crate::common::{eventually, with_busybox};

#[test]
fn docker_run_rm_gives_the_output_and_the_exit_code() {
    let (c, image) = with_busybox();
    let api = Service::start(&c);
    api.docker(&c, ["run", "--rm", &image, "echo", "hello"])
        .success()
        .stdout_eq("hello\n");
    api.docker(
        &c,
        ["run", "--rm", &image, "sh", "-c", "echo oops >&2; exit 3"],
    )
    .code(3)
    .stderr_contains("oops");
    // --rm took both away.
    c.run(["ps", "-a", "-q"]).success().stdout_eq("");
}

#[test]
fn docker_run_with_a_missing_image_fails_with_125() {
    let (c, _) = with_busybox();
    let api = Service::start(&c);
    api.docker(&c, ["run", "--rm", "127.0.0.1:1/no/such:image", "true"])
        .code(125);
    c.run(["ps", "-a", "-q"]).success().stdout_eq("");
}

#[test]
fn docker_run_i_passes_stdin() {
    let (c, image) = with_busybox();
    let api = Service::start(&c);
    api.docker_with_input(&c, &["run", "--rm", "-i", &image, "cat"], b"from stdin\n")
        .success()
        .stdout_eq("from stdin\n");
}

#[test]
fn docker_run_d_then_logs_ps_inspect_stop_and_rm() {
    let (c, image) = with_busybox();
    let api = Service::start(&c);
    let script = "echo started; echo warn >&2; exec sleep 60";
    let out = api.docker(
        &c,
        ["run", "-d", "--name", "web", &image, "sh", "-c", script],
    );
    let id = out.success().stdout_trim().to_owned();
    assert_eq!(id.len(), 64, "{id}");
    eventually("the container's first lines", || {
        api.docker(&c, ["logs", "web"]).stdout_trim() == "started"
    });
    api.docker(&c, ["logs", "web"])
        .success()
        .stderr_contains("warn");
    api.docker(&c, ["ps", "--format", "{{.Names}} {{.Status}}"])
        .success()
        .stdout_contains("web Up ");
    let out = api.docker(
        &c,
        ["inspect", "--format", "{{.Id}} {{.State.Running}}", "web"],
    );
    out.success().stdout_eq(&format!("{id} true\n"));
    // Docker's shapes over the socket, where the CLI shows Podman's.
    let out = api.docker(
        &c,
        [
            "inspect",
            "--format",
            "{{.Name}} {{.HostConfig.RestartPolicy.Name}} {{.Config.StopSignal}} {{len .Image}}",
            "web",
        ],
    );
    out.success().stdout_eq("/web no SIGTERM 71\n");
    api.docker(&c, ["stop", "-t", "1", "web"])
        .success()
        .stdout_eq("web\n");
    api.docker(&c, ["ps", "-q"]).success().stdout_eq("");
    let out = api.docker(&c, ["ps", "-a", "--format", "{{.Names}} {{.Status}}"]);
    out.success().stdout_contains("web Exited (137)");
    api.docker(&c, ["rm", "web"]).success().stdout_eq("web\n");
    api.docker(&c, ["rm", "web"])
        .failure()
        .stderr_contains("No such container: web");
    c.run(["ps", "-a", "-q"]).success().stdout_eq("");
}

#[test]
fn docker_create_start_rename_and_a_running_rm_refused() {
    let (c, image) = with_busybox();
    let api = Service::start(&c);
    api.docker(&c, ["create", "--name", "one", &image, "sleep", "60"])
        .success();
    api.docker(&c, ["ps", "-a", "--format", "{{.Names}} {{.State}}"])
        .success()
        .stdout_eq("one created\n");
    api.docker(&c, ["start", "one"])
        .success()
        .stdout_eq("one\n");
    api.docker(&c, ["rename", "one", "two"]).success();
    api.docker(&c, ["ps", "--format", "{{.Names}} {{.State}}"])
        .success()
        .stdout_eq("two running\n");
    api.docker(&c, ["rm", "two"])
        .failure()
        .stderr_contains("is running");
    let r = api.call("DELETE", "/v1.44/containers/two", None);
    assert_eq!(r.status, 409, "{r:?}");
    let r = api.call("POST", "/v1.44/containers/two/start", None);
    assert_eq!(r.status, 304, "{r:?}");
    api.docker(&c, ["rm", "-f", "two"]).success();
    c.run(["ps", "-a", "-q"]).success().stdout_eq("");
}

#[test]
fn docker_run_v_mounts_a_named_volume_and_a_bind() {
    let (c, image) = with_busybox();
    let api = Service::start(&c);
    let host = c.dir().join("shared");
    c.write_user_file(&host.join("in.txt"), b"from the host\n");
    let bind = format!("{}:/host", host.display());
    let script = "cat /host/in.txt; echo kept > /data/f";
    api.docker(
        &c,
        [
            "run",
            "--rm",
            "-v",
            &bind,
            "-v",
            "vol:/data",
            &image,
            "sh",
            "-c",
            script,
        ],
    )
    .success()
    .stdout_eq("from the host\n");
    api.docker(
        &c,
        ["run", "--rm", "-v", "vol:/data", &image, "cat", "/data/f"],
    )
    .success()
    .stdout_eq("kept\n");
}

#[test]
fn docker_run_p_publishes_a_port_the_host_can_fetch() {
    let (c, image) = with_busybox();
    let api = Service::start(&c);
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let script = "mkdir -p /www && echo hello from the container > /www/index.html \
                  && exec httpd -f -p 80 -h /www";
    let publish = format!("{port}:80");
    api.docker(
        &c,
        [
            "run", "-d", "--name", "web", "-p", &publish, &image, "sh", "-c", script,
        ],
    )
    .success();
    assert_eq!(crate::net_ports::fetch(port), "hello from the container\n");
    api.docker(&c, ["ps", "--format", "{{.Ports}}"])
        .success()
        .stdout_contains(&format!(":{port}->80/tcp"));
    api.docker(&c, ["rm", "-f", "web"]).success();
}

#[test]
fn a_malformed_or_wrong_body_is_refused_and_leaves_no_container() {
    let (c, image) = with_busybox();
    let api = Service::start(&c);
    let r = api.call("POST", "/v1.44/containers/create", Some("{\"Image\": "));
    assert_eq!(r.status, 400, "{r:?}");
    assert!(r.message().contains("invalid JSON"), "{r:?}");
    let body = format!("{{\"Image\": \"{image}\", \"HostConfig\": {{\"Links\": [\"a:b\"]}}}}");
    let r = api.call("POST", "/v1.44/containers/create", Some(&body));
    assert_eq!(r.status, 400, "{r:?}");
    assert!(r.message().contains("HostConfig.Links"), "{r:?}");
    let r = api.call(
        "POST",
        "/v1.44/containers/create",
        Some("{\"Image\": \"127.0.0.1:1/nothing:here\"}"),
    );
    assert_eq!(r.status, 404, "{r:?}");
    assert_eq!(r.message(), "No such image: 127.0.0.1:1/nothing:here");
    let r = api.request(
        &format!("POST /v1.44/containers/create HTTP/1.1\r\nHost: d\r\nConnection: close\r\nContent-Type: text/plain\r\nContent-Length: {}\r\n\r\n", body.len()),
        body.as_bytes(),
    );
    assert_eq!(r.status, 400, "{r:?}");
    assert!(r.message().contains("Content-Type"), "{r:?}");
    let r = api.call("POST", "/v1.44/containers/nosuch/start", None);
    assert_eq!(
        (r.status, r.message().as_str()),
        (404, "No such container: nosuch")
    );
    c.run(["ps", "-a", "-q"]).success().stdout_eq("");
    let r = api.call("GET", "/v1.44/containers/json?all=1", None);
    assert_eq!((r.status, r.json()), (200, serde_json::json!([])));
}

#[test]
fn the_python_sdk_runs_waits_logs_and_removes() {
    let (c, image) = with_busybox();
    let api = Service::start(&c);
    let script = format!(
        r#"
import docker
client = docker.from_env()
out = client.containers.run("{image}", ["sh", "-c", "echo attached"], remove=True)
print(out.decode().strip())
ctr = client.containers.run("{image}", ["sh", "-c", "echo detached; exit 4"], detach=True)
print(ctr.wait()["StatusCode"])
print(ctr.logs().decode().strip())
ctr.reload()
print(ctr.status)
ctr.remove()
print(len(client.containers.list(all=True)))
"#
    );
    api.python(&c, &script)
        .success()
        .stdout_eq("attached\n4\ndetached\nexited\n0\n");
}

#[test]
fn docker_run_t_relays_raw_output() {
    let (c, image) = with_busybox();
    let api = Service::start(&c);
    let out = api.docker(
        &c,
        ["run", "--rm", "-t", &image, "sh", "-c", "tty; echo done"],
    );
    out.success()
        .stdout_contains("/dev/pts/")
        .stdout_contains("done\r\n");
}

#[test]
fn kill_pause_restart_top_stats_changes_export_and_prune() {
    let (c, image) = with_busybox();
    let api = Service::start(&c);
    let script = "touch /made; exec sleep 60";
    api.docker(&c, ["run", "-d", "--name", "a", &image, "sh", "-c", script])
        .success();
    // Pausing needs the cgroup v2 freezer, which some hosts (these) do not
    // delegate to rootless containers: then the engine's refusal is the answer.
    let pause = api.call("POST", "/v1.44/containers/a/pause", None);
    if pause.status == 204 {
        api.docker(&c, ["ps", "--format", "{{.Status}}"])
            .success()
            .stdout_contains("(Paused)");
        api.docker(&c, ["unpause", "a"]).success();
    } else {
        assert!(pause.message().contains("freezer"), "{pause:?}");
    }
    let top = api.call("GET", "/v1.44/containers/a/top", None);
    assert_eq!(top.status, 200, "{top:?}");
    let top = top.json();
    assert_eq!(top["Titles"][7], "CMD");
    assert!(
        top["Processes"][0][7].as_str().unwrap().contains("sleep"),
        "{top}"
    );
    let stats = api.call("GET", "/v1.44/containers/a/stats?stream=false", None);
    assert_eq!(stats.status, 200, "{stats:?}");
    assert_eq!(stats.json()["pids_stats"]["current"], 1);
    eventually("the new file among the changes", || {
        let changes = api.call("GET", "/v1.44/containers/a/changes", None).json();
        changes
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["Path"] == "/made" && c["Kind"] == 1)
    });
    let export = api.call("GET", "/v1.44/containers/a/export", None);
    assert_eq!(export.status, 200);
    assert!(
        export.body.windows(4).any(|w| w == b"made"),
        "no /made in the tar"
    );
    api.docker(&c, ["restart", "-t", "0", "a"]).success();
    api.docker(&c, ["kill", "a"]).success();
    // A kill sends the signal and returns, as Docker's does.
    eventually("the killed container to exit", || {
        api.docker(&c, ["ps", "-a", "--format", "{{.Status}}"])
            .stdout_trim()
            .starts_with("Exited (137)")
    });
    let r = api.call("POST", "/v1.44/containers/a/kill", None);
    assert_eq!(r.status, 409, "{r:?}");
    let r = api.call("POST", "/v1.44/containers/prune", None);
    assert_eq!(r.status, 200, "{r:?}");
    assert_eq!(r.json()["ContainersDeleted"].as_array().unwrap().len(), 1);
    c.run(["ps", "-a", "-q"]).success().stdout_eq("");
}

#[test]
fn ps_filters_and_logs_options() {
    let (c, image) = with_busybox();
    let api = Service::start(&c);
    let script = "echo one; echo two; echo three";
    api.docker(
        &c,
        [
            "run", "--name", "x", "--label", "k=v", &image, "sh", "-c", script,
        ],
    )
    .success();
    api.docker(&c, ["run", "--name", "y", &image, "true"])
        .success();
    api.docker(
        &c,
        [
            "ps",
            "-a",
            "--filter",
            "label=k=v",
            "--format",
            "{{.Names}}",
        ],
    )
    .success()
    .stdout_eq("x\n");
    api.docker(&c, ["ps", "-a", "-n", "1", "--format", "{{.Names}}"])
        .success()
        .stdout_eq("y\n");
    api.docker(&c, ["logs", "--tail", "1", "x"])
        .success()
        .stdout_eq("three\n");
    let out = api.docker(&c, ["logs", "-t", "x"]);
    let first = out.success().stdout_lines()[0].to_owned();
    assert!(first.ends_with("Z one"), "{first}");
    let r = api.call("GET", "/v1.44/containers/json?all=1", None).json();
    let x = r
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["Names"][0] == "/x")
        .unwrap();
    assert_eq!(x["Labels"]["k"], "v");
    assert_eq!(x["State"], "exited");
    assert!(
        x["Status"].as_str().unwrap().starts_with("Exited (0)"),
        "{x}"
    );
}

#[test]
fn an_attach_whose_client_vanishes_before_the_start_leaves_the_start_to_the_engine() {
    let (c, image) = with_busybox();
    let api = Service::start(&c);
    let body = format!("{{\"Image\": \"{image}\", \"Cmd\": [\"echo\", \"later\"]}}");
    let r = api.call("POST", "/v1.44/containers/create?name=gone", Some(&body));
    assert_eq!(r.status, 201, "{r:?}");
    let mut conn = std::os::unix::net::UnixStream::connect(&api.socket).unwrap();
    let attach = "POST /v1.44/containers/gone/attach?stream=1&stdout=1 HTTP/1.1\r\nHost: d\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\n";
    std::io::Write::write_all(&mut conn, attach.as_bytes()).unwrap();
    let mut head = [0u8; 12];
    std::io::Read::read_exact(&mut conn, &mut head).unwrap();
    assert_eq!(&head, b"HTTP/1.1 101");
    drop(conn);
    eventually("the start to go to the engine", || {
        api.call("POST", "/v1.44/containers/gone/start", None)
            .status
            == 204
    });
    eventually("the container's output", || {
        api.docker(&c, ["logs", "gone"]).stdout_trim() == "later"
    });
    api.docker(&c, ["rm", "-f", "gone"]).success();
}

#[test]
fn docker_run_flags_reach_the_container() {
    let (c, image) = with_busybox();
    let api = Service::start(&c);
    let script = "echo $A $(pwd) $(id -u) $(hostname)";
    let args = [
        "run",
        "--rm",
        "-e",
        "A=1",
        "-w",
        "/tmp",
        "-u",
        "1000",
        "--hostname",
        "h",
        "--entrypoint",
        "sh",
        &image,
        "-c",
        script,
    ];
    api.docker(&c, args).success().stdout_eq("1 /tmp 1000 h\n");
    let ulimit = [
        "run",
        "--rm",
        "--ulimit",
        "nofile=512:1024",
        &image,
        "sh",
        "-c",
        "ulimit -n",
    ];
    api.docker(&c, ulimit).success().stdout_eq("512\n");
}

#[test]
fn docker_start_a_attaches_before_the_start_and_a_taken_name_is_a_conflict() {
    let (c, image) = with_busybox();
    let api = Service::start(&c);
    api.docker(
        &c,
        [
            "create",
            "--name",
            "s",
            &image,
            "sh",
            "-c",
            "echo out; exit 5",
        ],
    )
    .success();
    api.docker(&c, ["start", "-a", "s"])
        .code(5)
        .stdout_eq("out\n");
    api.docker(&c, ["create", "--name", "s", &image, "true"])
        .failure()
        .stderr_contains("s");
    let body = format!("{{\"Image\": \"{image}\"}}");
    let r = api.call("POST", "/v1.44/containers/create?name=s", Some(&body));
    assert_eq!(r.status, 409, "{r:?}");
    api.docker(&c, ["rm", "s"]).success();
}

#[test]
fn docker_run_rm_rootful() {
    let Some(c) = coracle_testkit::Coracle::rootful(crate::common::BIN) else {
        return;
    };
    let image = crate::common::anon_ref("busybox:latest");
    crate::common::pull(&c, &image).success();
    let api = Service::start(&c);
    api.docker(&c, ["run", "--rm", &image, "sh", "-c", "id -u; exit 3"])
        .code(3)
        .stdout_eq("0\n");
    c.run(["ps", "-a", "-q"]).success().stdout_eq("");
}

#[test]
fn docker_run_process_and_namespace_flags_reach_the_container() {
    let (c, image) = with_busybox();
    let api = Service::start(&c);
    let script = "df -k /dev/shm | tail -1; cat /proc/sys/net/ipv4/ping_group_range; grep Groups /proc/self/status";
    let out = api.docker(
        &c,
        [
            "run",
            "--name",
            "tuned",
            "--shm-size",
            "2m",
            "--sysctl",
            "net.ipv4.ping_group_range=0 0",
            "--group-add",
            "123",
            "--stop-timeout",
            "3",
            "--log-opt",
            "max-size=1m",
            &image,
            "sh",
            "-c",
            script,
        ],
    );
    let text = out.success().stdout_trim();
    let lines: Vec<&str> = text.lines().collect();
    assert!(lines[0].split_whitespace().nth(1) == Some("2048"), "{text}");
    assert_eq!(lines[1].split_whitespace().collect::<Vec<_>>(), ["0", "0"]);
    assert!(lines[2].split_whitespace().any(|g| g == "123"), "{text}");
    api.docker(
        &c,
        [
            "inspect",
            "-f",
            "{{.HostConfig.ShmSize}} {{.Config.StopTimeout}}",
            "tuned",
        ],
    )
    .success()
    .stdout_eq("2097152 3\n");
    api.docker(
        &c,
        [
            "run",
            "--rm",
            "--sysctl",
            "kernel.hostname=x",
            &image,
            "true",
        ],
    )
    .code(125)
    .stderr_contains("sysctl");
}
