//! `events`: what commands and monitors record, read back with filters, time
//! ranges and formats, and followed as it happens.

use crate::common::*;
use std::io::{BufRead, BufReader};

/// The statuses `events --stream=false --format json` prints for `filters`.
fn statuses(c: &coracle_testkit::Coracle, filters: &[&str]) -> Vec<String> {
    let mut args = vec!["events", "--stream=false", "--format", "json"];
    for f in filters {
        args.extend(["--filter", f]);
    }
    c.run(&args)
        .success()
        .json_lines()
        .iter()
        .map(|e| e["Status"].as_str().unwrap().to_owned())
        .collect()
}

#[test]
fn events_record_a_containers_life_with_filters_times_and_formats() {
    let (c, image) = with_busybox();
    c.run([
        "run",
        "--name",
        "ev1",
        "--label",
        "tier=front",
        &image,
        "sh",
        "-c",
        "exit 3",
    ])
    .code(3);
    c.run(["rm", "ev1"]).success();
    c.run(["volume", "create", "ev-data"]).success();
    assert_eq!(
        statuses(&c, &["container=ev1"]),
        ["create", "start", "died", "remove"]
    );
    let out = c.run([
        "events",
        "--stream=false",
        "--format",
        "json",
        "--filter",
        "event=died",
    ]);
    let die = &out.success().json_lines()[0];
    assert_eq!(die["Name"], "ev1");
    assert_eq!(die["Type"], "container");
    assert_eq!(die["ContainerExitCode"], 3);
    assert_eq!(die["Image"], image.as_str());
    assert_eq!(die["Attributes"]["tier"], "front");
    assert_eq!(
        statuses(&c, &["label=tier=front", "event=create"]),
        ["create"]
    );
    assert_eq!(statuses(&c, &["type=image"]), ["pull"]);
    assert_eq!(statuses(&c, &["type=volume"]), ["create"]);
    assert!(statuses(&c, &["container=nothing-here"]).is_empty());
    // Time ranges: durations, unix seconds, and the filter spelling.
    assert_eq!(statuses(&c, &["container=ev1", "since=1h"]).len(), 4);
    assert!(statuses(&c, &["until=1000000000"]).is_empty());
    c.run([
        "events",
        "--stream=false",
        "--since",
        "2099-01-01",
        "--format",
        "json",
    ])
    .success()
    .stdout_eq("");
    // Podman's line and a Go template.
    let out = c.run(["events", "--stream=false", "--filter", "event=create"]);
    let line = out.success().stdout_trim().to_owned();
    assert!(
        line.contains(" +0000 UTC container create ")
            && line.contains(&format!("(image={image}, name=ev1, tier=front)")),
        "{line}"
    );
    c.run([
        "events",
        "--stream=false",
        "--filter",
        "type=volume",
        "--format",
        "{{.Status}} {{.Name}}",
    ])
    .success()
    .stdout_eq("create ev-data\n");
    c.run(["events", "--stream=false", "--filter", "colour=red"])
        .code(125)
        .stderr_contains("invalid filter");
}

#[test]
fn events_follow_new_events_until_stopped() {
    let (c, image) = with_busybox();
    c.run(["create", "--name", "before", &image, "true"])
        .success();
    let mut follower = c.spawn(["events", "--format", "{{.Status}} {{.Name}}"]);
    let mut lines = BufReader::new(follower.stdout.take().unwrap()).lines();
    // Following once it holds the log open (at its end).
    let fds = format!("/proc/{}/fd", follower.id());
    eventually("the follower to open the log", || {
        std::fs::read_dir(&fds)
            .into_iter()
            .flatten()
            .flatten()
            .any(|fd| std::fs::read_link(fd.path()).is_ok_and(|p| p.ends_with("events/events.log")))
    });
    c.run(["create", "--name", "after", &image, "true"])
        .success();
    let first = lines.next().unwrap().unwrap();
    assert_eq!(first, "create after", "only new events");
    c.run(["volume", "create", "followed"]).success();
    assert_eq!(lines.next().unwrap().unwrap(), "create followed");
    follower.kill().unwrap();
    follower.wait().unwrap();
}

#[test]
fn events_of_ten_concurrent_runs_are_whole_lines_in_order() {
    let (c, image) = with_busybox();
    let since = chrono::Utc::now().to_rfc3339();
    let runs: Vec<_> = (0..10)
        .map(|i| c.spawn(["run", "--name", &format!("par{i}"), &image, "true"]))
        .collect();
    for run in runs {
        let out = coracle_testkit::runner::wait_output(
            run,
            vec!["run".into()],
            std::time::Duration::from_secs(120),
        );
        out.success();
    }
    // Every line is one whole event (json_lines fails on a torn one).
    let all = c.run([
        "events",
        "--stream=false",
        "--since",
        &since,
        "--format",
        "json",
    ]);
    assert!(all.success().json_lines().len() >= 30, "{all}");
    for i in 0..10 {
        let name = format!("par{i}");
        let filter = format!("container={name}");
        let out = c.run([
            "events",
            "--stream=false",
            "--since",
            &since,
            "--filter",
            &filter,
            "--format",
            "{{.Status}}",
        ]);
        assert_eq!(
            out.success().stdout_lines(),
            ["create", "start", "died"],
            "{name}: {out}"
        );
    }
}

#[test]
fn a_full_events_log_is_rotated_and_commands_go_on() {
    let (c, image) = with_busybox();
    let log = c.runroot().join("events/events.log");
    let line = "{\"Type\":\"volume\",\"Action\":\"create\",\"ID\":\"old\",\"TimeNano\":1}\n";
    c.write_user_file(&log, line.repeat(20_000).as_bytes());
    c.run(["run", "--name", "after-full", &image, "true"])
        .success();
    assert!(
        c.runroot().join("events/events.log.1").exists(),
        "the full log moved aside"
    );
    assert_eq!(
        statuses(&c, &["container=after-full"]),
        ["create", "start", "died"]
    );
}
