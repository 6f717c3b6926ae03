//! How a container finds names: its /etc/hosts and /etc/resolv.conf per network
//! mode and flag (--add-host, --dns*, --no-hosts), and container:X sharing X's.

use crate::common::*;
use coracle_testkit::Coracle;

fn run(c: &Coracle, args: &[&str]) -> coracle_testkit::Output {
    c.run(["run", "--rm"].iter().chain(args))
}

#[test]
fn net_names_files_carry_the_flags() {
    let (c, image) = with_busybox();
    let out = run(
        &c,
        &[
            "--name",
            "web",
            "--hostname",
            "boat",
            "--network",
            "slirp4netns",
            "--add-host",
            "db:10.1.2.3",
            "--add-host",
            "gw:host-gateway",
            "--dns",
            "10.9.9.9",
            "--dns-search",
            "example.test",
            "--dns-option",
            "ndots:3",
            &image,
            "cat",
            "/etc/hosts",
            "/etc/resolv.conf",
        ],
    );
    out.success()
        .stdout_contains("10.1.2.3\tdb\n")
        .stdout_contains("10.0.2.2\tgw\n")
        .stdout_contains("10.0.2.2\thost.containers.internal host.docker.internal\n")
        .stdout_contains("\tboat web\n")
        .stdout_contains("search example.test\nnameserver 10.9.9.9\noptions ndots:3\n");
    // Added hosts come first, before the host's own entries.
    assert!(out.stdout.starts_with("10.1.2.3\tdb\n"), "{out}");
}

#[test]
fn net_names_the_host_is_reachable_by_name_where_the_mode_reaches_it() {
    let (c, image) = with_busybox();
    let hosts = |network: &str| {
        run(&c, &["--network", network, &image, "cat", "/etc/hosts"])
            .success()
            .stdout
            .clone()
    };
    assert!(hosts("pasta").contains("host.containers.internal"));
    assert!(hosts("host").contains("127.0.0.1\thost.containers.internal"));
    let none = hosts("none");
    assert!(!none.contains("host.containers.internal"), "{none}");
    assert!(none.contains("localhost"), "{none}");
    // none has no nameserver to reach.
    let resolv = run(
        &c,
        &["--network", "none", &image, "cat", "/etc/resolv.conf"],
    );
    assert!(!resolv.success().stdout.contains("nameserver"), "{resolv}");
}

#[test]
fn net_names_no_hosts_leaves_the_images_file() {
    let (c, image) = with_busybox();
    let out = run(
        &c,
        &["--no-hosts", "--name", "plain", &image, "cat", "/etc/hosts"],
    );
    let out = out.success();
    assert!(!out.stdout.contains("plain"), "{out}");
    assert!(!out.stdout.contains("host.containers.internal"), "{out}");
}

#[test]
fn net_names_inspect_shows_the_flags() {
    let (c, image) = with_busybox();
    c.run([
        "create",
        "--name",
        "shown",
        "--network",
        "slirp4netns",
        "--dns",
        "10.9.9.9",
        "--dns-search",
        "example.test",
        "--dns-option",
        "ndots:3",
        "--add-host",
        "db:10.1.2.3",
        &image,
        "true",
    ])
    .success();
    let doc = c.run(["inspect", "shown"]).success().json();
    let host = &doc[0]["HostConfig"];
    assert_eq!(host["NetworkMode"], "slirp4netns");
    assert_eq!(host["Dns"], serde_json::json!(["10.9.9.9"]));
    assert_eq!(host["DnsSearch"], serde_json::json!(["example.test"]));
    assert_eq!(host["DnsOptions"], serde_json::json!(["ndots:3"]));
    assert_eq!(host["ExtraHosts"], serde_json::json!(["db:10.1.2.3"]));
}

#[test]
fn net_names_container_mode_shares_the_others_network_and_files() {
    let (c, image) = with_busybox();
    shares_the_others_network(&c, &image, "pasta");
}

#[test]
fn net_names_rootful_container_mode_shares_the_others_network() {
    let Some(c) = Coracle::rootful(BIN) else {
        return;
    };
    let image = anon_ref("busybox:latest");
    pull(&c, &image).success();
    // Root's default network is the bridge, as Podman's.
    shares_the_others_network(&c, &image, "bridge");
}

/// `default` is how inspect names the default network of `c`.
fn shares_the_others_network(c: &Coracle, image: &str, default: &str) {
    let id = run_detached(
        c,
        &[
            "--name",
            "x",
            "--add-host",
            "only-x:10.7.7.7",
            image,
            "sleep",
            "60",
        ],
    );
    let theirs = c
        .run(["exec", "x", "readlink", "/proc/self/ns/net"])
        .success()
        .stdout
        .clone();
    let out = run(
        c,
        &[
            "--network",
            "container:x",
            image,
            "sh",
            "-c",
            "readlink /proc/self/ns/net; cat /etc/hosts",
        ],
    );
    let out = out.success();
    assert!(out.stdout.starts_with(&theirs), "{out}\nx: {theirs}");
    assert!(out.stdout.contains("10.7.7.7\tonly-x\n"), "{out}");
    assert_eq!(
        inspect_field(c, &id, "{{.HostConfig.NetworkMode}}"),
        default
    );
    // Stored by ID: inspect says which container, whatever it is called later.
    c.run([
        "create",
        "--name",
        "y",
        "--network",
        "container:x",
        image,
        "true",
    ])
    .success();
    assert_eq!(
        inspect_field(c, "y", "{{.HostConfig.NetworkMode}}"),
        format!("container:{id}")
    );
    c.run(["stop", "-t", "0", "x"]).success();
    c.run(["start", "y"])
        .code(125)
        .stderr_contains("container x is not running");
}

#[test]
fn net_names_bad_input_fails_before_anything_is_made() {
    let (c, image) = with_busybox();
    for (flags, says) in [
        (
            &["--dns", "1.2.3"][..],
            "--dns \"1.2.3\": not an IP address",
        ),
        (&["--add-host", "db"][..], "use NAME:IP"),
        (&["--add-host", "db:300.1.1.1"][..], "not an IP address"),
        (
            &["--add-host", "db:1.1.1.1", "--no-hosts"][..],
            "conflicting options",
        ),
        (
            &["--network", "none", "--dns", "1.1.1.1"][..],
            "conflicting options",
        ),
        (
            &["--network", "container:nobody-here", "--dns", "1.1.1.1"][..],
            "conflicting options",
        ),
        (
            &["--network", "container:nobody-here"][..],
            "no such container",
        ),
        (
            &["--network", "none", "--add-host", "gw:host-gateway"][..],
            "no address for the host",
        ),
    ] {
        let mut args = vec!["run", "--rm"];
        args.extend_from_slice(flags);
        args.extend([image.as_str(), "true"]);
        c.run(&args).code(125).stderr_contains(says);
    }
    let ps = c.run(["ps", "-a", "-q"]);
    assert_eq!(ps.success().stdout, "", "{ps}");
}

#[test]
fn net_names_rootful_hosts_name_the_host() {
    let Some(c) = Coracle::rootful(BIN) else {
        return;
    };
    let image = anon_ref("busybox:latest");
    c.run([
        "run",
        "--rm",
        "-q",
        "--name",
        "rooted",
        "--network",
        "slirp4netns",
        "--add-host",
        "db:10.1.2.3",
        &image,
        "cat",
        "/etc/hosts",
    ])
    .success()
    .stdout_contains("10.1.2.3\tdb\n")
    .stdout_contains("10.0.2.2\thost.containers.internal host.docker.internal\n")
    .stdout_contains(" rooted\n");
}

#[test]
fn net_names_rootful_ns_path_joins_that_namespace() {
    let Some(c) = Coracle::rootful(BIN) else {
        return;
    };
    let image = anon_ref("busybox:latest");
    let mut holder = std::process::Command::new("unshare")
        .args(["--net", "sleep", "30"])
        .spawn()
        .expect("start a process in a network namespace of its own");
    let ns = format!("/proc/{}/ns/net", holder.id());
    // unshare has exec'd sleep once the namespace differs from ours.
    eventually("the holder's namespace", || {
        std::fs::read_link(&ns).ok() != std::fs::read_link("/proc/self/ns/net").ok()
    });
    let theirs = std::fs::read_link(&ns).unwrap();
    let network = format!("ns:{ns}");
    let out = c.run([
        "run",
        "--rm",
        "-q",
        "--network",
        &network,
        &image,
        "readlink",
        "/proc/self/ns/net",
    ]);
    let _ = holder.kill();
    let _ = holder.wait();
    out.success().stdout_eq(&format!("{}\n", theirs.display()));
}

#[test]
fn net_names_build_runs_steps_on_runs_default_network() {
    let (c, image) = with_busybox();
    let listed = |out: &coracle_testkit::Output| {
        out.stdout
            .lines()
            .filter(|l| l.starts_with("net:"))
            .map(str::to_owned)
            .collect::<Vec<_>>()
    };
    let script = "echo net:$(ls /sys/class/net | tr '\\n' ' ')";
    let run_sees = run(&c, &[&image, "sh", "-c", script]);
    // Each step writes a file of its own: steps with identical layers trip an
    // overlay limit that has nothing to do with networks.
    let dockerfile = format!(
        "FROM {image}\nRUN {script}; touch /1\nRUN --network=default {script} default; touch /2\n\
         RUN --network=none {script}; touch /3\n"
    );
    let dir = crate::build::dockerfile_only(&c, "ctx", &dockerfile);
    let out = crate::build::build(&c, &["--no-cache", dir.to_str().unwrap()]);
    let steps = listed(out.success());
    let run_sees = listed(run_sees.success()).remove(0);
    assert_eq!(steps[0], run_sees, "{out}");
    assert_eq!(steps[1], format!("{run_sees} default"), "{out}");
    assert_eq!(steps[2], "net:lo", "{out}");
}
