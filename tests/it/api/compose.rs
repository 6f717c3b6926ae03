//! docker-compose 1.29 (Debian's, with its python3-docker 5) against the
//! service: a web server with a named volume and a published port, and a
//! client that reaches it by service name. Both stop with SIGKILL: as PID 1
//! neither dies of SIGTERM, and down would wait 10 s for each.

use super::Service;
use crate::common::with_busybox;
use crate::net_ports::fetch;
use coracle_testkit::{Coracle, Output};
use std::net::TcpListener;

const APP: &str = r#"version: "3.8"
services:
  web:
    image: IMAGE
    command: ["sh", "-c", "echo hello from web > /www/index.html && exec httpd -f -p 80 -h /www"]
    volumes: ["data:/www"]
    ports: ["PORT:80"]
    stop_signal: SIGKILL
  client:
    image: IMAGE
    command: ["sh", "-c", "until printf 'GET / HTTP/1.0\r\n\r\n' | timeout 5 nc web 80 | grep hello; do sleep 0.2; done; exec sleep 1000"]
    depends_on: [web]
    stop_signal: SIGKILL
volumes:
  data: {}
"#;

fn compose(api: &Service, c: &Coracle, args: &[&str]) -> Output {
    let mut cmd = c.peer_command("/usr/bin/docker-compose");
    cmd.env("DOCKER_HOST", api.host())
        .args(["-p", "app", "-f"])
        .arg(c.dir().join("app/compose.yml"))
        .args(args);
    c.run_command(cmd)
}

#[test]
fn compose_up_ps_logs_and_down_leave_nothing_behind() {
    let (c, image) = with_busybox();
    let api = Service::start(&c);
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let app = APP
        .replace("IMAGE", &image)
        .replace("PORT", &port.to_string());
    c.write_user_file(&c.dir().join("app/compose.yml"), app.as_bytes());

    compose(&api, &c, &["up", "-d"]).success();
    assert_eq!(fetch(port), "hello from web\n");
    let ps = compose(&api, &c, &["ps"]);
    ps.success()
        .stdout_contains("app_web_1")
        .stdout_contains("app_client_1");
    assert_eq!(ps.stdout.matches(" Up ").count(), 2, "{ps}");
    crate::common::eventually("the client to reach web by name", || {
        compose(&api, &c, &["logs", "client"])
            .stdout
            .contains("hello from web")
    });

    compose(&api, &c, &["down", "-v"]).success();
    c.run(["ps", "-a", "-q"]).success().stdout_eq("");
    c.run(["volume", "ls", "-q"]).success().stdout_eq("");
    c.run(["network", "ls", "--format", "{{.Name}}"])
        .success()
        .stdout_eq("podman\n");
}
