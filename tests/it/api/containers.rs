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
    api.docker(&c, ["rm", "two"]).failure();
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
    let body = format!("{{\"Image\": \"{image}\", \"HostConfig\": {{\"Memory\": 1000000}}}}");
    let r = api.call("POST", "/v1.44/containers/create", Some(&body));
    assert_eq!(r.status, 400, "{r:?}");
    assert!(r.message().contains("HostConfig.Memory"), "{r:?}");
    let r = api.call(
        "POST",
        "/v1.44/containers/create",
        Some("{\"Image\": \"127.0.0.1:1/nothing:here\"}"),
    );
    assert_eq!(r.status, 404, "{r:?}");
    assert_eq!(r.message(), "No such image: 127.0.0.1:1/nothing:here");
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
