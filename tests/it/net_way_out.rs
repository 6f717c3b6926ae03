//! The way out of bridges: one pasta for the holder's namespace, shared by every
//! container on an open network behind the kernel's NAT; nothing routed from
//! one network to another; and, as root, the default network is such a bridge.

use crate::common::*;
use crate::net_bridge::{fetch, network, serve, sh};
use coracle_testkit::Coracle;

/// The pasta processes started for `c`'s store (their command lines name
/// files in its runroot).
fn pastas(c: &Coracle) -> Vec<(i32, String)> {
    let runroot = c.runroot();
    processes_of(runroot.to_str().unwrap())
        .into_iter()
        .filter(|(_, cmd)| cmd.starts_with("pasta "))
        .collect()
}

/// A server on `c`'s network `net` is fetched from the host through
/// host.containers.internal by a container on it, whose default route is the
/// network's gateway; the running containers share one pasta, the holder's.
fn share_one_pasta(c: &Coracle, image: &str, net: &[&str]) {
    let args = |extra: &[&str]| {
        let mut all: Vec<String> = net.iter().map(|s| s.to_string()).collect();
        all.extend(extra.iter().map(|s| s.to_string()));
        all
    };
    let ids: Vec<String> = (0..2)
        .map(|_| {
            let a = args(&[image, "sleep", "600"]);
            run_detached(c, &a.iter().map(String::as_str).collect::<Vec<_>>())
        })
        .collect();
    assert_eq!(pastas(c).len(), 1, "{:?}", pastas(c));
    let port = crate::net_connect::serve("hello from the host");
    // Debian 12's pasta does not pass on the server's close after nc's
    // half-close: nc is timed out, as in the other modes' tests.
    let script = format!(
        "ip route; printf 'GET / HTTP/1.0\\r\\n\\r\\n' | timeout 3 nc host.containers.internal {port}; true"
    );
    let a = args(&["--rm", image, "sh", "-c", &script]);
    let mut run = vec!["run"];
    run.extend(a.iter().map(String::as_str));
    let out = c.run(run);
    let text = out.success().stdout.clone();
    assert!(
        text.contains("default via ") && text.contains(" dev eth0"),
        "{out}"
    );
    assert!(text.contains("hello from the host"), "{out}");
    let mut rm = vec!["rm", "-f"];
    rm.extend(ids.iter().map(String::as_str));
    c.run(rm).success();
    eventually("the holder's pasta to go", || pastas(c).is_empty());
}

#[test]
fn net_way_out_containers_on_a_network_share_the_holders_pasta() {
    let (c, image) = with_busybox();
    network(&c, &["n"]);
    share_one_pasta(&c, &image, &["--network", "n"]);
}

#[test]
fn net_way_out_rootful_default_network_is_a_bridge_with_nat() {
    let Some(c) = Coracle::rootful(BIN) else {
        return;
    };
    let image = anon_ref("busybox:latest");
    pull(&c, &image).success();
    share_one_pasta(&c, &image, &[]);
    // Containers on it reach each other by address, as on Podman's.
    let web = serve(&c, &image, "podman", "web", &[], "hello-default");
    assert_eq!(
        inspect_field(&c, &web, "{{.HostConfig.NetworkMode}}"),
        "bridge"
    );
    let ip = inspect_field(&c, &web, "{{.NetworkSettings.IPAddress}}");
    assert!(ip.starts_with("10.88."), "{ip}");
    let out = c.run(["run", "--rm", "-q", &image, "sh", "-c", &fetch(&ip)]);
    out.success().stdout_contains("hello-default");
    c.run(["rm", "-f", "web"]).success();
}

#[test]
fn net_way_out_networks_do_not_reach_each_other_by_address() {
    let (c, image) = with_busybox();
    network(&c, &["one"]);
    network(&c, &["two"]);
    serve(&c, &image, "one", "web", &[], "hello-one");
    let ip = inspect_field(&c, "web", "{{.NetworkSettings.Networks.one.IPAddress}}");
    sh(&c, &image, &["one"], &fetch(&ip))
        .success()
        .stdout_contains("hello-one");
    let across = sh(&c, &image, &["two"], &format!("{}; true", fetch(&ip)));
    assert!(!across.success().stdout.contains("hello-one"), "{across}");
    c.run(["rm", "-f", "web"]).success();
}

#[test]
fn net_way_out_a_running_container_connected_to_an_open_network_gets_its_way_out() {
    let (c, image) = with_busybox();
    network(&c, &["--internal", "sealed"]);
    network(&c, &["open"]);
    let id = run_detached(&c, &["--network", "sealed", &image, "sleep", "600"]);
    let routes = || c.run(["exec", &id, "ip", "route"]).success().stdout.clone();
    assert!(!routes().contains("default"), "{}", routes());
    c.run(["network", "connect", "open", &id]).success();
    assert!(routes().contains("default via "), "{}", routes());
    c.run(["rm", "-f", &id]).success();
}
