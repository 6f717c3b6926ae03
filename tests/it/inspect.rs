//! `inspect` of containers (and images through the same command).

use crate::common::*;

const NEVER: &str = "0001-01-01T00:00:00Z";
/// Ends with 7 on SIGTERM (a PID 1 without a handler would ignore it).
const SCRIPT: &str = "trap 'exit 7' TERM; while true; do sleep 0.1; done";

#[test]
fn inspect_follows_a_container_through_run_stop_and_kill() {
    let (c, image) = with_busybox();
    let id = run_detached(
        &c,
        &[
            "--name",
            "web",
            "--label",
            "role=test",
            "-e",
            "GREETING=hi",
            &image,
            "sh",
            "-c",
            SCRIPT,
        ],
    );
    let out = c.run(["inspect", "web"]);
    let doc = out.success().json();
    let item = &doc[0];
    assert_eq!(item["Id"], id);
    assert_eq!(item["Name"], "web");
    assert_eq!(item["Path"], "sh");
    assert_eq!(item["Args"], serde_json::json!(["-c", SCRIPT]));
    assert_eq!(item["Image"].as_str().unwrap().len(), 64);
    let state = &item["State"];
    assert_eq!(state["Status"], "running");
    assert_eq!(state["Running"], true);
    assert!(state["Pid"].as_i64().unwrap() > 0);
    assert_ne!(state["StartedAt"], NEVER);
    assert_eq!(state["FinishedAt"], NEVER);
    assert_eq!(item["Config"]["Image"], image);
    assert_eq!(item["Config"]["Labels"]["role"], "test");
    assert_eq!(
        item["Config"]["Cmd"],
        serde_json::json!(["sh", "-c", SCRIPT])
    );
    let env: Vec<&str> = item["Config"]["Env"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e.as_str().unwrap())
        .collect();
    assert!(env.contains(&"GREETING=hi"), "{env:?}");
    assert_eq!(item["HostConfig"]["RestartPolicy"]["Name"], "");
    let log = &item["HostConfig"]["LogConfig"];
    assert!(log["Path"].as_str().unwrap().ends_with("json.log"), "{log}");

    c.run(["stop", "-t", "1", "web"]).success();
    assert_eq!(
        inspect_field(
            &c,
            "web",
            "{{.State.Status}} {{.State.ExitCode}} {{.State.Pid}} {{.State.Running}}"
        ),
        "exited 7 0 false"
    );
    assert_ne!(inspect_field(&c, "web", "{{.State.FinishedAt}}"), NEVER);
    c.run(["start", "web"]).success();
    c.run(["kill", "web"]).success();
    c.run(["wait", "web"]).success();
    assert_eq!(inspect_field(&c, "web", "{{.State.ExitCode}}"), "137");
    let out = c.run([
        "container",
        "inspect",
        "-f",
        "{{json .Config.Labels}}",
        "web",
    ]);
    out.success().stdout_eq("{\"role\":\"test\"}\n");
    c.run(["rm", "web"]).success();
}

#[test]
fn restart_count_and_policy_are_shown() {
    let (c, image) = with_busybox();
    let id = run_detached(
        &c,
        &["--restart", "on-failure:2", &image, "sh", "-c", "exit 4"],
    );
    c.run(["wait", &id]).success().stdout_eq("4\n");
    assert_eq!(
        inspect_field(
            &c,
            &id,
            "{{.RestartCount}} {{.HostConfig.RestartPolicy.Name}} {{.HostConfig.RestartPolicy.MaximumRetryCount}}"
        ),
        "2 on-failure 2"
    );
    c.run(["ps", "-a", "--format", "{{.Restarts}}"])
        .success()
        .stdout_eq("2\n");
}

#[test]
fn inspect_falls_back_to_images_and_names_what_is_missing() {
    let (c, image) = with_busybox();
    let out = c.run(["inspect", &image]);
    assert!(out.success().json()[0]["RepoTags"].is_array());
    c.run(["inspect", "--type", "container", &image])
        .code(125)
        .stderr_contains("no such container");
    c.run(["inspect", "nothing-here"])
        .code(125)
        .stderr_contains("Error: inspecting object: no such object: \"nothing-here\"");
    c.run(["container", "inspect", "nothing-here"])
        .code(125)
        .stderr_contains("no such container");
    // `container inspect` has no --type in Podman: refused, not ignored.
    c.run(["container", "inspect", "--type", "image", &image])
        .code(125)
        .stderr_contains("--type");
}

/// The fields Podman 4 shows for a container, with its names and types.
#[test]
fn inspect_shows_podmans_container_document() {
    let (c, image) = with_busybox();
    let id = run_detached(&c, &["--name", "doc", &image, "sleep", "1000"]);
    let doc = c.run(["container", "inspect", "doc"]).success().json();
    let item = &doc[0];
    for key in [
        "Id",
        "Created",
        "Path",
        "Args",
        "State",
        "Image",
        "ImageDigest",
        "ImageName",
        "Rootfs",
        "Pod",
        "ResolvConfPath",
        "HostnamePath",
        "HostsPath",
        "StaticDir",
        "OCIConfigPath",
        "OCIRuntime",
        "ConmonPidFile",
        "PidFile",
        "Name",
        "RestartCount",
        "Driver",
        "MountLabel",
        "ProcessLabel",
        "AppArmorProfile",
        "EffectiveCaps",
        "BoundingCaps",
        "ExecIDs",
        "GraphDriver",
        "Mounts",
        "Dependencies",
        "NetworkSettings",
        "Namespace",
        "IsInfra",
        "IsService",
        "Config",
        "HostConfig",
    ] {
        assert!(item.get(key).is_some(), "no {key} in {item}");
    }
    let state = &item["State"];
    for key in [
        "OciVersion",
        "ConmonPid",
        "Health",
        "CheckpointedAt",
        "RestoredAt",
    ] {
        assert!(state.get(key).is_some(), "no State.{key} in {state}");
    }
    assert!(state["ConmonPid"].as_i64().unwrap() > 0);
    assert_eq!(item["Image"].as_str().unwrap().len(), 64);
    assert_eq!(item["ImageName"], image);
    assert_eq!(item["Config"]["StopSignal"], 15);
    assert_eq!(item["Config"]["Entrypoint"], "");
    assert_eq!(item["Config"]["Labels"], serde_json::Value::Null);
    assert!(item["EffectiveCaps"]
        .as_array()
        .unwrap()
        .contains(&"CAP_CHOWN".into()));
    // Go's times: no fraction of zeros, the zero time for what never happened.
    assert!(!item["Created"].as_str().unwrap().contains(".000"));
    assert_eq!(state["CheckpointedAt"], NEVER);
    // No networks of its own (pasta or slirp4netns): no Networks, as in Podman.
    assert!(item["NetworkSettings"].get("Networks").is_none());
    assert_eq!(inspect_field(&c, &id, "{{.NetworkSettings.IPAddress}}"), "");
    c.run(["stop", "-t", "0", "doc"]).success();
    let doc = c.run(["inspect", "doc"]).success().json();
    assert!(
        doc[0]["State"].get("ConmonPid").is_none(),
        "{}",
        doc[0]["State"]
    );
    c.run(["rm", "doc"]).success();
}

#[test]
fn inspect_size_type_and_the_last_format() {
    let (c, image) = with_busybox();
    c.run(["create", "--name", "sized", &image, "true"])
        .success();
    c.run(["inspect", "-s", "--format", "{{.SizeRw}}", "sized"])
        .success()
        .stdout_eq("0\n");
    let out = c.run(["inspect", "--size", "sized"]);
    assert!(out.success().json()[0]["SizeRootFs"].as_u64().unwrap() > 0);
    // The last --format is the one that counts, as in Podman.
    c.run(["inspect", "-f", "{{.Id}}", "--format", "{{.Name}}", "sized"])
        .success()
        .stdout_eq("sized\n");
    c.run(["inspect", "--type", "image", "--size", &image])
        .code(125)
        .stderr_contains("Error: size is not supported for type \"image\"");
    c.run(["inspect", "--type", "foo", "sized"])
        .code(125)
        .stderr_contains("invalid type \"foo\"");
    c.run(["network", "create", "lan"]).success();
    c.run([
        "inspect",
        "--type",
        "network",
        "--format",
        "{{.Name}}",
        "lan",
    ])
    .success()
    .stdout_eq("lan\n");
    c.run(["inspect", "--format", "{{.Name}} {{.Driver}}", "lan"])
        .success()
        .stdout_eq("lan bridge\n");
    let out = c.run(["inspect", "--type", "network", "lan"]);
    assert_eq!(out.success().json()[0]["name"], "lan");
    c.run(["inspect", "--type", "network", "nothing"])
        .code(125)
        .stderr_contains("Error: inspecting object: network nothing: unable to find network");
}

/// Podman prints what it found, then each failure after the first, then the first.
#[test]
fn inspect_errors_read_as_podmans() {
    let (c, _image) = with_busybox();
    let out = c.run(["inspect", "one", "two"]);
    out.code(125).stdout_eq("[]\n");
    assert_eq!(
        out.stderr,
        "error inspecting object: no such object: \"two\"\nError: inspecting object: no such object: \"one\"\n"
    );
    c.run(["image", "inspect", "nothing"])
        .code(125)
        .stderr_contains("Error: inspecting object: nothing: image not known");
    c.run(["inspect", "--type", "volume", "nothing"])
        .code(125)
        .stderr_contains("Error: inspecting object: no such volume nothing");
}

#[test]
fn image_inspect_shows_podmans_image_document() {
    let (c, image) = with_busybox();
    let doc = c.run(["image", "inspect", &image]).success().json();
    let item = &doc[0];
    for key in [
        "Id",
        "Digest",
        "RepoTags",
        "RepoDigests",
        "Parent",
        "Comment",
        "Created",
        "Config",
        "Version",
        "Author",
        "Architecture",
        "Os",
        "Size",
        "VirtualSize",
        "GraphDriver",
        "RootFS",
        "Labels",
        "Annotations",
        "ManifestType",
        "User",
        "History",
        "NamesHistory",
    ] {
        assert!(item.get(key).is_some(), "no {key} in {item}");
    }
    let id = item["Id"].as_str().unwrap();
    assert_eq!(id.len(), 64, "Podman's image ID has no sha256: prefix");
    assert_eq!(item["Size"], item["VirtualSize"]);
    assert!(item["Digest"].as_str().unwrap().starts_with("sha256:"));
    assert_eq!(item["NamesHistory"], serde_json::json!([image]));
    c.run(["inspect", "--format", "{{.Id}}", &image])
        .success()
        .stdout_eq(&format!("{id}\n"));
}
