//! The lifecycle without a daemon: detached containers, start/stop/kill/wait/
//! restart/rm, restart policies, and state that stays true when a monitor dies.

use crate::common::*;
use coracle_testkit::Coracle;
use std::time::Duration;

/// The container's state and exit code, as `inspect` shows them.
fn state(c: &Coracle, id: &str) -> (String, Option<i64>) {
    let text = inspect_field(c, id, "{{.State.Status}} {{.State.ExitCode}}");
    let (state, code) = text.split_once(' ').unwrap_or((&text, ""));
    (state.to_owned(), code.parse().ok())
}

#[test]
fn a_detached_container_outlives_run_and_logs_to_its_file() {
    let (c, image) = with_busybox();
    let id = run_detached(
        &c,
        &[
            &image,
            "sh",
            "-c",
            "i=0; while true; do echo line $i; i=$((i+1)); sleep 0.1; done",
        ],
    );
    let log = c.root().join("containers").join(&id).join("json.log");
    eventually("three log lines", || {
        std::fs::read_to_string(&log).is_ok_and(|t| t.lines().count() >= 3)
    });
    let before = std::fs::read_to_string(&log).unwrap().lines().count();
    eventually("the log to grow", || {
        std::fs::read_to_string(&log).unwrap().lines().count() > before
    });
    assert_eq!(state(&c, &id).0, "running");
    c.run(["stop", "-t", "1", &id])
        .success()
        .stdout_eq(&format!("{id}\n"));
    assert_eq!(state(&c, &id), ("exited".into(), Some(137)));
    c.run(["wait", &id]).success().stdout_eq("137\n");
    c.run(["rm", &id]).success();
}

/// Once the container has run a moment, a detached monitor execs itself to wait
/// with a fresh heap: the new image must carry on with everything the first one
/// held.
#[test]
fn a_detached_monitor_starts_over_and_keeps_its_duties() {
    let (c, image) = with_busybox();
    let script = "read line; echo got $line; exit 3";
    let id = run_detached(
        &c,
        &[
            "-i",
            "--restart",
            "on-failure:1",
            &image,
            "sh",
            "-c",
            script,
        ],
    );
    let pid = inspect_field(&c, &id, "{{.State.Pid}}");
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap();
    let monitor = stat.rsplit(") ").next().unwrap().split(' ').nth(1).unwrap();
    eventually("the monitor's new image", || {
        let cmdline = std::fs::read(format!("/proc/{monitor}/cmdline")).unwrap();
        String::from_utf8_lossy(&cmdline).contains("monitor\0--resumed\0")
    });
    // Named after its binary, as before the exec.
    let comm = std::fs::read_to_string(format!("/proc/{monitor}/comm")).unwrap();
    assert_eq!(comm.trim(), "coracle");
    // Input through attach and output back, the exit recorded and the restart
    // made by the new image; then the same by the restarted run's.
    with_stdin(&c, &["attach", &id], "one\n")
        .code(3)
        .stdout_eq("got one\n");
    eventually("the restart", || {
        inspect_field(&c, &id, "{{.RestartCount}} {{.State.Status}}") == "1 running"
    });
    with_stdin(&c, &["attach", &id], "two\n")
        .code(3)
        .stdout_eq("got two\n");
    c.run(["wait", &id]).success().stdout_eq("3\n");
    assert_eq!(inspect_field(&c, &id, "{{.RestartCount}}"), "1");
    let monitor_log = c.root().join("containers").join(&id).join("monitor.log");
    assert_eq!(std::fs::read_to_string(monitor_log).unwrap(), "");
}

#[test]
fn stop_kill_wait_and_restart_behave_as_dockers() {
    let (c, image) = with_busybox();
    let script = "trap 'exit 7' TERM; while true; do sleep 0.1; done";
    let id = run_detached(&c, &["--name", "web", &image, "sh", "-c", script]);
    c.run(["rm", "web"]).code(2).stderr_contains("running");
    c.run(["stop", "web"]).success().stdout_eq("web\n");
    c.run(["wait", "web"]).success().stdout_eq("7\n");
    // Stopping a stopped container is not an error, as in Docker.
    c.run(["stop", "web"]).success();
    c.run(["kill", "web"])
        .code(125)
        .stderr_contains("can only kill running containers");
    c.run(["start", "web"]).success().stdout_eq("web\n");
    assert_eq!(state(&c, &id).0, "running");
    c.run(["start", "web"]).success();
    c.run(["kill", "-s", "TERM", "web"]).success();
    c.run(["wait", "web"]).success().stdout_eq("7\n");
    c.run(["restart", "-t", "1", "web"])
        .success()
        .stdout_eq("web\n");
    assert_eq!(state(&c, &id).0, "running");
    c.run(["kill", "web"]).success();
    c.run(["wait", "web"]).success().stdout_eq("137\n");
    c.run(["kill", "-s", "NOPE", "web"])
        .code(125)
        .stderr_contains("invalid signal");
    c.run(["start", "nothing-called-this"])
        .code(125)
        .stderr_contains("no such container");
    c.run(["rm", "web"]).success();
}

#[test]
fn rm_force_kills_a_running_container() {
    let (c, image) = with_busybox();
    let id = run_detached(&c, &[&image, "sleep", "1000"]);
    c.run(["rm", "-f", &id]).success();
    assert!(!c.root().join("containers").join(&id).exists());
    c.run(["inspect", &id])
        .code(125)
        .stderr_contains("no such object");
}

#[test]
fn create_then_start_runs_the_command_and_start_a_attaches() {
    let (c, image) = with_busybox();
    let out = c.run([
        "create",
        "--name",
        "hello",
        &image,
        "sh",
        "-c",
        "echo out; echo err >&2; exit 3",
    ]);
    let id = out.success().stdout_trim().to_owned();
    assert_eq!(state(&c, &id).0, "created");
    let out = c.run(["start", "-a", "hello"]);
    out.code(3).stdout_eq("out\n").stderr_contains("err");
    assert_eq!(state(&c, &id), ("exited".into(), Some(3)));
    let out = c.run(["start", "-a", "hello"]);
    out.code(3).stdout_eq("out\n");
}

#[test]
fn run_d_reports_a_missing_command_and_keeps_nothing() {
    let (c, image) = with_busybox();
    c.run(["run", "-d", &image, "no-such-command"])
        .code(127)
        .stderr_contains("no-such-command");
    let containers = c.root().join("containers");
    assert_eq!(std::fs::read_dir(&containers).unwrap().count(), 0);
}

#[test]
fn restart_on_failure_stops_after_its_maximum() {
    let (c, image) = with_busybox();
    let id = run_detached(
        &c,
        &[
            "--restart",
            "on-failure:2",
            &image,
            "sh",
            "-c",
            "echo run; exit 4",
        ],
    );
    c.run(["wait", &id]).success().stdout_eq("4\n");
    let logs = c.run(["logs", &id]);
    let runs = logs.success().stdout.matches("run\n").count();
    assert_eq!(runs, 3, "the first run and two restarts");
    c.run(["run", "--rm", "--restart", "always", &image, "true"])
        .code(125)
        .stderr_contains("--restart and --rm");
}

#[test]
fn restart_always_is_ended_by_stop() {
    let (c, image) = with_busybox();
    let id = run_detached(
        &c,
        &[
            "--restart",
            "always",
            &image,
            "sh",
            "-c",
            "sleep 0.2; exit 0",
        ],
    );
    let log = c.root().join("containers").join(&id).join("json.log");
    std::fs::write(&log, "").unwrap_or(());
    eventually("a restart", || {
        inspect_field(&c, &id, "{{.RestartCount}}")
            .parse::<i64>()
            .unwrap()
            >= 2
    });
    c.run(["stop", "-t", "1", &id]).success();
    let (status, _) = state(&c, &id);
    assert_eq!(status, "exited");
    std::thread::sleep(Duration::from_millis(500));
    assert_eq!(state(&c, &id).0, "exited", "not restarted after stop");
}

#[test]
fn a_killed_monitor_is_noticed_and_the_container_marked_exited() {
    let (c, image) = with_busybox();
    let id = run_detached(&c, &[&image, "sleep", "1000"]);
    let text = inspect_field(&c, &id, "{{.State.ConmonPid}} {{.State.Pid}}");
    let (monitor, init) = text.split_once(' ').unwrap();
    let (monitor, init): (i32, i32) = (monitor.parse().unwrap(), init.parse().unwrap());
    // SAFETY: kill has no memory-safety preconditions.
    unsafe { libc::kill(monitor, libc::SIGKILL) };
    eventually("the monitor to die", || {
        !std::path::Path::new(&format!("/proc/{monitor}")).exists()
            || std::fs::read_to_string(format!("/proc/{monitor}/stat"))
                .is_ok_and(|s| s.contains(") Z"))
    });
    c.run(["wait", &id]).success().stdout_eq("137\n");
    eventually("the container's processes to be gone", || {
        !std::path::Path::new(&format!("/proc/{init}/cmdline")).exists()
            || std::fs::read_to_string(format!("/proc/{init}/stat"))
                .is_ok_and(|s| s.contains(") Z"))
    });
    c.run(["rm", &id]).success();
}

#[test]
fn names_stay_unique_under_concurrent_creates() {
    let (c, image) = with_busybox();
    let children: Vec<_> = (0..20)
        .map(|i| {
            let name = if i % 2 == 0 {
                "same".to_owned()
            } else {
                format!("c{i}")
            };
            c.spawn(["create", "--name", &name, &image, "true"])
        })
        .collect();
    let outputs: Vec<_> = children
        .into_iter()
        .map(|child| child.wait_with_output().unwrap())
        .collect();
    let created = outputs.iter().filter(|o| o.status.success()).count();
    assert_eq!(created, 11, "ten distinct names and one of the ten `same`");
    let unnamed: Vec<_> = (0..20)
        .map(|_| c.spawn(["create", &image, "true"]))
        .collect();
    for child in unnamed {
        assert!(child.wait_with_output().unwrap().status.success());
    }
    let out = c.run(["ps", "-a", "--format", "{{.Names}}"]);
    let names: Vec<&str> = out.success().stdout_lines();
    let distinct: std::collections::HashSet<_> = names.iter().collect();
    assert_eq!((names.len(), distinct.len()), (31, 31));
}

#[test]
fn input_reaches_containers_through_run_i_start_ai_and_attach() {
    let (c, image) = with_busybox();
    with_stdin(&c, &["run", "-i", &image, "cat"], "foreground\n")
        .success()
        .stdout_eq("foreground\n");
    with_stdin(
        &c,
        &["run", "--rm", "-i", &image, "cat"],
        "passed through\n",
    )
    .success()
    .stdout_eq("passed through\n");
    c.run([
        "create",
        "-i",
        "--name",
        "cat",
        &image,
        "sh",
        "-c",
        "cat; exit 9",
    ])
    .success();
    with_stdin(&c, &["start", "-ai", "cat"], "started\n")
        .code(9)
        .stdout_eq("started\n");
    let id = run_detached(&c, &["-i", &image, "sh", "-c", "read line; echo got $line"]);
    with_stdin(&c, &["attach", &id], "attached\n")
        .success()
        .stdout_eq("got attached\n");
    c.run(["attach", &id])
        .code(125)
        .stderr_contains("start it first");
}

#[test]
fn run_d_rm_removes_the_container_when_it_exits() {
    let (c, image) = with_busybox();
    let id = run_detached(&c, &["--rm", &image, "sh", "-c", "sleep 0.3; exit 5"]);
    let dir = c.root().join("containers").join(&id);
    // A wait begun before the removal gets the code, as Docker's does.
    c.run(["wait", &id]).success().stdout_eq("5\n");
    eventually("the container's removal", || !dir.exists());
    c.run(["inspect", &id])
        .code(125)
        .stderr_contains("no such object");
}

/// Whether a process has exited (a zombie waiting for its reaper counts).
fn gone(pid: &str) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat")).map_or(true, |s| s.contains(") Z"))
}

#[test]
fn a_container_lost_with_its_run_root_is_marked_exited() {
    let (c, image) = with_busybox();
    let id = run_detached(&c, &[&image, "sleep", "1000"]);
    let text = inspect_field(&c, &id, "{{.State.ConmonPid}} {{.State.Pid}}");
    // As a reboot would: every process gone, the run root (a tmpfs) emptied.
    for pid in text.split(' ') {
        // SAFETY: kill has no memory-safety preconditions.
        unsafe { libc::kill(pid.parse().unwrap(), libc::SIGKILL) };
    }
    for pid in text.split(' ') {
        eventually("the killed processes to be gone", || gone(pid));
    }
    std::fs::remove_dir_all(c.runroot()).unwrap();
    c.run(["wait", &id]).success().stdout_eq("255\n");
    c.run(["start", &id]).success();
    assert_eq!(state(&c, &id).0, "running");
    c.run(["rm", "-f", &id]).success();
}

#[test]
fn system_reset_kills_running_containers_first() {
    let (c, image) = with_busybox();
    let id = run_detached(&c, &[&image, "sleep", "1000"]);
    let text = inspect_field(&c, &id, "{{.State.ConmonPid}} {{.State.Pid}}");
    c.run(["system", "reset", "-f"]).success();
    assert!(!c.root().exists());
    for pid in text.split(' ') {
        let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
        assert!(
            stat.is_empty() || stat.contains(") Z"),
            "{pid} still runs: {stat}"
        );
    }
}

#[test]
fn unknown_and_ambiguous_containers_are_refused_and_nothing_changes() {
    let (c, image) = with_busybox();
    // Seventeen IDs: two of them must start with the same hex digit.
    let ids: Vec<String> = (0..17)
        .map(|_| {
            c.run(["create", &image, "true"])
                .success()
                .stdout_trim()
                .to_owned()
        })
        .collect();
    let shared = (0..16)
        .map(|d| format!("{d:x}"))
        .find(|d| ids.iter().filter(|id| id.starts_with(d.as_str())).count() >= 2)
        .unwrap();
    for cmd in ["stop", "kill", "start", "wait", "rm"] {
        c.run([cmd, &shared]).failure().stderr_contains("ambiguous");
        c.run([cmd, "no-such-container"])
            .failure()
            .stderr_contains("no such container");
    }
    c.run(["rename", &ids[0], "bad/name"])
        .code(125)
        .stderr_contains("invalid container name");
    c.run(["rename", &ids[0], "first"]).success();
    c.run(["rename", &ids[1], "first"])
        .code(125)
        .stderr_contains("already in use");
    let count = std::fs::read_dir(c.root().join("containers"))
        .unwrap()
        .count();
    assert_eq!(count, 17);
}

#[test]
fn a_foreground_run_can_be_attached_to_from_elsewhere() {
    let (c, image) = with_busybox();
    let script = "sleep 1; echo late; exit 3";
    let run = c.spawn(["run", "--name", "fg", &image, "sh", "-c", script]);
    eventually("the container to run", || {
        c.run(["inspect", "--format", "{{.State.Status}}", "fg"])
            .stdout_trim()
            .eq("running")
    });
    c.run(["attach", "fg"]).code(3).stdout_eq("late\n");
    coracle_testkit::runner::wait_output(run, vec!["run".into()], Duration::from_secs(60))
        .code(3)
        .stdout_eq("late\n");
}
