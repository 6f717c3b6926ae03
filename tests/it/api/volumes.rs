//! `/volumes`, `/system/df` and `/auth` through the docker CLI and the Python
//! SDK.

use super::Service;
use crate::common::*;

#[test]
fn docker_volume_create_ls_inspect_rm() {
    let (c, image) = with_busybox();
    let api = Service::start(&c);
    api.docker(&c, ["volume", "create", "--label", "a=1", "v1"])
        .success()
        .stdout_eq("v1\n");
    // Docker's create is idempotent.
    api.docker(&c, ["volume", "create", "v1"]).success();
    let anonymous = api.docker(&c, ["volume", "create"]);
    assert_eq!(anonymous.success().stdout_trim().len(), 64, "{anonymous}");

    api.docker(&c, ["volume", "ls", "--format", "{{.Name}} {{.Driver}}"])
        .success()
        .stdout_contains("v1 local");
    api.docker(&c, ["volume", "ls", "--filter", "label=a=1", "-q"])
        .success()
        .stdout_eq("v1\n");
    api.docker(
        &c,
        [
            "volume",
            "inspect",
            "--format",
            "{{.Name}} {{.Scope}} {{.Labels.a}}",
            "v1",
        ],
    )
    .success()
    .stdout_eq("v1 local 1\n");
    let mountpoint = api.docker(
        &c,
        ["volume", "inspect", "--format", "{{.Mountpoint}}", "v1"],
    );
    assert!(
        mountpoint.success().stdout_trim().ends_with("v1/_data"),
        "{mountpoint}"
    );
    c.run(["volume", "ls", "-q"])
        .success()
        .stdout_contains("v1");

    // In use by a container (created, not running): Docker's 409, and the
    // container and volume stay.
    c.run(["create", "--name", "user", "-v", "v1:/data", &image, "true"])
        .success();
    api.docker(&c, ["volume", "rm", "-f", "v1"])
        .failure()
        .stderr_contains("v1");
    c.run(["inspect", "--type", "container", "user"]).success();
    api.docker(&c, ["volume", "rm", "nosuch"]).failure();
    c.run(["rm", "user"]).success();
    api.docker(&c, ["volume", "rm", "v1"])
        .success()
        .stdout_eq("v1\n");
    api.docker(&c, ["volume", "inspect", "v1"]).failure();
}

#[test]
fn docker_volume_prune_takes_anonymous_volumes_unless_all() {
    let (c, image) = with_busybox();
    let api = Service::start(&c);
    api.docker(&c, ["volume", "create", "named"]).success();
    api.docker(&c, ["volume", "create", "kept"]).success();
    c.run([
        "create",
        "--name",
        "user",
        "-v",
        "kept:/data",
        &image,
        "true",
    ])
    .success();
    // An anonymous volume its container left behind, and one made through
    // the API without a name, which Docker counts as anonymous too.
    let id = c
        .run(["create", "-v", "/anon", &image, "true"])
        .success()
        .stdout_trim()
        .to_owned();
    c.run(["rm", &id]).success();
    let unnamed = api.docker(&c, ["volume", "create"]);
    let unnamed = unnamed.success().stdout_trim().to_owned();
    let dangling = api.docker(&c, ["volume", "ls", "-q", "--filter", "dangling=true"]);
    let anonymous: Vec<&str> = dangling
        .success()
        .stdout_lines()
        .into_iter()
        .filter(|n| *n != "named")
        .collect();
    assert_eq!(anonymous.len(), 2, "{anonymous:?}");
    assert!(anonymous.contains(&unnamed.as_str()), "{anonymous:?}");

    let pruned = api.docker(&c, ["volume", "prune", "-f"]);
    for name in &anonymous {
        pruned.success().stdout_contains(name);
    }
    let ls = api.docker(&c, ["volume", "ls", "-q"]);
    assert_eq!(ls.success().stdout_lines(), ["kept", "named"], "{ls}");
    let out = api.docker(&c, ["volume", "prune", "-af"]);
    out.success().stdout_contains("named");
    assert!(!out.stdout.contains("kept"), "{out}");
    // Before 1.42, every unused volume went.
    api.docker(&c, ["volume", "create", "old"]).success();
    let r = api.call("POST", "/v1.41/volumes/prune", None);
    assert_eq!(r.status, 200, "{r:?}");
    assert_eq!(r.json()["VolumesDeleted"], serde_json::json!(["old"]));
}

#[test]
fn docker_system_df_counts_images_containers_and_volumes() {
    let (c, image) = with_busybox();
    let api = Service::start(&c);
    c.run(["create", "--name", "user", "-v", "v1:/data", &image, "true"])
        .success();
    let out = api.docker(
        &c,
        [
            "system",
            "df",
            "--format",
            "{{.Type}} {{.TotalCount}} {{.Active}}",
        ],
    );
    out.success()
        .stdout_contains("Images 1 1")
        .stdout_contains("Containers 1 0")
        .stdout_contains("Local Volumes 1 1");
    api.docker(&c, ["system", "df", "-v"])
        .success()
        .stdout_contains("v1");
    let r = api.call("GET", "/v1.44/system/df", None);
    let body = r.json();
    assert_eq!(body["Volumes"][0]["UsageData"]["RefCount"], 1, "{body}");
    assert_eq!(body["Containers"][0]["Names"][0], "/user", "{body}");
    assert_eq!(body["BuildCache"], serde_json::json!([]));
}

#[test]
fn docker_login_checks_with_the_registry_and_saves_nothing_itself() {
    let reg = basic();
    let c = coracle();
    let api = Service::start(&c);
    api.docker(
        &c,
        ["login", "-u", BASIC_USER, "-p", BASIC_PASS, &reg.addr()],
    )
    .success()
    .stdout_contains("Login Succeeded");
    api.docker(&c, ["login", "-u", BASIC_USER, "-p", "wrong", &reg.addr()])
        .failure()
        .stderr_contains("unauthorized");
    assert!(
        !c.runtime_dir().join("containers/auth.json").exists(),
        "/auth saved the credentials"
    );
    let r = api.call(
        "POST",
        "/v1.44/auth",
        Some(&format!(
            r#"{{"username":"{BASIC_USER}","password":"wrong","serveraddress":"{}"}}"#,
            reg.addr()
        )),
    );
    assert_eq!(r.status, 401, "{r:?}");
}

#[test]
fn python_sdk_volumes_create_list_remove() {
    let c = coracle();
    let api = Service::start(&c);
    let script = r#"
import docker
client = docker.from_env()
v = client.volumes.create("pyvol", labels={"k": "v"})
print(v.name, v.attrs["Labels"]["k"], v.attrs["Driver"])
print([x.name for x in client.volumes.list()])
print([x.name for x in client.volumes.list(filters={"label": "k=v"})])
v.remove()
print([x.name for x in client.volumes.list()])
"#;
    api.python(&c, script)
        .success()
        .stdout_eq("pyvol v local\n['pyvol']\n['pyvol']\n[]\n");
}
