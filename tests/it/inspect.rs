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
    assert_eq!(item["Name"], "/web");
    assert_eq!(item["Path"], "sh");
    assert_eq!(item["Args"], serde_json::json!(["-c", SCRIPT]));
    assert!(item["Image"].as_str().unwrap().starts_with("sha256:"));
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
    assert_eq!(item["HostConfig"]["RestartPolicy"]["Name"], "no");
    assert!(item["LogPath"].as_str().unwrap().ends_with("json.log"));

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
        .stderr_contains("Error: no such object: nothing-here");
    c.run(["container", "inspect", "nothing-here"])
        .code(125)
        .stderr_contains("no such container");
}
