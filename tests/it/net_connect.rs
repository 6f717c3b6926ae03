//! Connectivity: pasta and slirp4netns connect a container to the host, `none`
//! has only loopback, and no helper outlives a killed monitor.

use crate::common::*;
use coracle_testkit::Coracle;
use std::io::{Read, Write};
use std::net::TcpListener;

/// An HTTP server on the host's loopback that answers every request with `body`;
/// returns its port.
pub fn serve(body: &'static str) -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for mut conn in listener.incoming().flatten() {
            let mut buf = [0u8; 1024];
            let _ = conn.read(&mut buf);
            let _ = write!(
                conn,
                "HTTP/1.0 200 OK\r\nContent-Length: {}\r\n\r\n{body}",
                body.len()
            );
        }
    });
    port
}

/// Fetches the host's server from a container on `network`, through `host` (a
/// shell word: the address the helper maps to the host's loopback).
fn fetch_from_host(c: &Coracle, network: &str, host: &str) {
    let image = anon_ref("busybox:latest");
    let port = serve("hello from the host");
    // nc, not wget: this busybox's wget dies of a segfault in its address lookup.
    // The server's close does not always end nc through pasta: the reply does.
    let script = format!("printf 'GET / HTTP/1.0\\r\\n\\r\\n' | timeout 5 nc {host} {port}; true");
    c.run([
        "run",
        "--rm",
        "-q",
        "--network",
        network,
        &image,
        "sh",
        "-c",
        &script,
    ])
    .success()
    .stdout_contains("hello from the host");
}

/// pasta maps the namespace's gateway address to the host.
pub const PASTA_GATEWAY: &str = "$(ip route | awk '/^default/ {print $3}')";

#[test]
fn net_pasta_reaches_the_host() {
    fetch_from_host(&coracle(), "pasta", PASTA_GATEWAY);
}

#[test]
fn net_slirp4netns_reaches_the_host() {
    fetch_from_host(&coracle(), "slirp4netns", "10.0.2.2");
}

#[test]
fn net_helpers_work_rootful() {
    let Some(c) = coracle_testkit::Coracle::rootful(BIN) else {
        return;
    };
    fetch_from_host(&c, "pasta", PASTA_GATEWAY);
    fetch_from_host(&c, "slirp4netns", "10.0.2.2");
}

#[test]
fn net_default_is_connected_with_an_address_and_a_route() {
    let (c, image) = with_busybox();
    let out = c.run(["run", "--rm", "-q", &image, "ip", "route"]);
    out.success().stdout_contains("default via");
    let id = run_detached(&c, &["-q", &image, "sleep", "60"]);
    let mode = inspect_field(&c, &id, "{{.HostConfig.NetworkMode}}");
    assert!(mode == "pasta" || mode == "slirp4netns", "{mode}");
    c.run(["rm", "-f", &id]).success();
}

#[test]
fn net_none_has_only_loopback() {
    let (c, image) = with_busybox();
    c.run([
        "run",
        "--rm",
        "-q",
        "--network",
        "none",
        &image,
        "ls",
        "/sys/class/net",
    ])
    .success()
    .stdout_eq("lo\n");
}

#[test]
fn net_no_helper_outlives_a_killed_monitor() {
    let (c, image) = with_busybox();
    for network in ["pasta", "slirp4netns"] {
        let id = run_detached(&c, &["-q", "--network", network, &image, "sleep", "600"]);
        let helper = processes_of(&id)
            .into_iter()
            .find(|(_, cmd)| cmd.starts_with(network))
            .unwrap_or_else(|| panic!("no {network} for {id}: {:?}", processes_of(&id)));
        // A detached monitor execs itself once the container runs (handoff.rs),
        // and its command line reads empty for a moment while it does.
        let mut monitor = 0;
        eventually(&format!("the monitor of {id}"), || {
            monitor = processes_of(&id)
                .into_iter()
                .find(|(_, cmd)| cmd.contains(" monitor "))
                .map_or(0, |(pid, _)| pid);
            monitor != 0
        });
        nix::sys::signal::kill(
            nix::unistd::Pid::from_raw(monitor),
            nix::sys::signal::Signal::SIGKILL,
        )
        .unwrap();
        eventually("the monitor to go", || {
            !std::path::Path::new(&format!("/proc/{monitor}")).exists()
                || std::fs::read_to_string(format!("/proc/{monitor}/stat"))
                    .is_ok_and(|s| s.contains(") Z "))
        });
        c.run(["ps", "-a"]).success();
        eventually(&format!("{network} to go"), || {
            std::fs::read_to_string(format!("/proc/{}/stat", helper.0))
                .map_or(true, |s| s.contains(") Z ") || !s.contains(network))
        });
        c.run(["rm", "-f", &id]).success();
    }
}

#[test]
fn net_a_helper_that_fails_to_start_leaves_nothing() {
    let (c, image) = with_busybox();
    // The helper starts while the container is built and fails after that.
    for network in ["pasta", "slirp4netns"] {
        c.run([
            "run",
            "--rm",
            "-q",
            "--network",
            &format!("{network}:--bogus"),
            &image,
            "true",
        ])
        .code(125)
        .stderr_contains(&format!(
            "cannot connect the container's network: {network}"
        ));
        let store = c.dir().to_str().unwrap().to_owned();
        assert!(
            processes_of(&store).is_empty(),
            "{:?}",
            processes_of(&store)
        );
    }
    assert!(c.run(["ps", "-aq"]).success().stdout_trim().is_empty());
}

#[test]
fn net_missing_helper_fails_cleanly() {
    let (mut c, image) = with_busybox();
    // A PATH with only what coracle itself needs: no pasta, no slirp4netns.
    let bin = c.dir().join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    for tool in ["newuidmap", "newgidmap"] {
        let _ = std::os::unix::fs::symlink(format!("/usr/bin/{tool}"), bin.join(tool));
    }
    c.env("PATH", bin.to_str().unwrap());
    for (network, package) in [("pasta", "passt"), ("slirp4netns", "slirp4netns")] {
        c.run(["run", "--rm", "-q", "--network", network, &image, "true"])
            .code(125)
            .stderr_contains(&format!("apt-get install {package}"));
    }
    assert!(c.run(["ps", "-aq"]).success().stdout_trim().is_empty());
}
