//! Published ports: `-p` in its forms, `-P`, `--expose`; a busybox httpd fetched
//! from the host through one; `port`, inspect and ps agreeing with what was
//! published; a port in use and a malformed spec failing before anything starts.

use crate::common::*;
use coracle_testkit::Coracle;
use serde_json::{json, Value};
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::time::Duration;

/// A TCP port that was free on the host a moment ago.
fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// `GET /` from 127.0.0.1:`port`: the response's body, once one comes.
pub fn fetch(port: u16) -> String {
    let mut body = String::new();
    eventually("the published server to answer", || {
        let Ok(mut s) = TcpStream::connect(("127.0.0.1", port)) else {
            return false;
        };
        s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
        let mut response = String::new();
        let got = s
            .write_all(b"GET / HTTP/1.0\r\nHost: localhost\r\n\r\n")
            .and_then(|()| s.read_to_string(&mut response));
        match (got, response.split_once("\r\n\r\n")) {
            (Ok(_), Some((head, rest))) if head.starts_with("HTTP/1.") => {
                body = rest.to_owned();
                true
            }
            _ => false,
        }
    });
    body
}

/// A busybox httpd serving a page on port 80, published as `publish` says.
fn serve(c: &Coracle, image: &str, publish: &str) -> String {
    let script = "mkdir -p /www && echo hello from the container > /www/index.html \
                  && exec httpd -f -p 80 -h /www";
    run_detached(c, &["-p", publish, image, "sh", "-c", script])
}

fn json_field(c: &Coracle, id: &str, field: &str) -> Value {
    serde_json::from_str(&inspect_field(c, id, &format!("{{{{json {field}}}}}"))).unwrap()
}

fn httpd_is_fetched_through_a_published_port(c: &Coracle, image: &str) {
    let port = free_port();
    let id = serve(c, image, &format!("{port}:80"));
    assert_eq!(fetch(port), "hello from the container\n");
    c.run(["port", &id])
        .success()
        .stdout_eq(&format!("80/tcp -> 0.0.0.0:{port}\n"));
    c.run(["port", &id, "80"])
        .success()
        .stdout_eq(&format!("0.0.0.0:{port}\n"));
    assert_eq!(
        json_field(c, &id, ".NetworkSettings.Ports"),
        json!({"80/tcp": [{"HostIp": "0.0.0.0", "HostPort": port.to_string()}]})
    );
    c.run(["ps", "--format", "{{.Ports}}"])
        .success()
        .stdout_eq(&format!("0.0.0.0:{port}->80/tcp\n"));
    c.run(["rm", "-f", &id]).success();
    // The helper went with the container: the port is free again.
    eventually("the host port to be released", || {
        TcpListener::bind(("0.0.0.0", port)).is_ok()
    });
}

#[test]
fn a_published_httpd_is_fetched_from_the_host() {
    let (c, image) = with_busybox();
    httpd_is_fetched_through_a_published_port(&c, &image);
}

#[test]
fn a_published_httpd_is_fetched_from_the_host_rootful() {
    let Some(c) = Coracle::rootful(BIN) else {
        return;
    };
    let image = anon_ref("busybox:latest");
    pull(&c, &image).success();
    httpd_is_fetched_through_a_published_port(&c, &image);
}

#[test]
fn port_inspect_and_ps_agree_with_what_was_published() {
    let (c, image) = with_busybox();
    let (a, b) = (free_port(), free_port());
    let out = c.run([
        "create",
        "--network",
        "pasta",
        "-p",
        &format!("127.0.0.1:{a}:80"),
        "-p",
        &format!("{b}-{}:90-91/udp", b + 1),
        "-p",
        "127.0.0.1::8080",
        "--expose",
        "7000",
        &image,
        "true",
    ]);
    let id = out.success().stdout_trim().to_owned();
    let chosen: u16 = c
        .run(["port", &id, "8080/tcp"])
        .success()
        .stdout_trim()
        .strip_prefix("127.0.0.1:")
        .and_then(|p| p.parse().ok())
        .expect("a host port chosen for 8080");
    assert_ne!(chosen, 0);
    c.run(["port", &id]).success().stdout_eq(&format!(
        "80/tcp -> 127.0.0.1:{a}\n90/udp -> 0.0.0.0:{b}\n91/udp -> 0.0.0.0:{}\n8080/tcp -> 127.0.0.1:{chosen}\n",
        b + 1
    ));
    c.run(["port", &id, "91/udp"])
        .success()
        .stdout_eq(&format!("0.0.0.0:{}\n", b + 1));
    c.run(["port", &id, "91"])
        .code(125)
        .stderr_contains("no public port '91/tcp' published");
    let binding = |ip: &str, port: u16| json!([{"HostIp": ip, "HostPort": port.to_string()}]);
    assert_eq!(
        json_field(&c, &id, ".NetworkSettings.Ports"),
        json!({
            "80/tcp": binding("127.0.0.1", a),
            "90/udp": binding("0.0.0.0", b),
            "91/udp": binding("0.0.0.0", b + 1),
            "8080/tcp": binding("127.0.0.1", chosen),
            "7000/tcp": null,
        })
    );
    assert_eq!(
        json_field(&c, &id, ".HostConfig.PortBindings")["90/udp"],
        binding("", b)
    );
    c.run(["ps", "-a", "--format", "{{.Ports}}"])
        .success()
        .stdout_eq(&format!(
            "127.0.0.1:{a}->80/tcp, 0.0.0.0:{b}-{}->90-91/udp, 127.0.0.1:{chosen}->8080/tcp\n",
            b + 1
        ));
    c.run(["rm", &id]).success();
}

#[test]
fn publish_all_gives_each_exposed_port_a_free_host_port() {
    let (c, image) = with_busybox();
    let out = c.run([
        "create",
        "--network",
        "pasta",
        "-P",
        "--expose",
        "7000-7001",
        "--expose",
        "53/udp",
        &image,
        "true",
    ]);
    let id = out.success().stdout_trim().to_owned();
    let out = c.run(["port", &id]);
    let lines = out.success().stdout_lines();
    let privates: Vec<&str> = lines
        .iter()
        .map(|l| l.split(" -> ").next().unwrap())
        .collect();
    assert_eq!(privates, ["53/udp", "7000/tcp", "7001/tcp"], "{lines:?}");
    for line in &lines {
        let host = line.rsplit(':').next().unwrap();
        assert!(host.parse::<u16>().is_ok_and(|p| p != 0), "{line}");
    }
    c.run(["rm", &id]).success();
}

#[test]
fn a_host_port_in_use_fails_the_run_and_leaves_nothing() {
    let (c, image) = with_busybox();
    let busy = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = busy.local_addr().unwrap().port();
    for publish in [format!("{port}:80"), format!("127.0.0.1:{port}:80")] {
        for detach in [true, false] {
            let mut args = vec!["run", "--network", "pasta", "-p", &publish];
            if detach {
                args.push("-d");
            }
            args.extend([image.as_str(), "true"]);
            c.run(&args)
                .code(125)
                .stderr_contains(&format!(":{port}/tcp is already in use"));
            c.run(["ps", "-a", "-q"]).success().stdout_eq("");
        }
    }
    // A created container stays when its start fails, as in Docker.
    let id = c
        .run([
            "create",
            "--network",
            "pasta",
            "-p",
            &format!("{port}:80"),
            &image,
            "true",
        ])
        .success()
        .stdout_trim()
        .to_owned();
    c.run(["start", &id])
        .code(125)
        .stderr_contains("already in use");
    assert_eq!(inspect_field(&c, &id, "{{.State.Status}}"), "created");
    c.run(["rm", &id]).success();
}

#[test]
fn malformed_ports_fail_before_anything_is_made() {
    let (c, image) = with_busybox();
    for (flag, spec, says) in [
        ("-p", "80/sctp", "sctp is not supported"),
        ("-p", "http", "not a port number"),
        ("-p", "8000-8010:80-82", "make them as long"),
        ("-p", "::1:8080:80", "[IP]:HOSTPORT:CTRPORT"),
        ("-p", "70000:80", "not a port number from 1 to 65535"),
        ("--expose", "80/icmp", "unknown protocol"),
    ] {
        let out = c.run(["run", "--network", "pasta", flag, spec, &image, "true"]);
        out.code(125).stderr_contains(says);
        assert_eq!(out.stderr.lines().count(), 1, "{out}");
        c.run(["ps", "-a", "-q"]).success().stdout_eq("");
    }
}

#[test]
fn ports_without_a_helper_are_dropped_with_podmans_warning() {
    let (c, image) = with_busybox();
    for network in ["none", "host"] {
        let out = c.run([
            "create",
            "--network",
            network,
            "-p",
            "8080:80",
            &image,
            "true",
        ]);
        out.success().stderr_contains(
            "Port mappings have been discarded as one of the Host, Container, Pod, and None network modes are in use",
        );
        let id = out.stdout_trim().to_owned();
        c.run(["port", &id]).success().stdout_eq("");
        assert_eq!(json_field(&c, &id, ".NetworkSettings.Ports"), json!({}));
        c.run(["rm", &id]).success();
    }
}

#[test]
fn a_privileged_host_port_is_refused_rootless_with_the_sysctl_that_allows_it() {
    let (c, image) = with_busybox();
    let start: u16 = std::fs::read_to_string("/proc/sys/net/ipv4/ip_unprivileged_port_start")
        .ok()
        .and_then(|t| t.trim().parse().ok())
        .unwrap_or(1024);
    if c.user().uid == 0 || start <= 80 {
        return;
    }
    c.run([
        "run",
        "-d",
        "--network",
        "pasta",
        "-p",
        "80:80",
        &image,
        "true",
    ])
    .code(125)
    .stderr_contains("sysctl net.ipv4.ip_unprivileged_port_start=80");
    c.run(["ps", "-a", "-q"]).success().stdout_eq("");
}
