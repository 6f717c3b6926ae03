//! `/networks` through the docker CLI and the Python SDK: the networks coracle's
//! CLI sees, Docker's built-in names, and Docker's errors for what cannot be.

use super::Service;
use crate::common::*;

#[test]
fn docker_network_create_ls_inspect_rm_prune() {
    let c = coracle();
    let api = Service::start(&c);
    let created = api.docker(
        &c,
        [
            "network",
            "create",
            "--subnet",
            "10.89.60.0/24",
            "--internal",
            "--label",
            "team=a",
            "n1",
        ],
    );
    assert_eq!(created.success().stdout_trim().len(), 64, "{created}");
    api.docker(&c, ["network", "create", "n1"])
        .failure()
        .stderr_contains("already exists");
    api.docker(&c, ["network", "create", "host"])
        .failure()
        .stderr_contains("already exists");

    let ls = api.docker(&c, ["network", "ls", "--format", "{{.Name}} {{.Driver}}"]);
    for want in ["bridge bridge", "host host", "none null", "n1 bridge"] {
        ls.success().stdout_contains(want);
    }
    api.docker(
        &c,
        [
            "network",
            "ls",
            "--filter",
            "label=team=a",
            "--format",
            "{{.Name}}",
        ],
    )
    .success()
    .stdout_eq("n1\n");
    let builtin = api.docker(
        &c,
        [
            "network",
            "ls",
            "--filter",
            "type=builtin",
            "--format",
            "{{.Name}}",
        ],
    );
    builtin.success();
    assert_eq!(
        builtin.stdout_lines(),
        ["bridge", "host", "none"],
        "{builtin}"
    );
    let template = "{{.Name}} {{.Internal}} {{range .IPAM.Config}}{{.Subnet}} {{.Gateway}}{{end}} {{.Labels.team}} {{.Scope}}";
    api.docker(&c, ["network", "inspect", "--format", template, "n1"])
        .success()
        .stdout_eq("n1 true 10.89.60.0/24 10.89.60.1 a local\n");
    api.docker(
        &c,
        [
            "network",
            "inspect",
            "--format",
            "{{.Name}} {{.Driver}}",
            "bridge",
        ],
    )
    .success()
    .stdout_eq("bridge bridge\n");
    // The coracle CLI sees the network the API made, and the other way round.
    c.run(["network", "ls", "-q"])
        .success()
        .stdout_contains("n1");
    c.run(["network", "create", "--label", "gone=yes", "n2"])
        .success();
    api.docker(
        &c,
        ["network", "inspect", "--format", "{{.Labels.gone}}", "n2"],
    )
    .success()
    .stdout_eq("yes\n");

    api.docker(&c, ["network", "rm", "bridge"])
        .failure()
        .stderr_contains("pre-defined network");
    api.docker(&c, ["network", "rm", "nosuch"])
        .failure()
        .stderr_contains("not found");
    api.docker(&c, ["network", "prune", "-f", "--filter", "label=gone=yes"])
        .success()
        .stdout_contains("n2");
    api.docker(&c, ["network", "rm", "n1"]).success();
    api.docker(&c, ["network", "inspect", "n1"])
        .failure()
        .stderr_contains("network n1 not found");
    let left = api.docker(&c, ["network", "ls", "--filter", "type=custom", "-q"]);
    assert_eq!(left.success().stdout_trim(), "", "{left}");
}

#[test]
fn docker_network_connect_and_disconnect_a_running_container() {
    let (c, image) = with_busybox();
    let api = Service::start(&c);
    c.run(["network", "create", "--subnet", "10.89.61.0/24", "front"])
        .success();
    api.docker(
        &c,
        ["network", "create", "--subnet", "10.89.62.0/24", "back"],
    )
    .success();
    let id = run_detached(
        &c,
        &[
            "--name",
            "app",
            "--network",
            "front",
            &image,
            "sleep",
            "600",
        ],
    );
    api.docker(&c, ["network", "connect", "--alias", "appx", "back", "app"])
        .success();
    let members = "{{range $id, $c := .Containers}}{{$id}} {{$c.Name}} {{$c.IPv4Address}}{{end}}";
    let out = api.docker(&c, ["network", "inspect", "--format", members, "back"]);
    let line = out.success().stdout_trim();
    assert!(
        line.starts_with(&format!("{id} app 10.89.62.")) && line.ends_with("/24"),
        "{out}"
    );
    // The container's own record has the network, as the coracle CLI shows.
    assert_eq!(networks_of(&c, "app"), ["back", "front"]);

    api.docker(&c, ["network", "connect", "back", "app"])
        .failure()
        .stderr_contains("already connected");
    api.docker(&c, ["network", "connect", "nosuch", "app"])
        .failure()
        .stderr_contains("network nosuch not found");
    api.docker(&c, ["network", "rm", "front"])
        .failure()
        .stderr_contains("error while removing network");
    api.docker(&c, ["network", "disconnect", "back", "app"])
        .success();
    let out = api.docker(&c, ["network", "inspect", "--format", members, "back"]);
    assert_eq!(out.success().stdout_trim(), "", "{out}");
    assert_eq!(networks_of(&c, "app"), ["front"]);
}

/// The networks the coracle CLI's inspect shows the container on, by name.
fn networks_of(c: &coracle_testkit::Coracle, container: &str) -> Vec<String> {
    let out = c.run(["inspect", "--type", "container", container]);
    let all = out.success().json();
    let networks = all[0]["NetworkSettings"]["Networks"].as_object();
    let mut names: Vec<String> = networks
        .unwrap_or_else(|| panic!("{out}"))
        .keys()
        .cloned()
        .collect();
    names.sort();
    names
}

#[test]
fn bad_network_requests_get_docker_errors() {
    let c = coracle();
    let api = Service::start(&c);
    let r = api.call("POST", "/v1.44/networks/create", Some(r#"{"Name":"#));
    assert_eq!(r.status, 400, "{r:?}");
    let r = api.call(
        "POST",
        "/v1.44/networks/create",
        Some(r#"{"Name":"v6","EnableIPv6":true}"#),
    );
    assert_eq!(r.status, 400, "{r:?}");
    let r = api.call(
        "GET",
        "/v1.44/networks?filters=%7B%22nope%22%3A%5B%22x%22%5D%7D",
        None,
    );
    assert_eq!(r.status, 400, "{r:?}");
    let r = api.call(
        "POST",
        "/v1.44/networks/nosuch/connect",
        Some(r#"{"Container":"x"}"#),
    );
    assert_eq!(
        (r.status, r.message().as_str()),
        (404, "network nosuch not found")
    );
    for builtin in ["host", "bridge", "2f259bab93aa"] {
        let r = api.call("DELETE", &format!("/v1.44/networks/{builtin}"), None);
        assert_eq!(r.status, 403, "{builtin}: {r:?}");
    }
    // docker-compose 1.x sends filters in the legacy form.
    let r = api.call(
        "GET",
        "/v1.30/networks?filters=%7B%22name%22%3A%7B%22%5Ebridge%24%22%3Atrue%7D%7D",
        None,
    );
    assert_eq!(r.status, 200, "{r:?}");
    assert_eq!(r.json()[0]["Name"], "bridge", "{r:?}");
    // Nothing was made on the way, and the service still serves.
    let r = api.call(
        "GET",
        "/v1.44/networks?filters=%7B%22type%22%3A%5B%22custom%22%5D%7D",
        None,
    );
    assert_eq!((r.status, r.json()), (200, serde_json::json!([])));
}

#[test]
fn python_sdk_networks_create_list_remove() {
    let c = coracle();
    let api = Service::start(&c);
    let script = r#"
import docker
client = docker.from_env()
n = client.networks.create("pynet", driver="bridge", labels={"k": "v"})
n.reload()
print(n.name, n.attrs["Labels"]["k"], n.attrs["Driver"])
print(sorted(x.name for x in client.networks.list()))
print([x.name for x in client.networks.list(names=["pynet"])])
n.remove()
print([x.name for x in client.networks.list(names=["pynet"])])
"#;
    api.python(&c, script)
        .success()
        .stdout_eq("pynet v bridge\n['bridge', 'host', 'none', 'pynet']\n['pynet']\n[]\n");
}

#[test]
fn docker_networks_and_volumes_work_rootful() {
    let Some(c) = coracle_testkit::Coracle::rootful(BIN) else {
        return;
    };
    let api = Service::start(&c);
    api.docker(&c, ["network", "create", "--subnet", "10.89.63.0/24", "rn"])
        .success();
    api.docker(
        &c,
        [
            "network",
            "inspect",
            "--format",
            "{{range .IPAM.Config}}{{.Subnet}}{{end}}",
            "rn",
        ],
    )
    .success()
    .stdout_eq("10.89.63.0/24\n");
    api.docker(&c, ["network", "rm", "rn"]).success();
    api.docker(&c, ["volume", "create", "rv"]).success();
    api.docker(&c, ["volume", "ls", "-q"])
        .success()
        .stdout_eq("rv\n");
    api.docker(&c, ["volume", "rm", "rv"]).success();
}
