//! `kube generate`, `kube play` and `kube down`, as Podman's: a container's
//! YAML read back by the Kubernetes API's types, played to the same container
//! and removed again; a Deployment with ConfigMaps and an init container; and
//! each bad input refused with the field's path, nothing left behind.

use crate::common::*;
use crate::net_ports::fetch;
use coracle_testkit::Coracle;
use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::core::v1::{PersistentVolumeClaim, Pod, Service};
use serde::Deserialize;
use std::net::TcpListener;
use std::path::Path;

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Each document of a YAML stream, as plain YAML.
fn documents(text: &str) -> Vec<serde_norway::Value> {
    serde_norway::Deserializer::from_str(text)
        .map(|d| serde_norway::Value::deserialize(d).unwrap())
        .filter(|v| !v.is_null())
        .collect()
}

fn typed<T: serde::de::DeserializeOwned>(doc: &serde_norway::Value) -> T {
    serde_norway::from_value(doc.clone()).unwrap_or_else(|e| panic!("{e}: {doc:?}"))
}

fn names(c: &Coracle, what: &[&str]) -> Vec<String> {
    c.run(what)
        .success()
        .stdout_lines()
        .into_iter()
        .map(String::from)
        .collect()
}

fn write(c: &Coracle, name: &str, text: &str) -> String {
    let path = c.dir().join(name);
    c.write_user_file(&path, text.as_bytes());
    path.to_string_lossy().into_owned()
}

/// httpd serving the bind-mounted directory, on port 80; it exits at once on
/// SIGTERM (httpd as PID 1 would not) so that down is quick.
const SERVE: &str =
    "httpd -p 80 -h /site; echo $GREETING > /data/greeting; trap 'exit 0' TERM; sleep 1000 & wait";

/// A container with env, a published port, a named volume and a bind mount.
fn web(c: &Coracle, image: &str, port: u16, site: &Path) {
    let bind = format!("{}:/site:ro", site.display());
    c.run([
        "create",
        "--name",
        "web",
        "-e",
        "GREETING=hello",
        "-p",
        &format!("{port}:80"),
        "-v",
        "kubevol:/data",
        "-v",
        &bind,
        "--restart",
        "no",
        image,
        "sh",
        "-c",
        SERVE,
    ])
    .success();
}

fn site(c: &Coracle) -> std::path::PathBuf {
    let site = c.dir().join("site");
    c.write_user_file(&site.join("index.html"), b"hello from the pod\n");
    site
}

#[test]
fn generate_of_a_container_gives_yaml_the_kubernetes_types_accept() {
    let (c, image) = with_busybox();
    let site = site(&c);
    web(&c, &image, 18080, &site);
    let out = c.run(["kube", "generate", "-s", "web", "kubevol"]);
    let docs = documents(out.success().stdout_trim());
    assert_eq!(docs.len(), 3, "{out}");
    let claim: PersistentVolumeClaim = typed(&docs[0]);
    assert_eq!(claim.metadata.name.as_deref(), Some("kubevol"));
    let service: Service = typed(&docs[1]);
    assert_eq!(service.spec.unwrap().ports.unwrap()[0].port, 80);
    let pod: Pod = typed(&docs[2]);
    assert_eq!(pod.metadata.name.as_deref(), Some("web-pod"));
    let spec = pod.spec.unwrap();
    assert_eq!(spec.restart_policy.as_deref(), Some("Never"));
    let ctr = &spec.containers[0];
    assert_eq!(ctr.name, "web");
    assert_eq!(ctr.image.as_deref(), Some(image.as_str()));
    assert_eq!(ctr.args.as_deref().unwrap(), ["sh", "-c", SERVE]);
    let env = ctr.env.as_ref().unwrap();
    assert_eq!(
        (env[0].name.as_str(), env[0].value.as_deref()),
        ("GREETING", Some("hello"))
    );
    let port = &ctr.ports.as_ref().unwrap()[0];
    assert_eq!((port.container_port, port.host_port), (80, Some(18080)));
    let volumes = spec.volumes.unwrap();
    assert_eq!(
        volumes[0]
            .persistent_volume_claim
            .as_ref()
            .unwrap()
            .claim_name,
        "kubevol"
    );
    assert_eq!(
        volumes[1].host_path.as_ref().unwrap().path,
        site.to_string_lossy()
    );
    let mounts = ctr.volume_mounts.as_ref().unwrap();
    assert_eq!(
        (mounts[1].mount_path.as_str(), mounts[1].read_only),
        ("/site", Some(true))
    );

    // As a Deployment, written to a file that must not exist yet.
    let file = c.dir().join("deploy.yaml");
    let file = file.to_str().unwrap();
    c.run([
        "generate",
        "kube",
        "--type",
        "deployment",
        "-f",
        file,
        "web",
    ])
    .success()
    .stdout_eq("");
    let text = std::fs::read_to_string(file).unwrap();
    let deployment: Deployment = typed(&documents(&text)[0]);
    assert_eq!(
        deployment.metadata.name.as_deref(),
        Some("web-pod-deployment")
    );
    c.run(["kube", "generate", "-f", file, "web"])
        .code(125)
        .stderr_contains("file exists");
    c.run(["kube", "generate", "nosuch"])
        .code(125)
        .stderr_contains("name or ID \"nosuch\" not found");
}

#[test]
fn play_runs_what_generate_wrote_and_down_removes_it() {
    let (c, image) = with_busybox();
    let port = free_port();
    web(&c, &image, port, &site(&c));
    let yaml = c
        .run(["kube", "generate", "web"])
        .success()
        .stdout_trim()
        .to_owned();
    let file = write(&c, "web.yaml", &yaml);
    c.run(["rm", "web"]).success();

    let out = c.run(["kube", "play", &file]);
    let id = out.success().stdout_lines()[3].to_owned();
    assert_eq!(out.stdout_lines()[0], "Pod:", "{out}");
    assert_eq!(out.stdout_lines()[2], "Container:", "{out}");
    assert_eq!(inspect_field(&c, &id, "{{.Name}}"), "web-pod-web");
    assert_eq!(fetch(port), "hello from the pod\n");
    let env = inspect_field(&c, "web-pod-web", "{{.Config.Env}}");
    assert!(env.contains(" GREETING=hello "), "{env}");
    eventually("the volume to be written", || {
        c.run([
            "run",
            "--rm",
            "-v",
            "kubevol:/data",
            &image,
            "cat",
            "/data/greeting",
        ])
        .stdout_trim()
            == "hello"
    });
    // Its name is taken: a second play is refused, --replace makes it anew.
    c.run(["kube", "play", &file])
        .code(125)
        .stderr_contains("name \"web-pod\" is in use: pod already exists");

    // Round trip: what play made generates the same container again.
    let again = c
        .run(["kube", "generate", "web-pod-web"])
        .success()
        .stdout_trim()
        .to_owned();
    let first: Pod = typed(&documents(&yaml)[0]);
    let second: Pod = typed(&documents(&again)[0]);
    let (mut a, mut b) = (first.spec.unwrap(), second.spec.unwrap());
    b.containers[0].name = a.containers[0].name.clone();
    for v in a
        .volumes
        .iter_mut()
        .flatten()
        .chain(b.volumes.iter_mut().flatten())
    {
        v.name.clear();
    }
    for m in a.containers[0].volume_mounts.iter_mut().flatten() {
        m.name.clear();
    }
    for m in b.containers[0].volume_mounts.iter_mut().flatten() {
        m.name.clear();
    }
    assert_eq!(a, b);

    c.run(["kube", "play", "--replace", &file]).success();
    c.run(["kube", "play", "--down", &file])
        .success()
        .stdout_eq("Pods stopped:\nweb-pod\nPods removed:\nweb-pod\n");
    assert_eq!(
        names(&c, &["ps", "-a", "--format", "{{.Names}}"]),
        Vec::<String>::new()
    );
    // The claim is the user's data: it stays.
    assert_eq!(names(&c, &["volume", "ls", "-q"]), ["kubevol"]);
    c.run(["kube", "down", &file])
        .code(125)
        .stderr_contains("no pod with name or ID web-pod found: no such pod");
}

#[test]
fn a_deployment_with_config_maps_and_an_init_container_plays() {
    let (c, image) = with_busybox();
    let maps = write(
        &c,
        "maps.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: from-file}\ndata: {OTHER: from the file}\n",
    );
    let yaml = format!(
        "apiVersion: v1
kind: ConfigMap
metadata: {{name: settings}}
data: {{GREETING: hello, COLOUR: blue}}
---
apiVersion: apps/v1
kind: Deployment
metadata: {{name: app}}
spec:
  replicas: 2
  selector: {{matchLabels: {{app: app}}}}
  template:
    metadata: {{labels: {{app: app}}}}
    spec:
      restartPolicy: Never
      initContainers:
      - {{name: setup, image: '{image}', command: [sh, -c, 'echo made by init > /work/note'], volumeMounts: [{{name: work, mountPath: /work}}]}}
      containers:
      - name: main
        image: '{image}'
        command: [sh, -c, 'echo $GREETING $OTHER $APP_COLOUR; cat /work/note']
        envFrom: [{{configMapRef: {{name: settings}}, prefix: APP_}}]
        env:
        - {{name: GREETING, valueFrom: {{configMapKeyRef: {{name: settings, key: GREETING}}}}}}
        - {{name: OTHER, valueFrom: {{configMapKeyRef: {{name: from-file, key: OTHER}}}}}}
        volumeMounts: [{{name: work, mountPath: /work}}]
      volumes:
      - {{name: work, emptyDir: {{}}}}
"
    );
    let file = write(&c, "app.yaml", &yaml);
    let out = c.run(["play", "kube", "--configmap", &maps, &file]);
    out.success()
        .stderr_contains("Deployment app: coracle runs one replica of 2, as Podman does");
    c.run(["wait", "app-pod-main"]).success().stdout_eq("0\n");
    c.run(["logs", "app-pod-main"])
        .success()
        .stdout_eq("hello from the file blue\nmade by init\n");
    assert_eq!(
        inspect_field(&c, "app-pod-main", "{{.Config.Labels.app}}"),
        "app"
    );
    // The YAML may come on standard input.
    with_stdin(&c, &["kube", "down", "-"], &yaml).success();
    assert_eq!(
        names(&c, &["ps", "-a", "--format", "{{.Names}}"]),
        Vec::<String>::new()
    );
    // The emptyDir went with its pod.
    assert_eq!(names(&c, &["volume", "ls", "-q"]), Vec::<String>::new());
}

/// Each refusal: exit 125, the message (with the field's path where there is
/// one), and nothing made: no container, no volume.
#[test]
fn bad_input_is_refused_with_the_field_path_and_nothing_made() {
    let (c, image) = with_busybox();
    let pod = |containers: &str| {
        format!("apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata: {{name: claimed}}\n---\napiVersion: v1\nkind: Pod\nmetadata: {{name: bad}}\nspec:\n  containers:\n{containers}")
    };
    let missing = anon_ref("no-such-image:latest");
    let cases = [
        ("hello: world\n".to_owned(), "document 1 is not Kubernetes YAML: it needs apiVersion and kind".to_owned()),
        ("apiVersion: batch/v1\nkind: Job\nmetadata: {name: j}\n".to_owned(),
         "kind Job is not supported: coracle plays Pod, Deployment, ConfigMap, Secret and PersistentVolumeClaim".to_owned()),
        (pod(&format!("  - {{name: a, image: '{image}', ports: [{{containerPort: 80, hostPort: 18081}}]}}\n  - {{name: b, image: '{image}', ports: [{{containerPort: 81, hostPort: 18081}}]}}\n")),
         "Pod bad: spec.containers[1].ports[0]: host port 18081/tcp is already published by spec.containers[0].ports[0]".to_owned()),
        (pod("  - {name: a, image: bb, ports: [{containerPort: eighty}]}\n"),
         "Pod bad: spec.containers[0].ports[0].containerPort: invalid type".to_owned()),
        (pod(&format!("  - {{name: a, image: '{missing}'}}\n")), "no-such-image".to_owned()),
    ];
    for (i, (yaml, want)) in cases.iter().enumerate() {
        let file = write(&c, &format!("bad{i}.yaml"), yaml);
        c.run(["kube", "play", &file])
            .code(125)
            .stderr_contains(want);
        assert_eq!(
            names(&c, &["ps", "-a", "--format", "{{.Names}}"]),
            Vec::<String>::new(),
            "{yaml}"
        );
        assert_eq!(
            names(&c, &["volume", "ls", "-q"]),
            Vec::<String>::new(),
            "{yaml}"
        );
    }
}

#[test]
fn a_pod_of_two_containers_shares_localhost() {
    let (c, image) = with_busybox();
    let yaml = format!(
        "apiVersion: v1
kind: Pod
metadata: {{name: pair}}
spec:
  restartPolicy: Never
  containers:
  - name: server
    image: '{image}'
    command: [sh, -c, 'mkdir /www && echo from the server > /www/index.html && httpd -f -p 8080 -h /www']
  - name: client
    image: '{image}'
    command: [sh, -c, 'for i in $(seq 50); do wget -qO- http://localhost:8080/ && exit 0; sleep 0.2; done; exit 1']
"
    );
    let file = write(&c, "pair.yaml", &yaml);
    let out = c.run(["kube", "play", &file]);
    assert_eq!(out.success().stdout_lines()[0], "Pod:", "{out}");
    c.run(["wait", "pair-client"]).success().stdout_eq("0\n");
    c.run(["logs", "pair-client"])
        .success()
        .stdout_eq("from the server\n");
    c.run([
        "pod",
        "inspect",
        "--format",
        "{{.Name}} {{.NumContainers}}",
        "pair",
    ])
    .success()
    .stdout_eq("pair 3\n");
    c.run(["kube", "down", &file]).success();
    assert_eq!(names(&c, &["pod", "ps", "-q"]), Vec::<String>::new());
    assert_eq!(names(&c, &["ps", "-aq"]), Vec::<String>::new());
}

/// `kube generate POD`: the pod's members (not its infra) as one Pod's
/// containers, its ports on the first, its host name; played back after the
/// pod is gone, it makes the same two containers in one pod, and generates
/// the same YAML again.
#[test]
fn generate_of_a_pod_plays_back_to_the_same_pod() {
    let (c, image) = with_busybox();
    let port = free_port();
    c.run([
        "pod",
        "create",
        "--name",
        "duo",
        "--hostname",
        "duohost",
        "-p",
        &format!("{port}:80"),
    ])
    .success();
    let quick = "trap 'exit 0' TERM; sleep 1000 & wait";
    for name in ["duo-front", "duo-back"] {
        run_detached(
            &c,
            &[
                "--pod", "duo", "--name", name, "-l", "tier=web", &image, "sh", "-c", quick,
            ],
        );
    }
    let yaml = c
        .run(["kube", "generate", "-s", "duo"])
        .success()
        .stdout_trim()
        .to_owned();
    let docs = documents(&yaml);
    assert_eq!(docs.len(), 2, "{yaml}");
    let service: Service = typed(&docs[0]);
    assert_eq!(service.spec.unwrap().ports.unwrap()[0].port, 80);
    let pod: Pod = typed(&docs[1]);
    assert_eq!(pod.metadata.name.as_deref(), Some("duo"));
    let labels = pod.metadata.labels.unwrap();
    assert_eq!(
        (labels["app"].as_str(), labels["tier"].as_str()),
        ("duo", "web")
    );
    let spec = pod.spec.unwrap();
    assert_eq!(spec.hostname.as_deref(), Some("duohost"));
    let names_in_yaml: Vec<&str> = spec.containers.iter().map(|c| c.name.as_str()).collect();
    // The pod's name comes off its members', as play puts it on.
    assert_eq!(names_in_yaml, ["front", "back"], "{yaml}");
    let port0 = &spec.containers[0].ports.as_ref().unwrap()[0];
    assert_eq!(
        (port0.container_port, port0.host_port),
        (80, Some(i32::from(port)))
    );
    assert_eq!(spec.containers[1].ports, None);
    assert_eq!(
        spec.containers[1].args.as_deref().unwrap(),
        ["sh", "-c", quick]
    );

    c.run(["pod", "rm", "-f", "duo"]).success();
    let file = write(&c, "duo.yaml", &yaml);
    c.run(["kube", "play", &file]).success();
    let running: Vec<String> = names(
        &c,
        &["ps", "--format", "{{.Names}} {{.PodName}} {{.State}}"],
    )
    .into_iter()
    .filter(|l| !l.contains("-infra "))
    .collect();
    assert_eq!(running, ["duo-back duo running", "duo-front duo running"]);
    c.run(["exec", "duo-front", "hostname"])
        .success()
        .stdout_eq("duohost\n");
    let again = c
        .run(["kube", "generate", "-s", "duo"])
        .success()
        .stdout_trim()
        .to_owned();
    assert_eq!(again, yaml);
    c.run(["kube", "down", &file]).success();
    assert_eq!(names(&c, &["ps", "-aq"]), Vec::<String>::new());
    // A pod with no members has no containers to write: Podman's words.
    c.run(["pod", "create", "--name", "empty"]).success();
    c.run(["kube", "generate", "empty"])
        .code(125)
        .stderr_contains("only has an infra container");
}

/// Podman's build support: an image with a directory of its name beside the
/// caller (`./NAME/Containerfile`) is built when it is not stored, built again
/// with `--build`, and never with `--build=false`.
#[test]
fn play_builds_an_image_from_the_directory_named_after_it() {
    let (c, image) = with_busybox();
    let built = anon_ref("kube-built:latest");
    c.write_user_file(
        &c.dir().join("kube-built").join("Containerfile"),
        format!("FROM {image}\nRUN echo built > /built\n").as_bytes(),
    );
    let yaml = format!(
        "apiVersion: v1\nkind: Pod\nmetadata: {{name: made}}\nspec:\n  restartPolicy: Never\n  containers:\n  - {{name: c, image: '{built}', command: [cat, /built]}}\n"
    );
    let file = write(&c, "made.yaml", &yaml);
    c.run(["kube", "play", &file])
        .success()
        .stdout_contains("STEP 2/2: RUN echo built > /built");
    c.run(["wait", "made-c"]).success().stdout_eq("0\n");
    c.run(["logs", "made-c"]).success().stdout_eq("built\n");
    // Stored now: not built again unless asked.
    let again = c.run(["kube", "play", "--replace", &file]);
    assert!(!again.success().stdout.contains("STEP"), "{again}");
    c.run(["kube", "play", "--replace", "--build", &file])
        .success()
        .stdout_contains("STEP 1/2");
    c.run(["kube", "down", &file]).success();
    c.run(["rmi", &built]).success();
    // Never built: pulled instead, from a registry that has no such image.
    c.run(["kube", "play", "--build=false", &file])
        .code(125)
        .stderr_contains("kube-built");
    assert_eq!(
        names(&c, &["ps", "-a", "--format", "{{.Names}}"]),
        Vec::<String>::new()
    );
}
