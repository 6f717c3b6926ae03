//! `network connect` and `network disconnect`: a running container gains an
//! interface on another network at once and reaches the containers there by
//! name, and loses it again; a stopped one gets the change at its next start;
//! bad input changes nothing.

use crate::common::*;
use coracle_testkit::{Coracle, Output};
use serde_json::Value;

fn network(c: &Coracle, args: &[&str]) -> Output {
    c.run(["network"].iter().chain(args))
}

/// An HTTP server answering `body`, detached, on `net` under `name`.
fn serve(c: &Coracle, image: &str, net: &str, name: &str, body: &str) -> String {
    let script =
        format!("mkdir /www && echo {body} > /www/index.html && exec httpd -f -p 80 -h /www");
    run_detached(
        c,
        &["--name", name, "--network", net, image, "sh", "-c", &script],
    )
}

/// Fetches / from `host` port 80 (nc: this busybox's wget dies in its lookup).
fn fetch(host: &str) -> String {
    format!("printf 'GET / HTTP/1.0\\r\\n\\r\\n' | timeout 5 nc {host} 80")
}

/// Whether the hosts file names the container `app` at `ip`.
fn own_line(hosts: &str, ip: &str) -> bool {
    hosts
        .lines()
        .any(|l| l.starts_with(&format!("{ip}\t")) && l.split_whitespace().any(|n| n == "app"))
}

fn exec(c: &Coracle, container: &str, script: &str) -> Output {
    c.run(["exec", container, "sh", "-c", script])
}

/// The container's networks as inspect shows them: name → entry.
fn networks(c: &Coracle, container: &str) -> serde_json::Map<String, Value> {
    let out = c.run(["inspect", "--type", "container", container]);
    let all = out.success().json();
    all[0]["NetworkSettings"]["Networks"]
        .as_object()
        .cloned()
        .unwrap_or_else(|| panic!("{out}"))
}

/// The container's address on `net` as inspect shows it.
fn address(c: &Coracle, container: &str, net: &str) -> String {
    let networks = networks(c, container);
    networks[net]["IPAddress"]
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

/// The names of the networks inspect lists for the container.
fn networks_of(c: &Coracle, container: &str) -> Vec<String> {
    let mut names: Vec<String> = networks(c, container).keys().cloned().collect();
    names.sort();
    names
}

fn live(c: &Coracle, image: &str) {
    network(c, &["create", "--subnet", "10.89.50.0/24", "front"]).success();
    network(c, &["create", "--subnet", "10.89.51.0/24", "back"]).success();
    serve(c, image, "back", "db", "hello-db");
    run_detached(
        c,
        &["--name", "app", "--network", "front", image, "sleep", "600"],
    );
    exec(c, "app", "nslookup db").failure();

    network(c, &["connect", "--alias", "appx", "back", "app"])
        .success()
        .stdout_eq("");
    // The new interface is the next ethN, on the other network's subnet.
    let ip = address(c, "app", "back");
    assert!(ip.starts_with("10.89.51."), "{ip}");
    exec(c, "app", "ip -4 -o addr show eth1")
        .success()
        .stdout_contains(&format!("inet {ip}/24"));
    // It reaches the containers there by name, and they it by its alias.
    exec(c, "app", &fetch("db"))
        .success()
        .stdout_contains("hello-db");
    c.run(["exec", "db", "nslookup", "appx"])
        .success()
        .stdout_contains(&ip);
    assert_eq!(networks_of(c, "app"), ["back", "front"]);
    // Its hosts file names it on both networks, as Podman's does.
    let front = address(c, "app", "front");
    let hosts = exec(c, "app", "cat /etc/hosts").success().stdout.clone();
    assert!(own_line(&hosts, &front) && own_line(&hosts, &ip), "{hosts}");
    network(c, &["connect", "back", "app"])
        .code(125)
        .stderr_contains("is already connected to network \"back\": network is already connected");

    network(c, &["disconnect", "back", "app"])
        .success()
        .stdout_eq("");
    exec(c, "app", "ip link show eth1").failure();
    let hosts = exec(c, "app", "cat /etc/hosts").success().stdout.clone();
    assert!(own_line(&hosts, &front) && !hosts.contains(&ip), "{hosts}");
    exec(c, "app", "nslookup db")
        .failure()
        .stdout_contains("NXDOMAIN");
    c.run(["exec", "db", "nslookup", "appx"]).failure();
    assert_eq!(networks_of(c, "app"), ["front"]);
    network(c, &["disconnect", "back", "app"])
        .code(125)
        .stderr_contains("container app is not connected to network back");
    // Connected again, it gets the free number back.
    network(c, &["connect", "--ip", "10.89.51.50", "back", "app"]).success();
    exec(c, "app", "ip link show eth1").success();
    // The run's end takes the interface away with the others (its address is
    // free), and the next start puts it back.
    c.run(["stop", "-t0", "app"]).success();
    c.run([
        "run",
        "--rm",
        "--network",
        "back",
        "--ip",
        "10.89.51.50",
        image,
        "true",
    ])
    .success();
    c.run(["start", "app"]).success();
    exec(c, "app", "ip -4 -o addr show eth1")
        .success()
        .stdout_contains("inet 10.89.51.50/24");
    // The new run's addresses, not the last run's, name it.
    let hosts = exec(c, "app", "cat /etc/hosts").success().stdout.clone();
    let front = address(c, "app", "front");
    assert!(
        own_line(&hosts, &front) && own_line(&hosts, "10.89.51.50"),
        "{hosts}"
    );
    assert_eq!(hosts.matches(" app").count(), 2, "{hosts}");
    c.run(["rm", "-f", "app", "db"]).success();
}

#[test]
fn net_connect_live_a_running_container_joins_and_leaves_at_once() {
    let (c, image) = with_busybox();
    live(&c, &image);
}

#[test]
fn net_connect_live_rootful_a_running_container_joins_and_leaves_at_once() {
    let Some(c) = Coracle::rootful(BIN) else {
        return;
    };
    let image = anon_ref("busybox:latest");
    pull(&c, &image).success();
    live(&c, &image);
}

#[test]
fn net_connect_live_a_stopped_container_gets_the_change_at_its_start() {
    let (c, image) = with_busybox();
    network(&c, &["create", "--subnet", "10.89.52.0/24", "one"]).success();
    network(&c, &["create", "--subnet", "10.89.53.0/24", "two"]).success();
    c.run([
        "create",
        "--name",
        "s",
        "--network",
        "one",
        &image,
        "sleep",
        "600",
    ])
    .success();
    network(&c, &["connect", "two", "s"]).success();
    // Podman's (and Docker's) rule: again, on one never started, is no change.
    network(&c, &["connect", "two", "s"]).success();
    assert_eq!(networks_of(&c, "s"), ["one", "two"]);
    c.run(["start", "s"]).success();
    let text = exec(&c, "s", "ip -4 -o addr").success().stdout.clone();
    assert!(
        text.contains("eth0") && text.contains("inet 10.89.52."),
        "{text}"
    );
    assert!(
        text.contains("eth1") && text.contains("inet 10.89.53."),
        "{text}"
    );
    assert!(address(&c, "s", "two").starts_with("10.89.53."));

    c.run(["stop", "-t0", "s"]).success();
    network(&c, &["disconnect", "one", "s"]).success();
    c.run(["start", "s"]).success();
    let text = exec(&c, "s", "ip -4 -o addr").success().stdout.clone();
    assert!(!text.contains("10.89.52."), "{text}");
    assert!(
        text.contains("eth0") && text.contains("inet 10.89.53."),
        "{text}"
    );

    // Off its last network it has only loopback, as in Podman.
    c.run(["stop", "-t0", "s"]).success();
    network(&c, &["disconnect", "two", "s"]).success();
    assert!(networks_of(&c, "s").is_empty());
    c.run(["start", "s"]).success();
    let text = exec(&c, "s", "ip -o link").success().stdout.clone();
    assert!(!text.contains("eth0") && text.contains("lo"), "{text}");
    // And can join one while it runs.
    network(&c, &["connect", "one", "s"]).success();
    exec(&c, "s", "ip -4 -o addr show eth0")
        .success()
        .stdout_contains("inet 10.89.52.");
    c.run(["rm", "-f", "s"]).success();
}

#[test]
fn net_connect_live_bad_input_fails_and_changes_nothing() {
    let (c, image) = with_busybox();
    network(&c, &["create", "--subnet", "10.89.54.0/24", "a"]).success();
    network(&c, &["create", "--subnet", "10.89.55.0/24", "b"]).success();
    c.run([
        "create",
        "--name",
        "lone",
        "--network",
        "none",
        &image,
        "true",
    ])
    .success();
    run_detached(
        &c,
        &[
            "--name",
            "x",
            "--network",
            "b",
            "--ip",
            "10.89.55.9",
            &image,
            "sleep",
            "600",
        ],
    );
    run_detached(
        &c,
        &["--name", "y", "--network", "a", &image, "sleep", "600"],
    );

    let refused = |args: &[&str], says: &str| {
        let out = network(&c, args);
        out.code(125).stderr_contains(says);
        assert_eq!(out.stderr.trim().lines().count(), 1, "{out}");
    };
    refused(
        &["connect", "nosuch", "y"],
        "unable to find network with name or ID nosuch: network not found",
    );
    refused(
        &["connect", "b", "nosuch"],
        "no container with name or ID \"nosuch\" found: no such container",
    );
    refused(
        &["connect", "b", "lone"],
        "\"none\" is not supported: invalid network mode",
    );
    refused(
        &["connect", "--ip", "10.99.0.5", "b", "y"],
        "requested static ip 10.99.0.5 not in any subnet on network b",
    );
    refused(
        &["connect", "--ip", "10.89.55.9", "b", "y"],
        "requested ip address 10.89.55.9 is already allocated to another container on network b",
    );
    refused(
        &["disconnect", "nosuch", "y"],
        "unable to find network with name or ID nosuch: network not found",
    );
    refused(
        &["disconnect", "b", "y"],
        "container y is not connected to network b",
    );
    // Nothing half-done: y is on a alone, live and in its record.
    assert_eq!(networks_of(&c, "y"), ["a"]);
    exec(&c, "y", "ip link show eth1").failure();
    // No networks of its own: the mode, and no Networks, as Podman shows it.
    assert_eq!(
        inspect_field(&c, "lone", "{{.HostConfig.NetworkMode}}"),
        "none"
    );
    let out = c.run(["inspect", "lone"]);
    assert!(out.success().json()[0]["NetworkSettings"]
        .get("Networks")
        .is_none());
    c.run(["rm", "-f", "x", "y", "lone"]).success();
}
