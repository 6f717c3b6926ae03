//! User-defined networks: containers on one reach each other by address, name
//! and alias (a late one included), never across networks; an internal one has
//! no way out; the holder goes with the last container.

use crate::common::*;
use coracle_testkit::Coracle;

pub(crate) fn network(c: &Coracle, args: &[&str]) {
    let mut all = vec!["network", "create"];
    all.extend_from_slice(args);
    c.run(all).success();
}

/// Runs `script` in a new container on `networks` and returns what it printed.
pub(crate) fn sh(
    c: &Coracle,
    image: &str,
    networks: &[&str],
    script: &str,
) -> coracle_testkit::Output {
    let mut args = vec!["run", "--rm", "-q"];
    for n in networks {
        args.extend(["--network", n]);
    }
    args.extend([image, "sh", "-c", script]);
    c.run(args)
}

/// An HTTP server answering `body`, detached, on `net` under `name`.
pub(crate) fn serve(
    c: &Coracle,
    image: &str,
    net: &str,
    name: &str,
    extra: &[&str],
    body: &str,
) -> String {
    let script =
        format!("mkdir /www && echo {body} > /www/index.html && exec httpd -f -p 80 -h /www");
    let mut args = vec!["--name", name, "--network", net];
    args.extend_from_slice(extra);
    args.extend([image, "sh", "-c", &script]);
    run_detached(c, &args)
}

/// Fetches / from `host` port 80 (nc: this busybox's wget dies in its lookup).
pub(crate) fn fetch(host: &str) -> String {
    format!("printf 'GET / HTTP/1.0\\r\\n\\r\\n' | timeout 5 nc {host} 80")
}

fn bridged(c: &Coracle, image: &str) {
    network(c, &["--subnet", "10.89.40.0/24", "front"]);
    network(c, &["back"]);
    serve(
        c,
        image,
        "front",
        "web",
        &["--network-alias", "www"],
        "hello-web",
    );
    // By name and by alias, from a container started later.
    let out = sh(
        c,
        image,
        &["front"],
        &format!("{}; {}", fetch("web"), fetch("www")),
    );
    let text = out.success().stdout.clone();
    assert_eq!(text.matches("hello-web").count(), 2, "{out}");
    // By address, which inspect shows and which is in the network's subnet.
    let ip = inspect_field(c, "web", "{{.NetworkSettings.Networks.front.IPAddress}}");
    assert!(ip.starts_with("10.89.40."), "{ip}");
    sh(c, image, &["front"], &fetch(&ip))
        .success()
        .stdout_contains("hello-web");
    // The container's own interface carries it.
    c.run(["exec", "web", "ip", "-4", "addr", "show", "eth0"])
        .success()
        .stdout_contains(&format!("inet {ip}/24"));
    // A later container resolves for one already running.
    let late = run_detached(
        c,
        &[
            "--name",
            "late",
            "--network",
            "front",
            image,
            "sleep",
            "600",
        ],
    );
    c.run(["exec", "web", "nslookup", "late"])
        .success()
        .stdout_contains(&inspect_field(
            c,
            &late,
            "{{.NetworkSettings.Networks.front.IPAddress}}",
        ));
    // Names never resolve across networks.
    sh(c, image, &["back"], "nslookup web")
        .failure()
        .stdout_contains("NXDOMAIN");
    // Two networks: both names.
    serve(c, image, "back", "db", &[], "hello-db");
    let both = sh(
        c,
        image,
        &["front", "back"],
        &format!("{}; {}", fetch("web"), fetch("db")),
    );
    let text = both.success().stdout.clone();
    assert!(
        text.contains("hello-web") && text.contains("hello-db"),
        "{both}"
    );
    c.run(["rm", "-f", "web", "late", "db"]).success();
}

#[test]
fn net_bridge_names_and_aliases_resolve_on_their_network_only() {
    let (c, image) = with_busybox();
    bridged(&c, &image);
}

#[test]
fn net_bridge_rootful_names_and_aliases_resolve_on_their_network_only() {
    let Some(c) = Coracle::rootful(BIN) else {
        return;
    };
    let image = anon_ref("busybox:latest");
    pull(&c, &image).success();
    bridged(&c, &image);
}

#[test]
fn net_bridge_internal_has_no_way_out() {
    let (c, image) = with_busybox();
    network(&c, &["--internal", "sealed"]);
    let out = sh(&c, &image, &["sealed"], "ip -o link show; ip route");
    let text = out.success().stdout.clone();
    assert!(text.contains("eth0") && !text.contains("pasta0"), "{out}");
    assert!(!text.contains("default"), "{out}");
    // The host's server, tried through every address the container has a
    // route to and through the name the other modes give the host.
    let port = crate::net_connect::serve("hello from the host");
    let script = format!(
        "for h in host.containers.internal $(ip route | awk '{{print $NF}}') {}; do \
         printf 'GET / HTTP/1.0\\r\\n\\r\\n' | timeout 3 nc $h {port}; done; true",
        crate::net_connect::PASTA_GATEWAY
    );
    let sealed = sh(&c, &image, &["sealed"], &script);
    assert!(
        !sealed.success().stdout.contains("hello from the host"),
        "{sealed}"
    );
    network(&c, &["open"]);
    sh(&c, &image, &["open"], "ip route")
        .success()
        .stdout_contains("default");
    let fetch = format!(
        "printf 'GET / HTTP/1.0\\r\\n\\r\\n' | timeout 5 nc host.containers.internal {port}; true"
    );
    sh(&c, &image, &["open"], &fetch)
        .success()
        .stdout_contains("hello from the host");
}

#[test]
fn net_bridge_holder_goes_with_the_last_container() {
    let (c, image) = with_busybox();
    network(&c, &["n"]);
    let id = run_detached(&c, &["--network", "n", &image, "sleep", "600"]);
    let runroot = c.runroot();
    let runroot = runroot.to_str().unwrap();
    let holder = || {
        processes_of(runroot)
            .into_iter()
            .find(|(_, cmd)| cmd.ends_with(" holder "))
    };
    let (pid, _) = holder().unwrap_or_else(|| panic!("no holder: {:?}", processes_of(runroot)));
    // A detached monitor's command line reads empty while it execs itself.
    let mut monitor = None;
    eventually("the monitor to show", || {
        monitor = processes_of(&id)
            .into_iter()
            .find(|(_, cmd)| cmd.contains(" monitor "));
        monitor.is_some()
    });
    kill9(monitor.unwrap().0);
    c.run(["ps", "-a"]).success();
    eventually("the holder to go", || !alive(pid));
    c.run(["rm", "-f", &id]).success();
    // Started again on demand, and gone again (once it has deleted the veth
    // it answered the detach before deleting).
    sh(&c, &image, &["n"], "true").success();
    eventually("the second holder to go", || holder().is_none());
    // With its way out.
    eventually("the holder's pasta to go", || {
        !processes_of(runroot)
            .iter()
            .any(|(_, cmd)| cmd.starts_with("pasta "))
    });
}

#[test]
fn net_bridge_concurrent_runs_share_one_holder() {
    let (c, image) = with_busybox();
    network(&c, &["n"]);
    let ids: Vec<String> = std::thread::scope(|s| {
        let runs: Vec<_> = (0..6)
            .map(|_| s.spawn(|| run_detached(&c, &["--network", "n", &image, "sleep", "600"])))
            .collect();
        runs.into_iter().map(|r| r.join().unwrap()).collect()
    });
    let mut ips: Vec<String> = ids
        .iter()
        .map(|id| inspect_field(&c, id, "{{.NetworkSettings.Networks.n.IPAddress}}"))
        .collect();
    ips.sort();
    ips.dedup();
    assert_eq!(ips.len(), ids.len(), "{ips:?}");
    let runroot = c.runroot();
    let holders: Vec<_> = processes_of(runroot.to_str().unwrap())
        .into_iter()
        .filter(|(_, cmd)| cmd.ends_with(" holder "))
        .collect();
    assert_eq!(holders.len(), 1, "{holders:?}");
    let mut rm = vec!["rm", "-f"];
    rm.extend(ids.iter().map(String::as_str));
    c.run(rm).success();
}

#[test]
fn net_bridge_build_steps_resolve_names_on_the_builds_network() {
    let (c, image) = with_busybox();
    network(&c, &["n"]);
    run_detached(
        &c,
        &["--name", "web", "--network", "n", &image, "sleep", "600"],
    );
    let dockerfile = format!("FROM {image}\nRUN nslookup web && touch /found\n");
    let dir = crate::build::dockerfile_only(&c, "ctx", &dockerfile);
    let out = crate::build::build(&c, &["--network", "n", dir.to_str().unwrap()]);
    out.success().stdout_contains("web.dns.podman");
    c.run(["rm", "-f", "web"]).success();
}

#[test]
fn net_bridge_published_port_is_fetched_from_the_host() {
    let (c, image) = with_busybox();
    network(&c, &["n"]);
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let publish = format!("{port}:80");
    serve(&c, &image, "n", "web", &["-p", &publish], "hello-published");
    assert!(crate::net_ports::fetch(port).contains("hello-published"));
    c.run(["port", "web"])
        .success()
        .stdout_contains(&format!("80/tcp -> 0.0.0.0:{port}"));
    c.run(["rm", "-f", "web"]).success();
}

#[test]
fn net_bridge_a_taken_address_fails_the_run_and_leaves_nothing() {
    let (c, image) = with_busybox();
    network(&c, &["--subnet", "10.89.41.0/24", "n"]);
    let first = run_detached(
        &c,
        &[
            "--network",
            "n",
            "--ip",
            "10.89.41.50",
            &image,
            "sleep",
            "600",
        ],
    );
    c.run([
        "run",
        "-d",
        "--name",
        "second",
        "--network",
        "n",
        "--ip",
        "10.89.41.50",
        &image,
        "sleep",
        "600",
    ])
    .code(125)
    .stderr_contains(
        "requested ip address 10.89.41.50 is already allocated to another container on network n",
    );
    c.run(["ps", "-a", "--format", "{{.Names}}"])
        .success()
        .stdout_eq(&format!(
            "{}\n",
            inspect_field(&c, &first, "{{.Name}}").trim_start_matches('/')
        ));
    c.run(["rm", "-f", &first]).success();
}
