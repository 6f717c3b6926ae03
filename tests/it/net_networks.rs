//! `network create|ls|inspect|rm|prune|exists` and the run flags that name
//! networks, as a user sees them: Podman's output, wording and exit codes.

use crate::common::*;
use coracle_testkit::{Coracle, Output};
use serde_json::Value;

fn network(c: &Coracle, args: &[&str]) -> Output {
    c.run(["network"].iter().chain(args))
}

/// `network inspect` of one network, as JSON.
fn inspect(c: &Coracle, name: &str) -> Value {
    let out = network(c, &["inspect", name]);
    out.success().json()[0].clone()
}

/// `network ls -q`: the names.
fn names(c: &Coracle) -> Vec<String> {
    let out = network(c, &["ls", "-q"]);
    out.success()
        .stdout_lines()
        .iter()
        .map(|s| s.to_string())
        .collect()
}

#[test]
fn net_networks_create_chooses_name_bridge_and_subnet_as_podman_does() {
    let c = coracle();
    network(&c, &["create"]).success().stdout_eq("podman1");
    let first = inspect(&c, "podman1");
    assert_eq!(first["driver"], "bridge");
    assert_eq!(first["network_interface"], "podman1");
    assert_eq!(first["dns_enabled"], true);
    assert_eq!(first["internal"], false);
    assert_eq!(first["ipv6_enabled"], false);
    assert_eq!(first["ipam_options"]["driver"], "host-local");
    assert_eq!(first["id"].as_str().unwrap().len(), 64);
    let subnet = first["subnets"][0]["subnet"].as_str().unwrap().to_owned();
    assert!(
        subnet.starts_with("10.89.") && subnet.ends_with(".0/24"),
        "{first}"
    );
    let gateway = first["subnets"][0]["gateway"].as_str().unwrap();
    assert_eq!(gateway, subnet.replace(".0/24", ".1"));

    network(&c, &["create", "web"]).success().stdout_eq("web");
    let web = inspect(&c, "web");
    assert_eq!(web["network_interface"], "podman2");
    assert_ne!(web["subnets"][0]["subnet"], first["subnets"][0]["subnet"]);

    // Taken names and subnets fail with Podman's words.
    network(&c, &["create", "web"])
        .code(125)
        .stderr_contains("network name web already used: network already exists");
    network(&c, &["create", "--subnet", &subnet, "other"])
        .code(125)
        .stderr_contains(&format!(
            "subnet {subnet} is already used on the host or by another config"
        ));
    assert_eq!(names(&c), ["podman", "podman1", "web"]);
}

#[test]
fn net_networks_create_takes_podmans_flags() {
    let c = coracle();
    network(
        &c,
        &[
            "create",
            "--subnet",
            "10.123.4.0/24",
            "--gateway",
            "10.123.4.254",
            "--ip-range",
            "10.123.4.128/25",
            "--internal",
            "--disable-dns",
            "--label",
            "team=blue",
            "-o",
            "mtu=1400",
            "lab",
        ],
    )
    .success();
    let lab = inspect(&c, "lab");
    let subnet = &lab["subnets"][0];
    assert_eq!(subnet["subnet"], "10.123.4.0/24");
    assert_eq!(subnet["gateway"], "10.123.4.254");
    assert_eq!(subnet["lease_range"]["start_ip"], "10.123.4.129");
    assert_eq!(subnet["lease_range"]["end_ip"], "10.123.4.255");
    assert_eq!(lab["internal"], true);
    assert_eq!(lab["dns_enabled"], false);
    assert_eq!(lab["labels"]["team"], "blue");
    assert_eq!(lab["options"]["mtu"], "1400");
    // Podman leaves out what is empty.
    assert!(inspect(&c, "podman").get("labels").is_none());
}

#[test]
fn net_networks_bad_input_fails_in_one_line_and_creates_nothing() {
    let c = coracle();
    let cases: [(&[&str], &str); 8] = [
        (&["--subnet", "foo", "x"], "invalid CIDR address: foo"),
        (
            &["--subnet", "10.90.0.0/33", "x"],
            "invalid CIDR address: 10.90.0.0/33",
        ),
        (
            &["--subnet", "10.90.0.0/24", "--gateway", "10.91.0.1", "x"],
            "gateway 10.91.0.1 not in subnet 10.90.0.0/24",
        ),
        (
            &["--gateway", "10.1.1.1", "x"],
            "cannot set gateway or range without subnet",
        ),
        (&["-d", "macvlan", "x"], "driver macvlan is not supported"),
        (&["-d", "foo", "x"], "unsupported driver foo"),
        (
            &["-o", "color=red", "x"],
            "unsupported network option color",
        ),
        (&["a b"], "network name a b invalid"),
    ];
    for (args, message) in cases {
        let out = network(&c, &[&["create"], args].concat());
        out.code(125).stderr_contains(message);
        assert_eq!(out.stderr.lines().count(), 1, "{out}");
    }
    assert_eq!(names(&c), ["podman"]);
}

#[test]
fn net_networks_the_default_network_is_always_there_and_stays() {
    let c = coracle();
    let out = network(&c, &["ls"]);
    out.success();
    let lines = out.stdout_lines();
    assert!(lines[0].starts_with("NETWORK ID"), "{out}");
    assert!(
        lines[1].starts_with("2f259bab93aa")
            && lines[1].contains("podman")
            && lines[1].ends_with("bridge"),
        "{out}"
    );
    let default = inspect(&c, "podman");
    assert_eq!(default["subnets"][0]["subnet"], "10.88.0.0/16");
    assert_eq!(default["subnets"][0]["gateway"], "10.88.0.1");
    assert_eq!(default["network_interface"], "podman0");
    assert_eq!(default["dns_enabled"], false);
    network(&c, &["rm", "podman"])
        .code(125)
        .stderr_contains("default network podman cannot be removed");
    network(&c, &["prune", "-f"]).success().stdout_eq("");
    assert_eq!(names(&c), ["podman"]);
}

#[test]
fn net_networks_ls_filters_and_formats() {
    let c = coracle();
    network(&c, &["create", "--label", "env=prod", "front"]).success();
    network(&c, &["create", "back"]).success();
    let ls = |args: &[&str]| {
        let out = network(&c, &[&["ls"], args].concat());
        out.success().stdout.clone()
    };
    assert_eq!(ls(&["-q", "--filter", "label=env=prod"]), "front\n");
    assert_eq!(ls(&["-q", "--filter", "name=^ba"]), "back\n");
    assert_eq!(ls(&["-q", "--filter", "driver=bridge"]).lines().count(), 3);
    assert_eq!(
        ls(&[
            "--format",
            "{{.Name}} {{.Labels}}",
            "--filter",
            "name=front"
        ]),
        "front env=prod\n"
    );
    let id = inspect(&c, "back")["id"].as_str().unwrap().to_owned();
    assert_eq!(
        ls(&["--format", "{{.ID}}", "--filter", "name=back"]),
        format!("{}\n", &id[..12])
    );
    assert_eq!(
        ls(&[
            "--no-trunc",
            "--format",
            "{{.ID}}",
            "--filter",
            &format!("id={}", &id[..8])
        ]),
        format!("{id}\n")
    );
    let json: Value = serde_json::from_str(&ls(&["--format", "json"])).unwrap();
    let listed: Vec<&str> = json
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["name"].as_str().unwrap())
        .collect();
    assert_eq!(listed, ["back", "front", "podman"]);
    network(&c, &["ls", "--filter", "colour=red"])
        .code(125)
        .stderr_contains("invalid filter \"colour\"");
    // inspect finds a network by an ID prefix, and templates see Podman's fields.
    network(
        &c,
        &[
            "inspect",
            "--format",
            "{{.Name}} {{.NetworkInterface}}",
            &id[..10],
        ],
    )
    .success()
    .stdout_eq("back podman2");
}

#[test]
fn net_networks_exists_and_inspect_of_an_unknown_network() {
    let c = coracle();
    network(&c, &["exists", "podman"]).success().stdout_eq("");
    network(&c, &["exists", "nosuch"]).code(1).stdout_eq("");
    network(&c, &["inspect", "nosuch"])
        .code(125)
        .stderr_contains("unable to find network with name or ID nosuch: network not found");
    network(&c, &["rm", "nosuch"])
        .code(1)
        .stderr_contains("unable to find network with name or ID nosuch: network not found");
}

#[test]
fn net_networks_rm_refuses_a_network_in_use_unless_forced() {
    let (c, image) = with_busybox();
    network(&c, &["create", "busy"]).success();
    network(&c, &["create", "idle"]).success();
    let id = c
        .run(["create", "-q", "--network", "busy", &image, "true"])
        .success()
        .stdout_trim()
        .to_owned();
    network(&c, &["rm", "busy", "idle"])
        .code(2)
        .stdout_eq("idle")
        .stderr_contains(
            "\"busy\" has associated containers with it. Use -f to forcibly delete containers and pods: network is being used",
        );
    // prune leaves it too: a container is on it.
    network(&c, &["prune", "-f"]).success().stdout_eq("");
    network(&c, &["rm", "-f", "busy"])
        .success()
        .stdout_eq("busy");
    c.run(["ps", "-a", "-q"]).success().stdout_eq("");
    c.run(["inspect", &id]).code(125);
    assert_eq!(names(&c), ["podman"]);
}

#[test]
fn net_networks_prune_removes_unused_networks_as_filtered() {
    let (c, image) = with_busybox();
    network(&c, &["create", "--label", "temp", "a"]).success();
    network(&c, &["create", "b"]).success();
    network(&c, &["create", "kept"]).success();
    c.run(["create", "-q", "--network", "kept", &image, "true"])
        .success();
    network(&c, &["prune", "-f", "--filter", "name=a"])
        .code(125)
        .stderr_contains("invalid filter \"name\"");
    network(&c, &["prune", "-f", "--filter", "label=temp"])
        .success()
        .stdout_eq("a");
    network(&c, &["prune", "-f"]).success().stdout_eq("b");
    assert_eq!(names(&c), ["kept", "podman"]);
}

#[test]
fn net_networks_run_on_an_unknown_network_fails_and_leaves_no_container() {
    let (c, image) = with_busybox();
    c.run(["run", "--rm", "--network", "nosuch", &image, "true"])
        .code(125)
        .stderr_contains("unable to find network with name or ID nosuch: network not found");
    network(&c, &["create", "--subnet", "10.123.5.0/24", "lan"]).success();
    let bad: [(&[&str], &str); 5] = [
        (
            &["--network", "lan", "--ip", "10.123.6.5"],
            "requested static ip 10.123.6.5 not in any subnet on network lan",
        ),
        (
            &["--network", "lan", "--ip", "10.123.5.1"],
            "is the gateway of network lan",
        ),
        (
            &[
                "--network",
                "lan",
                "--network",
                "podman",
                "--ip",
                "10.123.5.5",
            ],
            "--ip can only be set for a single network",
        ),
        (
            &["--network", "pasta", "--network-alias", "x"],
            "--network-alias",
        ),
        (
            &["--network", "none", "--network", "lan"],
            "cannot set multiple networks without bridge network mode",
        ),
    ];
    for (flags, message) in bad {
        let args = [&["run", "--rm"], flags, &[&image, "true"]].concat();
        c.run(args).code(125).stderr_contains(message);
    }
    c.run(["ps", "-a", "-q"]).success().stdout_eq("");
}

#[test]
fn net_networks_inspect_of_a_container_shows_each_network() {
    let (c, image) = with_busybox();
    network(&c, &["create", "lan"]).success();
    let id = c
        .run([
            "create",
            "-q",
            "--network",
            "lan:alias=db",
            "--network",
            "bridge",
            "--network-alias",
            "store",
            &image,
            "true",
        ])
        .success()
        .stdout_trim()
        .to_owned();
    let out = c.run(["inspect", "--type", "container", &id]);
    let container = out.success().json()[0].clone();
    assert_eq!(container["HostConfig"]["NetworkMode"], "bridge");
    let settings = &container["NetworkSettings"];
    let lan = &settings["Networks"]["lan"];
    // Podman 4 names the network there, not its ID.
    assert_eq!(lan["NetworkID"], "lan");
    let short = &id[..12];
    assert_eq!(lan["Aliases"], serde_json::json!(["db", "store", short]));
    // Not running: no address yet.
    assert_eq!(lan["IPAddress"], "");
    assert_eq!(lan["EndpointID"], "");
    assert_eq!(settings["IPAddress"], "");
    let podman = &settings["Networks"]["podman"];
    assert_eq!(podman["Aliases"], serde_json::json!(["store", short]));
    assert_eq!(podman["NetworkID"], "podman");
    c.run(["ps", "-a", "--format", "{{.Networks}}"])
        .success()
        .stdout_eq("lan,podman");
}
