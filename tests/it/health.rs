//! Healthchecks: run by the container's monitor on schedule, by hand with
//! `healthcheck run`, shown in ps and inspect, acted on with
//! `--health-on-failure`.

use crate::build::{build, built_id, dockerfile_only};
use crate::common::*;
use coracle_testkit::Coracle;

fn health(c: &Coracle, id: &str) -> String {
    inspect_field(c, id, "{{.State.Health.Status}}")
}

#[test]
fn a_passing_check_turns_healthy_and_ps_says_so() {
    let (c, image) = with_busybox();
    let check = ["--health-cmd", "echo ok", "--health-interval", "1s"];
    let id = run_detached(&c, &[&check[..], &[&image, "sleep", "1000"]].concat());
    let status = c.run(["ps", "--format", "{{.Status}}"]);
    assert!(
        status.success().stdout_trim().ends_with("(starting)"),
        "{status}"
    );
    eventually("healthy", || health(&c, &id) == "healthy");
    let status = c.run(["ps", "--format", "{{.Status}}"]);
    let words = status.success().stdout_trim();
    assert!(
        words.starts_with("Up ") && words.ends_with(" (healthy)"),
        "{status}"
    );
    c.run(["ps", "--filter", "health=healthy", "--format", "{{.ID}}"])
        .success()
        .stdout_eq(&format!("{}\n", &id[..12]));
    c.run(["ps", "--filter", "health=unhealthy", "-q"])
        .success()
        .stdout_eq("");
    assert_eq!(
        inspect_field(&c, &id, "{{(index .State.Health.Log 0).Output}}"),
        "ok"
    );
    assert_eq!(
        inspect_field(&c, &id, "{{json .Config.Healthcheck.Test}}"),
        r#"["CMD-SHELL","echo ok"]"#
    );
    let events = c.run([
        "events",
        "--stream=false",
        "--filter",
        "event=health_status",
    ]);
    events.success().stdout_contains("health_status=healthy");
    c.run(["rm", "-f", &id]).success();
}

#[test]
fn a_failing_check_turns_unhealthy_after_its_retries() {
    let (c, image) = with_busybox();
    let id = run_detached(
        &c,
        &[
            "--health-cmd",
            "echo broken; exit 3",
            "--health-interval",
            "1s",
            "--health-retries",
            "2",
            &image,
            "sleep",
            "1000",
        ],
    );
    eventually("a first failure", || {
        inspect_field(&c, &id, "{{.State.Health.FailingStreak}}") == "1"
    });
    assert_eq!(health(&c, &id), "starting", "one failure is not enough");
    eventually("unhealthy", || health(&c, &id) == "unhealthy");
    let log = inspect_field(
        &c,
        &id,
        "{{(index .State.Health.Log 0).ExitCode}} {{(index .State.Health.Log 0).Output}}",
    );
    assert_eq!(log, "1 broken");
    c.run(["ps", "--format", "{{.Status}}"])
        .success()
        .stdout_contains("(unhealthy)");
    c.run(["healthcheck", "run", &id])
        .code(1)
        .stdout_eq("unhealthy\n");
    assert_eq!(inspect_field(&c, &id, "{{.State.Status}}"), "running");
    c.run(["rm", "-f", &id]).success();
}

#[test]
fn health_on_failure_restart_starts_it_again() {
    let (c, image) = with_busybox();
    let id = run_detached(
        &c,
        &[
            "--health-cmd",
            "exit 1",
            "--health-interval",
            "1s",
            "--health-retries",
            "1",
            "--health-on-failure",
            "restart",
            &image,
            "sleep",
            "1000",
        ],
    );
    let pid = inspect_field(&c, &id, "{{.State.Pid}}");
    eventually("a restart", || {
        inspect_field(&c, &id, "{{.RestartCount}}") != "0"
    });
    eventually("running again", || {
        inspect_field(&c, &id, "{{.State.Status}}") == "running"
    });
    assert_ne!(inspect_field(&c, &id, "{{.State.Pid}}"), pid);
    c.run(["rm", "-f", &id]).success();
}

#[test]
fn health_on_failure_kill_ends_it() {
    let (c, image) = with_busybox();
    let id = run_detached(
        &c,
        &[
            "--health-cmd",
            "false",
            "--health-interval",
            "1s",
            "--health-retries",
            "1",
            "--health-on-failure",
            "kill",
            &image,
            "sleep",
            "1000",
        ],
    );
    eventually("killed", || {
        inspect_field(&c, &id, "{{.State.Status}}") == "exited"
    });
    assert_eq!(inspect_field(&c, &id, "{{.State.ExitCode}}"), "137");
    c.run(["rm", "-f", &id]).success();
}

#[test]
fn a_check_past_its_timeout_is_killed_and_fails() {
    let (c, image) = with_busybox();
    let id = run_detached(
        &c,
        &[
            "--health-cmd",
            "sleep 30",
            "--health-timeout",
            "1s",
            "--health-interval",
            "disable",
            &image,
            "sleep",
            "1000",
        ],
    );
    let began = std::time::Instant::now();
    c.run(["healthcheck", "run", &id])
        .code(125)
        .stderr_contains("healthcheck command exceeded timeout of 1s");
    assert!(
        began.elapsed() < std::time::Duration::from_secs(10),
        "not killed at its timeout"
    );
    assert_eq!(
        inspect_field(&c, &id, "{{.State.Health.FailingStreak}}"),
        "1"
    );
    assert_eq!(
        inspect_field(&c, &id, "{{(index .State.Health.Log 0).ExitCode}}"),
        "-1"
    );
    let top = c.run(["top", &id]);
    assert!(
        !top.success().stdout.contains("sleep 30"),
        "the check lives on: {top}"
    );
    c.run(["rm", "-f", &id]).success();
}

#[test]
fn healthcheck_run_by_hand() {
    let (c, image) = with_busybox();
    let id = run_detached(
        &c,
        &[
            "--health-cmd",
            "true",
            "--health-interval",
            "disable",
            &image,
            "sleep",
            "1000",
        ],
    );
    assert_eq!(health(&c, &id), "starting");
    c.run(["healthcheck", "run", &id]).success().stdout_eq("");
    assert_eq!(health(&c, &id), "healthy");
    let plain = run_detached(&c, &[&image, "sleep", "1000"]);
    c.run(["healthcheck", "run", &plain])
        .code(125)
        .stderr_contains(&format!("container {plain} has no defined healthcheck"));
    c.run(["healthcheck", "run", "no-such-thing"])
        .code(125)
        .stderr_contains("unable to look up no-such-thing to perform a health check");
    c.run(["stop", "-t", "0", &id]).success();
    c.run(["healthcheck", "run", &id])
        .code(125)
        .stderr_contains("is not running");
    c.run(["rm", "-f", &id, &plain]).success();
}

#[test]
fn the_images_healthcheck_is_the_default_and_no_healthcheck_drops_it() {
    let (c, base) = with_busybox();
    let dir = dockerfile_only(
        &c,
        "health-image",
        &format!("FROM {base}\nHEALTHCHECK --interval=1s --retries=1 CMD echo from-image\n"),
    );
    built_id(&build(&c, &["-t", "checked", dir.to_str().unwrap()]));
    let id = run_detached(&c, &["checked", "sleep", "1000"]);
    eventually("healthy", || health(&c, &id) == "healthy");
    assert_eq!(
        inspect_field(&c, &id, "{{(index .State.Health.Log 0).Output}}"),
        "from-image"
    );
    let off = run_detached(&c, &["--no-healthcheck", "checked", "sleep", "1000"]);
    c.run(["healthcheck", "run", &off])
        .code(125)
        .stderr_contains("has no defined healthcheck");
    c.run(["ps", "--filter", "health=none", "-q"])
        .success()
        .stdout_eq(&format!("{}\n", &off[..12]));
    let flags = run_detached(
        &c,
        &["--health-cmd", "echo flag", "checked", "sleep", "1000"],
    );
    assert_eq!(
        inspect_field(&c, &flags, "{{json .Config.Healthcheck.Test}}"),
        r#"["CMD-SHELL","echo flag"]"#
    );
    c.run(["rm", "-f", &id, &off, &flags]).success();
}

#[test]
fn bad_health_flags_are_refused_before_anything_is_made() {
    let (c, image) = with_busybox();
    let cases: [(&[&str], &str); 6] = [
        (&["--health-cmd", ""], "must set a healthcheck command"),
        (
            &["--health-cmd", "true", "--health-interval", "1x"],
            "invalid healthcheck-interval",
        ),
        (
            &["--health-cmd", "true", "--health-timeout", "0s"],
            "healthcheck-timeout must be at least 1 second",
        ),
        (
            &["--health-cmd", "true", "--health-start-period", "-1s"],
            "healthcheck-start-period must be 0 seconds or greater",
        ),
        (
            &["--health-cmd", "true", "--health-on-failure", "bogus"],
            "invalid on-failure action \"bogus\"",
        ),
        (
            &["--health-cmd", "true", "--no-healthcheck"],
            "cannot specify both --no-healthcheck and --health-cmd",
        ),
    ];
    for (flags, message) in cases {
        let args = [
            &["run", "-d", "--name", "bad-health"],
            flags,
            &[&image, "true"],
        ]
        .concat();
        c.run(args).code(125).stderr_contains(message);
    }
    c.run(["ps", "-a", "-q"]).success().stdout_eq("");
}

#[test]
fn failures_in_the_start_period_do_not_count() {
    let (c, image) = with_busybox();
    let id = run_detached(
        &c,
        &[
            "--health-cmd",
            "false",
            "--health-interval",
            "disable",
            "--health-retries",
            "1",
            "--health-start-period",
            "1h",
            &image,
            "sleep",
            "1000",
        ],
    );
    c.run(["healthcheck", "run", &id])
        .code(1)
        .stdout_eq("unhealthy\n");
    assert_eq!(health(&c, &id), "starting");
    assert_eq!(
        inspect_field(&c, &id, "{{.State.Health.FailingStreak}}"),
        "0"
    );
    assert_eq!(inspect_field(&c, &id, "{{len .State.Health.Log}}"), "1");
    c.run(["rm", "-f", &id]).success();
}

#[test]
fn a_check_runs_in_a_container_with_a_net_sysctl() {
    let (c, image) = with_busybox();
    let id = run_detached(
        &c,
        &[
            "--sysctl",
            "net.ipv4.ping_group_range=0 0",
            "--health-cmd",
            "true",
            "--health-interval",
            "1s",
            &image,
            "sleep",
            "1000",
        ],
    );
    eventually("healthy", || health(&c, &id) == "healthy");
    c.run(["rm", "-f", "-t0", &id]).success();
}

/// A check under way when its monitor is killed does not keep the monitor
/// looking alive: the next `ps` sees the container is gone, not when the
/// check ends.
#[test]
fn a_check_under_way_when_its_monitor_is_killed_does_not_keep_it_running() {
    let (c, image) = with_busybox();
    let check = "sleep 3001";
    let id = run_detached(
        &c,
        &[
            "--health-cmd",
            check,
            "--health-interval",
            "1s",
            "--health-timeout",
            "60s",
            &image,
            "sleep",
            "1000",
        ],
    );
    let monitor: i32 = inspect_field(&c, &id, "{{.State.ConmonPid}}")
        .parse()
        .unwrap();
    eventually("the check to run", || !processes_of(check).is_empty());
    kill9(monitor);
    eventually("the monitor to die", || !alive(monitor));
    let ps = c.run(["ps", "-q", "--no-trunc"]);
    assert!(!ps.success().stdout.contains(&id), "{ps}");
    assert_eq!(inspect_field(&c, &id, "{{.State.Status}}"), "exited");
    eventually("the check to end", || {
        processes_of(check).iter().all(|(pid, _)| !alive(*pid))
    });
    c.run(["rm", &id]).success();
}
