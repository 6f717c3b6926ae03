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
