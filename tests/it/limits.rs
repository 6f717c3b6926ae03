//! Resource limits: enforced through cgroups as root (a memory hog OOM-killed,
//! a fork bomb stopped, `update` on a running container), warned about and
//! left out rootless where the host cannot enforce them, shown by inspect, and
//! bad values refused before anything is created.

use crate::common::{anon_ref, inspect_field, pull, run_detached, with_busybox, BIN};
use coracle_testkit::Coracle;

/// Podman's warning, rootless on cgroup v1 (and v2 without delegation).
const NOT_ENFORCED: &str = "Resource limits are not supported and ignored on cgroups V";

fn rootful() -> Option<(Coracle, String)> {
    let c = Coracle::rootful(BIN)?;
    let image = anon_ref("busybox:latest");
    pull(&c, &image).success();
    Some((c, image))
}

#[test]
fn a_memory_hog_is_oom_killed_with_137_rootful() {
    let Some((c, image)) = rootful() else {
        return;
    };
    let hog = "head -c 100m /dev/zero | tail";
    c.run([
        "run", "--name", "hog", "--memory", "32m", &image, "sh", "-c", hog,
    ])
    .code(137);
    assert_eq!(inspect_field(&c, "hog", "{{.State.OOMKilled}}"), "true");
    assert_eq!(inspect_field(&c, "hog", "{{.State.ExitCode}}"), "137");
    // The kill is an event of its own, before the death it caused.
    let events = c.run([
        "events",
        "--stream=false",
        "--filter",
        "container=hog",
        "--format",
        "{{.Status}}",
    ]);
    let statuses = events.success().stdout_lines().join(" ");
    assert!(statuses.contains("oom died"), "{statuses}");
    // A plain exit is no OOM kill.
    c.run(["run", "--name", "calm", "--memory", "32m", &image, "true"])
        .success();
    assert_eq!(inspect_field(&c, "calm", "{{.State.OOMKilled}}"), "false");
}

#[test]
fn pids_limit_stops_a_fork_bomb_rootful() {
    let Some((c, image)) = rootful() else {
        return;
    };
    let bomb = "for i in $(seq 50); do sleep 5 & done";
    let out = c.run([
        "run",
        "--rm",
        "--pids-limit",
        "10",
        &image,
        "sh",
        "-c",
        bomb,
    ]);
    out.failure().stderr_contains("can't fork");
    c.run([
        "run",
        "--rm",
        &image,
        "sh",
        "-c",
        "for i in $(seq 50); do true & done; wait",
    ])
    .success();
}

#[test]
fn inspect_shows_the_limits_and_update_changes_them_rootful() {
    let Some((c, image)) = rootful() else {
        return;
    };
    let id = run_detached(
        &c,
        &[
            "--memory",
            "32m",
            "--cpus",
            "1.5",
            "--cpu-shares",
            "512",
            "--pids-limit",
            "100",
            "--memory-reservation",
            "16m",
            "--cpuset-cpus",
            "0",
            &image,
            "sleep",
            "60",
        ],
    );
    let fields = "{{.HostConfig.Memory}} {{.HostConfig.MemorySwap}} {{.HostConfig.NanoCpus}} \
                  {{.HostConfig.CpuQuota}} {{.HostConfig.CpuPeriod}} {{.HostConfig.CpuShares}} \
                  {{.HostConfig.PidsLimit}} {{.HostConfig.MemoryReservation}} {{.HostConfig.CpusetCpus}}";
    assert_eq!(
        inspect_field(&c, &id, fields),
        "33554432 67108864 1500000000 150000 100000 512 100 16777216 0"
    );
    c.run(["update", "--memory", "64m", &id])
        .success()
        .stdout_eq(&format!("{id}\n"));
    assert_eq!(
        inspect_field(&c, &id, "{{.HostConfig.Memory}} {{.HostConfig.PidsLimit}}"),
        "67108864 100"
    );
    let file = format!("/sys/fs/cgroup/memory/coracle/{id}/memory.limit_in_bytes");
    if let Ok(text) = std::fs::read_to_string(&file) {
        assert_eq!(text.trim(), "67108864");
    }
    c.run(["container", "update", "--cpus", "0.5", &id])
        .success();
    assert_eq!(
        inspect_field(&c, &id, "{{.HostConfig.NanoCpus}}"),
        "500000000"
    );
    // Podman's default, where cgroups can enforce it.
    let plain = run_detached(&c, &[&image, "sleep", "60"]);
    assert_eq!(
        inspect_field(&c, &plain, "{{.HostConfig.PidsLimit}}"),
        "2048"
    );
    c.run(["rm", "-f", "-t", "0", &id, &plain]).success();
}

#[test]
fn rootless_limits_warn_and_the_container_still_runs() {
    let (c, image) = with_busybox();
    if std::path::Path::new("/sys/fs/cgroup/cgroup.controllers").exists() {
        // A v2 host may delegate: this host's case is v1.
        return;
    }
    let out = c.run([
        "run",
        "--rm",
        "--memory",
        "32m",
        "--pids-limit",
        "10",
        &image,
        "echo",
        "ran",
    ]);
    out.success()
        .stdout_eq("ran\n")
        .stderr_contains(NOT_ENFORCED);
    // A process attribute, which needs no cgroup.
    c.run([
        "run",
        "--rm",
        "--oom-score-adj",
        "100",
        &image,
        "cat",
        "/proc/self/oom_score_adj",
    ])
    .success()
    .stdout_eq("100\n");
    let id = run_detached(&c, &["--memory", "32m", &image, "sleep", "60"]);
    assert_eq!(inspect_field(&c, &id, "{{.HostConfig.Memory}}"), "0");
    c.run(["update", "--memory", "64m", &id])
        .success()
        .stderr_contains(NOT_ENFORCED);
    let plain = c.run(["run", "--rm", &image, "true"]);
    assert!(!plain.success().stderr.contains(NOT_ENFORCED), "{plain}");
    c.run(["rm", "-f", "-t", "0", &id]).success();
}

#[test]
fn bad_limits_are_refused_with_125_and_create_nothing() {
    let (c, image) = with_busybox();
    let cpus = (std::thread::available_parallelism().unwrap().get() + 1).to_string();
    let cases: [(&[&str], &str); 8] = [
        (
            &["--memory", "32x"],
            "invalid value for memory: invalid size: '32x'",
        ),
        (&["--memory-reservation", "lots"], "invalid size: 'lots'"),
        (&["--cpus", &cpus], "Range of CPUs is from 0.01 to"),
        (
            &["--memory-swap", "64m"],
            "you should always set a memory limit",
        ),
        (
            &["--memory", "64m", "--memory-swap", "32m"],
            "minimum memoryswap limit",
        ),
        (
            &["--cpus", "1", "--cpu-quota", "50000"],
            "--cpu-quota and --cpus cannot be set together",
        ),
        (
            &["--cpuset-cpus", "abc"],
            "invalid value abc for cpuset cpus",
        ),
        (&["--cgroups", "bad"], "invalid cgroup mode \"bad\""),
    ];
    for (flags, message) in cases {
        let args: Vec<&str> = ["create"]
            .iter()
            .chain(flags)
            .chain(&[image.as_str(), "true"])
            .copied()
            .collect();
        let out = c.run(&args);
        out.code(125).stderr_contains(message);
        assert_eq!(out.stderr.trim().lines().count(), 1, "{out}");
    }
    c.run(["update", "--memory", "1x", "nosuch"])
        .code(125)
        .stderr_contains("invalid size: '1x'");
    c.run(["ps", "-a", "-q"]).success().stdout_eq("");
}
