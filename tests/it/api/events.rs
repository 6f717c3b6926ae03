//! `GET /events` through the docker CLI: what the coracle CLI and container
//! monitors recorded, with filters and time ranges, and new events followed.

use super::Service;
use crate::common::*;
use serde_json::Value;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::Stdio;

fn unix_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

/// Whether some process holds the events log under `runroot` open: a
/// follower, until its client has gone.
fn followed(runroot: &Path) -> bool {
    let log = runroot.join("events/events.log");
    let Ok(procs) = std::fs::read_dir("/proc") else {
        return false;
    };
    procs.flatten().any(|p| {
        std::fs::read_dir(p.path().join("fd"))
            .into_iter()
            .flatten()
            .flatten()
            .any(|fd| std::fs::read_link(fd.path()).is_ok_and(|t| t == log))
    })
}

#[test]
fn docker_events_show_a_containers_life_with_filters_and_times() {
    let (c, image) = with_busybox();
    let api = Service::start(&c);
    c.run(["run", "--name", "apiev", &image, "sh", "-c", "exit 2"])
        .code(2);
    let until = (unix_now() + 1).to_string();
    let events = |filters: &[&str]| -> Vec<Value> {
        let mut args = vec!["events", "--since", "1m", "--until", &until];
        for f in filters {
            args.extend(["--filter", f]);
        }
        args.extend(["--format", "{{json .}}"]);
        api.docker(&c, &args).success().json_lines()
    };
    let life = events(&["container=apiev"]);
    let actions: Vec<&str> = life.iter().map(|e| e["Action"].as_str().unwrap()).collect();
    assert_eq!(actions, ["create", "start", "die"]);
    let die = &life[2];
    assert_eq!(die["Type"], "container");
    assert_eq!(die["Actor"]["Attributes"]["name"], "apiev");
    assert_eq!(die["Actor"]["Attributes"]["exitCode"], "2");
    assert_eq!(die["Actor"]["Attributes"]["image"], image.as_str());
    assert_eq!(die["scope"], "local");
    assert_eq!(die["status"], "die");
    assert_eq!(die["from"], image.as_str());
    assert!(die["timeNano"].as_i64().unwrap() / 1_000_000_000 == die["time"].as_i64().unwrap());
    let dies = events(&["type=container", "event=die"]);
    assert_eq!(dies.len(), 1);
    assert_eq!(events(&["type=image"])[0]["Action"], "pull");
    assert!(events(&["container=someone-else"]).is_empty());
    // Before anything happened: nothing, and the stream ends at once.
    let r = api.call("GET", "/v1.44/events?since=1&until=2", None);
    assert_eq!((r.status, r.body.as_slice()), (200, &b""[..]));
    let r = api.call("GET", "/events?filters=%7Bnot%20json", None);
    assert_eq!(r.status, 400, "{r:?}");
    let r = api.call(
        "GET",
        "/events?filters=%7B%22colour%22%3A%5B%22red%22%5D%7D",
        None,
    );
    assert_eq!(r.status, 400, "{r:?}");
    assert!(r.message().contains("invalid filter"), "{r:?}");
}

#[test]
fn docker_events_streams_a_later_event_and_stops_when_the_client_goes() {
    let (c, image) = with_busybox();
    let api = Service::start(&c);
    let mut cmd = api.docker_command(
        &c,
        [
            "events",
            "--filter",
            "event=create",
            "--format",
            "{{json .}}",
        ],
    );
    cmd.stdout(Stdio::piped()).stderr(Stdio::inherit());
    let mut docker = cmd.spawn().expect("start docker events");
    let mut lines = BufReader::new(docker.stdout.take().unwrap()).lines();
    eventually("the request to follow the log", || followed(&c.runroot()));
    c.run([
        "create", "--name", "later", "--label", "app=web", &image, "true",
    ])
    .success();
    let line = lines.next().unwrap().unwrap();
    let event: Value = serde_json::from_str(&line).unwrap();
    assert_eq!(event["Action"], "create");
    assert_eq!(event["Actor"]["Attributes"]["name"], "later");
    assert_eq!(event["Actor"]["Attributes"]["app"], "web");
    docker.kill().unwrap();
    docker.wait().unwrap();
    eventually("the follower to go with its client", || {
        !followed(&c.runroot())
    });
    api.docker(&c, ["version", "--format", "{{.Server.Os}}"])
        .success()
        .stdout_eq("linux\n");
}
