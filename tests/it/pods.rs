//! Pods: containers that share the infra's network (localhost), IPC and UTS
//! namespaces; ports published on the pod; stop and rm -f in order, leaving
//! nothing behind; `ps --pod`, `pod ps` and `pod inspect` as Podman shows
//! them; bad input refused with Podman's words and codes.

use crate::common::*;
use crate::net_ports::fetch;
use coracle_testkit::Coracle;
use std::net::TcpListener;

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// The IDs of every container in the pod, the infra's among them.
fn pod_containers(c: &Coracle, pod: &str) -> Vec<String> {
    let doc = c.run(["pod", "inspect", pod]).success().json();
    doc["Containers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["Id"].as_str().unwrap().to_owned())
        .collect()
}

/// No process, and no container directory (where its rootfs was mounted),
/// of any of `ids`.
fn nothing_left_of(c: &Coracle, ids: &[String]) {
    for id in ids {
        eventually("the container's processes to be gone", || {
            processes_of(id).iter().all(|(pid, _)| !alive(*pid))
        });
        assert!(!c.root().join("containers").join(id).exists(), "{id}");
    }
}

#[test]
fn a_two_container_pod_shares_localhost_and_publishes_on_the_pod() {
    let (c, image) = with_busybox();
    let port = free_port();
    let pod = c
        .run([
            "pod",
            "create",
            "--name",
            "web",
            "-p",
            &format!("{port}:80"),
        ])
        .success()
        .stdout_trim()
        .to_owned();
    assert_eq!(pod.len(), 64);
    let script = "mkdir -p /www && echo hello from the pod > /www/index.html \
                  && exec httpd -f -p 80 -h /www";
    let server = run_detached(
        &c,
        &[
            "--pod", "web", "--name", "server", &image, "sh", "-c", script,
        ],
    );
    // The second container reaches the first on localhost.
    let mut body = String::new();
    eventually("the server to answer on localhost", || {
        let out = c.run([
            "run",
            "--rm",
            "--pod",
            "web",
            &image,
            "wget",
            "-qO-",
            "http://localhost:80/",
        ]);
        body = out.stdout_trim().to_owned();
        body == "hello from the pod"
    });
    // The host reaches it through the pod's port.
    assert_eq!(fetch(port), "hello from the pod\n");
    // They share the pod's host name too.
    c.run(["exec", "server", "hostname"])
        .success()
        .stdout_eq("web\n");

    let ids = pod_containers(&c, "web");
    assert_eq!(ids.len(), 2);
    assert!(ids.contains(&server), "{ids:?}");
    c.run([
        "ps",
        "--pod",
        "--format",
        "{{.Names}} {{.PodName}} {{.Pod}}",
    ])
    .success()
    .stdout_contains(&format!("server web {}\n", &pod[..12]))
    .stdout_contains(&format!("{}-infra web {}\n", &pod[..12], &pod[..12]));
    c.run([
        "pod",
        "ps",
        "--format",
        "{{.Name}} {{.Status}} {{.NumberOfContainers}}",
    ])
    .success()
    .stdout_eq("web Running 2\n");
    c.run([
        "pod",
        "ps",
        "--ctr-names",
        "--format",
        "{{.ContainerNames}}",
    ])
    .success()
    .stdout_eq(&format!("server,{}-infra\n", &pod[..12]));
    c.run([
        "inspect",
        "--type",
        "pod",
        "--format",
        "{{.Name}} {{.NumContainers}}",
        "web",
    ])
    .success()
    .stdout_eq("web 2\n");
    let doc = c.run(["pod", "inspect", "web"]).success().json();
    assert_eq!(doc["Name"], "web");
    assert_eq!(doc["State"], "Running");
    assert_eq!(
        doc["SharedNamespaces"],
        serde_json::json!(["net", "ipc", "uts"])
    );
    assert_eq!(
        doc["InfraConfig"]["PortBindings"]["80/tcp"][0]["HostPort"],
        port.to_string()
    );

    // Stopped: every container exited, no process left; the pod stays.
    c.run(["pod", "stop", "-t", "1", "web"])
        .success()
        .stdout_eq(&format!("{pod}\n"));
    c.run(["pod", "ps", "--format", "{{.Status}}"])
        .success()
        .stdout_eq("Exited\n");
    for id in &ids {
        eventually("the container's processes to be gone", || {
            processes_of(id).iter().all(|(pid, _)| !alive(*pid))
        });
    }
    // Started again, infra first, then removed with -f while it runs.
    c.run(["pod", "start", "web"]).success();
    assert_eq!(fetch(port), "hello from the pod\n");
    c.run(["pod", "rm", "-f", "-t", "1", "web"])
        .success()
        .stdout_eq(&format!("{pod}\n"));
    nothing_left_of(&c, &ids);
    c.run(["ps", "-a", "-q"]).success().stdout_eq("");
    c.run(["pod", "ps", "-q"]).success().stdout_eq("");
    eventually("the pod's port to be released", || {
        TcpListener::bind(("0.0.0.0", port)).is_ok()
    });
    let events = c
        .run([
            "events",
            "--stream=false",
            "--filter",
            "type=pod",
            "--format",
            "{{.Status}} {{.Name}}",
        ])
        .success()
        .stdout_trim()
        .to_owned();
    assert_eq!(
        events.lines().collect::<Vec<_>>(),
        ["create web", "stop web", "start web", "remove web"]
    );
}

#[test]
fn a_member_started_alone_starts_its_pods_infra() {
    let (c, image) = with_busybox();
    c.run(["pod", "create", "--name", "lazy"]).success();
    c.run(["pod", "ps", "--format", "{{.Status}}"])
        .success()
        .stdout_eq("Created\n");
    let member = c
        .run(["create", "--pod", "lazy", &image, "sleep", "60"])
        .success()
        .stdout_trim()
        .to_owned();
    c.run(["start", &member]).success();
    c.run([
        "pod",
        "ps",
        "--format",
        "{{.Status}} {{.NumberOfContainers}}",
    ])
    .success()
    .stdout_eq("Running 2\n");
    // new:NAME makes the pod on the spot.
    c.run(["run", "-d", "--pod", "new:fresh", &image, "sleep", "60"])
        .success();
    c.run(["pod", "exists", "fresh"]).success();
    c.run(["pod", "kill", "lazy", "fresh"]).success();
    let ids: Vec<String> = ["lazy", "fresh"]
        .iter()
        .flat_map(|p| pod_containers(&c, p))
        .collect();
    c.run(["pod", "rm", "lazy", "fresh"]).success();
    nothing_left_of(&c, &ids);
    c.run(["pod", "exists", "fresh"]).code(1);
}

#[test]
fn bad_pod_input_is_refused_with_podmans_words() {
    let (c, image) = with_busybox();
    let missing = "Error: no pod with name or ID nope found: no such pod\n";
    for verb in ["start", "stop", "kill", "restart", "pause"] {
        let out = c.run(["pod", verb, "nope"]);
        out.code(125).stderr_contains(missing);
    }
    c.run(["pod", "rm", "nope"])
        .code(1)
        .stderr_contains(missing);
    c.run(["pod", "inspect", "nope"])
        .code(125)
        .stderr_contains("Error: inspecting object: no such pod nope\n");
    c.run(["run", "--pod", "nope", &image, "true"])
        .code(125)
        .stderr_contains(missing);
    c.run(["pod", "create", "--share", "net,foo"])
        .code(125)
        .stderr_contains("Error: invalid kernel namespace to share: foo. Options are: cgroup, ipc, net, pid, uts or none\n");
    c.run(["pod", "create", "--infra=false", "-p", "8080:80"])
        .code(125)
        .stderr_contains(
            "Error: you must have an infra container to publish port bindings to the host\n",
        );
    c.run(["pod", "create", "--name", "dup"]).success();
    c.run(["pod", "create", "--name", "dup"])
        .code(125)
        .stderr_contains(
            "Error: adding pod to state: name \"dup\" is in use: pod already exists\n",
        );
    c.run(["run", "--pod", "dup", "-p", "8080:80", &image, "true"])
        .code(125)
        .stderr_contains("Error: invalid config provided: published or exposed ports must be defined when the pod is created: network cannot be configured when it is shared with a pod\n");
    // Nothing was made by any of them but the one pod and its infra.
    c.run(["pod", "ps", "--format", "{{.Name}} {{.NumberOfContainers}}"])
        .success()
        .stdout_eq("dup 1\n");
    c.run(["ps", "-a", "--format", "{{.Names}}"])
        .success()
        .stdout_contains("-infra\n");
    assert_eq!(c.run(["ps", "-a", "-q"]).success().stdout_lines().len(), 1);
    // The infra goes with its pod only.
    let infra = c
        .run(["ps", "-a", "-q", "--no-trunc"])
        .success()
        .stdout_trim()
        .to_owned();
    c.run(["rm", &infra])
        .code(125)
        .stderr_contains("is the infra container of pod");
    c.run(["pod", "rm", "dup"]).success();
    c.run(["ps", "-a", "-q"]).success().stdout_eq("");
}

#[test]
fn pod_top_logs_pause_restart_and_a_host_network_member() {
    let (c, image) = with_busybox();
    c.run(["pod", "create", "--name", "busy"]).success();
    let script = "echo started; exec sleep 1000";
    run_detached(&c, &["--pod", "busy", &image, "sh", "-c", script]);
    eventually("the member's log line", || {
        c.run(["pod", "logs", "busy"]).stdout_trim() == "started"
    });
    c.run(["pod", "top", "busy", "pid", "args"])
        .success()
        .stdout_contains("sleep 1000")
        .stdout_contains("/coracle-init -P");
    // Pausing needs the cgroup v2 freezer, which rootless containers have
    // only with delegation: where it is missing, the pod's refusal is the
    // containers'.
    let paused = c.run(["pod", "pause", "busy"]);
    if paused.stdout_trim().is_empty() {
        paused.code(125).stderr_contains("freezer");
    } else {
        c.run(["pod", "ps", "--format", "{{.Status}}"])
            .success()
            .stdout_eq("Paused\n");
        c.run(["pod", "unpause", "busy"]).success();
    }
    c.run(["pod", "restart", "busy"]).success();
    c.run([
        "pod",
        "ps",
        "--format",
        "{{.Status}} {{.NumberOfContainers}}",
    ])
    .success()
    .stdout_eq("Running 2\n");
    // A member may keep the host's network (Podman 4.3 lets it) and still
    // share the pod's UTS namespace.
    let host_net = std::fs::read_link("/proc/self/ns/net").unwrap();
    c.run([
        "run",
        "--rm",
        "--pod",
        "busy",
        "--network",
        "host",
        &image,
        "sh",
        "-c",
        "readlink /proc/self/ns/net; hostname",
    ])
    .success()
    .stdout_eq(&format!("{}\nbusy\n", host_net.display()));
    let ids = pod_containers(&c, "busy");
    c.run(["pod", "rm", "-f", "-t", "0", "--all"]).success();
    nothing_left_of(&c, &ids);
}

#[test]
fn pod_create_exit_policy_replace_and_the_infras_name_options() {
    let (c, image) = with_busybox();
    let first = c
        .run([
            "pod",
            "create",
            "--name",
            "ep",
            "--exit-policy",
            "stop",
            "--dns",
            "192.0.2.53",
            "--dns-search",
            "example.com",
            "--add-host",
            "db:192.0.2.7",
        ])
        .success()
        .stdout_trim()
        .to_owned();
    let doc = c.run(["pod", "inspect", "ep"]).success().json();
    assert_eq!(doc["ExitPolicy"], "stop");
    assert_eq!(
        doc["InfraConfig"]["DNSServer"],
        serde_json::json!(["192.0.2.53"])
    );
    assert_eq!(
        doc["InfraConfig"]["DNSSearch"],
        serde_json::json!(["example.com"])
    );
    assert_eq!(
        doc["InfraConfig"]["HostAdd"],
        serde_json::json!(["db:192.0.2.7"])
    );
    assert_eq!(doc["InfraConfig"]["DNSOption"], serde_json::Value::Null);
    // The infra's name files are every member's.
    c.run([
        "run",
        "--rm",
        "--pod",
        "ep",
        &image,
        "cat",
        "/etc/resolv.conf",
        "/etc/hosts",
    ])
    .success()
    .stdout_contains("nameserver 192.0.2.53\n")
    .stdout_contains("search example.com")
    .stdout_contains("192.0.2.7\tdb");
    // Its last member gone, the pod's infra stops: the pod is Exited.
    eventually("the infra to stop with its last member", || {
        c.run(["pod", "ps", "--format", "{{.Status}}"])
            .stdout_trim()
            == "Exited"
    });
    let listed = c.run(["ps", "-a", "--format", "json"]).success().json();
    assert_eq!(listed[0]["IsInfra"], true, "{listed}");
    assert_eq!(listed[0]["Pod"], first.as_str());
    let infra = listed[0]["Id"].as_str().unwrap().to_owned();
    c.run(["inspect", "--format", "{{.IsInfra}}", &infra])
        .success()
        .stdout_eq("true\n");
    c.run(["ps", "-a", "--format", "{{.IsInfra}}"])
        .success()
        .stdout_eq("true\n");
    c.run([
        "pod",
        "ps",
        "--ns",
        "--noheading",
        "--format",
        "table {{.Name}}|{{.Cgroup}}|{{.Namespace}}",
    ])
    .success()
    .stdout_eq("ep||\n");
    c.run(["pod", "ps", "--ns"])
        .success()
        .stdout_contains("INFRA ID      CGROUP      NAMESPACES  # OF CONTAINERS\n");

    // --replace: the old pod and its infra go, a new one takes the name.
    c.run(["pod", "create", "--name", "ep"])
        .code(125)
        .stderr_contains("pod already exists");
    let second = c
        .run(["pod", "create", "--replace", "--name", "ep"])
        .success()
        .stdout_trim()
        .to_owned();
    assert_ne!(first, second);
    c.run(["pod", "ps", "--no-trunc", "--format", "{{.ID}}"])
        .success()
        .stdout_eq(&format!("{second}\n"));
    nothing_left_of(&c, &[infra]);
    c.run(["pod", "inspect", "--format", "{{.ExitPolicy}}", "ep"])
        .success()
        .stdout_eq("continue\n");

    c.run(["pod", "create", "--exit-policy", "bogus"])
        .code(125)
        .stderr_contains("Error: running pod create option: invalid pod exit policy: \"bogus\"\n");
    c.run(["pod", "create", "--infra=false", "--dns", "192.0.2.53"])
        .code(125)
        .stderr_contains(
            "Error: NoInfra and DNSServer are mutually exclusive pod options: invalid pod spec\n",
        );
    c.run(["pod", "ps", "-q"])
        .success()
        .stdout_eq(&format!("{second}\n"));
    c.run(["pod", "rm", "ep"]).success();
}

#[test]
fn pod_clone_and_container_clone_into_a_pod() {
    let (c, image) = with_busybox();
    c.run([
        "pod",
        "create",
        "--name",
        "orig",
        "-l",
        "a=b",
        "--hostname",
        "hh",
    ])
    .success();
    c.run([
        "create", "--pod", "orig", "--name", "member", &image, "sleep", "100",
    ])
    .success();
    // Podman's names: <old>-clone, then -clone1; the containers' likewise.
    let first = c
        .run(["pod", "clone", "orig"])
        .success()
        .stdout_trim()
        .to_owned();
    c.run(["pod", "clone", "-l", "c=d", "orig"]).success();
    c.run([
        "pod",
        "inspect",
        "--format",
        "{{.Id}} {{.Labels}}",
        "orig-clone",
    ])
    .success()
    .stdout_eq(&format!("{first} map[a:b]\n"));
    c.run(["pod", "inspect", "--format", "{{.Labels}}", "orig-clone1"])
        .success()
        .stdout_eq("map[a:b c:d]\n");
    c.run([
        "ps",
        "-a",
        "--pod",
        "--filter",
        "name=member",
        "--format",
        "{{.Names}} {{.PodName}}",
    ])
    .success()
    .stdout_eq("member-clone1 orig-clone1\nmember-clone orig-clone\nmember orig\n");
    // --destroy --start: the original goes, the clone runs, its member in
    // the pod's namespaces.
    let old = pod_containers(&c, "orig");
    c.run(["pod", "clone", "--destroy", "--start", "orig", "again"])
        .success();
    c.run(["pod", "exists", "orig"]).code(1);
    nothing_left_of(&c, &old);
    c.run([
        "pod",
        "ps",
        "--filter",
        "name=again",
        "--format",
        "{{.Status}} {{.NumberOfContainers}}",
    ])
    .success()
    .stdout_eq("Running 2\n");
    c.run(["exec", "member-clone2", "hostname"])
        .success()
        .stdout_eq("hh\n");
    // container clone --pod: a lone container's clone joins the pod.
    c.run(["create", "--name", "solo", &image, "sleep", "100"])
        .success();
    c.run(["container", "clone", "--pod", "again", "solo", "joined"])
        .success();
    c.run(["start", "joined"]).success();
    c.run(["exec", "joined", "hostname"])
        .success()
        .stdout_eq("hh\n");
    c.run(["pod", "clone", "nope"])
        .code(125)
        .stderr_contains("Error: no pod with name or ID nope found: no such pod\n");
    c.run(["pod", "clone", "--name", "again", "orig-clone"])
        .code(125)
        .stderr_contains(
            "Error: adding pod to state: name \"again\" is in use: pod already exists\n",
        );
    c.run(["container", "clone", "--pod", "nope", "solo"])
        .code(125)
        .stderr_contains("no such pod");
    c.run(["pod", "rm", "-f", "-t", "0", "--all"]).success();
    c.run(["rm", "solo"]).success();
    c.run(["ps", "-a", "-q"]).success().stdout_eq("");
}

#[test]
fn a_pods_static_ip_and_alias_on_a_bridge_are_its_members() {
    let (c, image) = with_busybox();
    c.run(["network", "create", "--subnet", "10.77.0.0/24", "n77"])
        .success();
    c.run([
        "pod",
        "create",
        "--name",
        "bp",
        "--network",
        "n77",
        "--ip",
        "10.77.0.50",
        "--network-alias",
        "webby",
    ])
    .success();
    c.run([
        "pod",
        "inspect",
        "--format",
        "{{.InfraConfig.StaticIP}} {{.InfraConfig.Networks}}",
        "bp",
    ])
    .success()
    .stdout_eq("10.77.0.50 [n77]\n");
    c.run(["run", "--rm", "--pod", "bp", &image, "ip", "-4", "addr"])
        .success()
        .stdout_contains("inet 10.77.0.50/24");
    // The alias resolves to the pod on its network (ping may not send, as
    // an unprivileged user; it names the address it resolved first).
    let probe = "ping -c1 -W1 webby 2>&1; true";
    c.run(["run", "--rm", "--network", "n77", &image, "sh", "-c", probe])
        .success()
        .stdout_contains("PING webby (10.77.0.50)");
    c.run(["pod", "create", "--name", "nb", "--network-alias", "x"])
        .code(125)
        .stderr_contains("--network-alias can only be set when the network mode is bridge");
    c.run(["pod", "rm", "-f", "-t", "0", "bp"]).success();
    c.run(["network", "rm", "n77"]).success();
}
