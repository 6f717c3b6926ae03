//! `logs`: the json-file log read back, streams apart, with -t/--tail/--since/-f.

use crate::common::*;

#[test]
fn logs_keep_streams_apart_and_take_tail_since_and_timestamps() {
    let (c, image) = with_busybox();
    let id = run_detached(
        &c,
        &[
            &image,
            "sh",
            "-c",
            "echo out1; echo err1 >&2; sleep 0.2; echo out2",
        ],
    );
    c.run(["wait", &id]).success();
    let out = c.run(["logs", &id]);
    out.success().stdout_eq("out1\nout2\n");
    assert_eq!(out.stderr, "err1\n");
    c.run(["logs", "--tail", "1", &id])
        .success()
        .stdout_eq("out2\n");
    c.run(["logs", "--tail", "all", &id])
        .success()
        .stdout_eq("out1\nout2\n");
    let out = c.run(["logs", "-t", &id]);
    for line in out.success().stdout_lines() {
        let (time, text) = line.split_once(' ').unwrap();
        assert!(chrono::DateTime::parse_from_rfc3339(time).is_ok(), "{line}");
        assert!(
            time.ends_with('Z') && time.len() == 30,
            "nanoseconds: {line}"
        );
        assert!(text.starts_with("out"));
    }
    c.run(["logs", "--since", "1h", &id])
        .success()
        .stdout_eq("out1\nout2\n");
    c.run(["logs", "--since", "2099-01-01T00:00:00Z", &id])
        .success()
        .stdout_eq("");
    c.run(["logs", "--until", "1000000000", &id])
        .success()
        .stdout_eq("");
    c.run(["logs", "--since", "yesterday", &id])
        .code(125)
        .stderr_contains("invalid time");
    c.run(["container", "logs", "nothing-here"])
        .code(125)
        .stderr_contains("no such container");
}

#[test]
fn logs_follow_ends_when_the_container_exits() {
    let (c, image) = with_busybox();
    let id = run_detached(
        &c,
        &[
            &image,
            "sh",
            "-c",
            "for i in 1 2 3; do echo $i; sleep 0.3; done",
        ],
    );
    c.run(["logs", "-f", &id]).success().stdout_eq("1\n2\n3\n");
}

#[test]
fn a_foreground_run_logs_unless_removed() {
    let (c, image) = with_busybox();
    c.run(["run", "--name", "kept", &image, "echo", "hi"])
        .success()
        .stdout_eq("hi\n");
    c.run(["logs", "kept"]).success().stdout_eq("hi\n");
    c.run(["run", "--rm", "--name", "gone", &image, "echo", "hi"])
        .success();
    c.run(["logs", "gone"])
        .code(125)
        .stderr_contains("no such container");
}
