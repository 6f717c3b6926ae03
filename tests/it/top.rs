//! `top`, `port`, `pause`/`unpause` and `container prune`.

use crate::common::*;

#[test]
fn top_lists_the_containers_processes() {
    let (c, image) = with_busybox();
    // A ps(1) of the container's own that says what it was given.
    let script = "mkdir -p /usr/local/bin && printf '#!/bin/sh\\necho ps got: $*\\n' \
                  > /usr/local/bin/ps && chmod +x /usr/local/bin/ps && sleep 1000 & wait";
    let id = run_detached(&c, &[&image, "sh", "-c", script]);
    let init = inspect_field(&c, &id, "{{.State.Pid}}");
    eventually("the child", || {
        c.run(["top", &id]).success().stdout.contains("sleep 1000")
    });
    // Podman's default descriptors, pids as the container sees them.
    let out = c.run(["top", &id]);
    let lines = out.success().stdout_lines();
    let header: Vec<&str> = lines[0].split_whitespace().collect();
    assert_eq!(
        header,
        ["USER", "PID", "PPID", "%CPU", "ELAPSED", "TTY", "TIME", "COMMAND"]
    );
    let sh: Vec<&str> = lines[1].split_whitespace().collect();
    assert_eq!((sh[1], sh[2]), ("1", "0"), "init: {out}");
    assert!(sh[3].contains('.') && sh[4].ends_with('s'), "{out}");
    assert!(lines[1].contains("sh -c mkdir"), "{out}");
    let sleep = lines
        .iter()
        .find(|l| l.ends_with("sleep 1000"))
        .expect("sleep");
    assert_eq!(
        sleep.split_whitespace().nth(2),
        Some("1"),
        "the child of init: {out}"
    );
    // Descriptors by name or code, apart or joined by commas.
    let out = c.run(["top", &id, "pid,hpid", "%U", "seccomp", "capeff"]);
    let lines = out.success().stdout_lines();
    let header: Vec<&str> = lines[0].split_whitespace().collect();
    assert_eq!(
        header,
        ["PID", "HPID", "USER", "SECCOMP", "EFFECTIVE", "CAPS"]
    );
    let row: Vec<&str> = lines[1].split_whitespace().collect();
    assert_eq!(
        (row[0], row[1], row[3]),
        ("1", init.as_str(), "filter"),
        "{out}"
    );
    assert!(row[4].starts_with("CHOWN,DAC_OVERRIDE,"), "{out}");
    // Anything else goes to the container's ps.
    c.run(["top", &id, "-eo", "pid,comm"])
        .success()
        .stdout_eq("ps got: -eo pid,comm\n");
    c.run(["port", &id]).success().stdout_eq("");
    c.run(["port", "nothing-here"])
        .code(125)
        .stderr_contains("no such container");
    c.run(["rm", "-f", "-t", "0", &id]).success();
    c.run(["top", &id])
        .code(125)
        .stderr_contains("no such container");
}

#[test]
fn top_without_a_ps_in_the_container_says_so() {
    let (c, image) = with_busybox();
    let id = run_detached(
        &c,
        &[&image, "sh", "-c", "rm -f /bin/ps /usr/bin/ps; sleep 1000"],
    );
    eventually("ps gone", || {
        c.run(["exec", &id, "ls", "/bin/ps", "/usr/bin/ps"]).code != Some(0)
    });
    c.run(["top", &id, "-ef"])
        .code(125)
        .stderr_contains("executing ps(1) in the container");
    c.run(["rm", "-f", "-t", "0", &id]).success();
}

#[test]
fn pause_works_or_says_why_not() {
    let (c, image) = with_busybox();
    let id = run_detached(&c, &[&image, "sleep", "1000"]);
    let out = c.run(["pause", &id]);
    if out.code == Some(0) {
        let status = c.run(["ps", "--format", "{{.Status}}"]);
        assert!(
            status.success().stdout_trim().ends_with("(Paused)"),
            "{status}"
        );
        c.run(["unpause", &id]).success();
        assert_eq!(inspect_field(&c, &id, "{{.State.Status}}"), "running");
    } else {
        out.code(125).stderr_contains("cgroup v2 freezer");
        assert_eq!(inspect_field(&c, &id, "{{.State.Status}}"), "running");
    }
    c.run(["unpause", &id])
        .code(125)
        .stderr_contains("not paused");
    c.run(["rm", "-f", &id]).success();
}

#[test]
fn container_prune_removes_what_is_not_running() {
    let (c, image) = with_busybox();
    let created = c
        .run(["create", &image, "true"])
        .success()
        .stdout_trim()
        .to_owned();
    let exited = run_detached(
        &c,
        &["--label", "keep=no", &image, "sh", "-c", "echo x > /f"],
    );
    c.run(["wait", &exited]).success();
    let running = run_detached(&c, &[&image, "sleep", "1000"]);
    // Anything but yes keeps everything.
    let mut cmd = c.command(["container", "prune"]);
    cmd.stdin(std::process::Stdio::null());
    c.run_command(cmd).success();
    assert_eq!(c.run(["ps", "-a", "-q"]).success().stdout_lines().len(), 3);
    c.run(["container", "prune", "-f", "--filter", "colour=red"])
        .code(125)
        .stderr_contains("invalid filter");
    let out = c.run(["container", "prune", "-f", "--filter", "label=keep=no"]);
    out.success().stdout_eq(&format!(
        "Deleted Containers:\n{exited}\n\nTotal reclaimed space: 2B\n"
    ));
    let out = c.run(["container", "prune", "-f"]);
    out.success().stdout_eq(&format!(
        "Deleted Containers:\n{created}\n\nTotal reclaimed space: 0B\n"
    ));
    c.run(["ps", "-a", "-q", "--no-trunc"])
        .success()
        .stdout_eq(&running);
    c.run(["container", "prune", "-f"])
        .success()
        .stdout_eq("Total reclaimed space: 0B\n");
    c.run(["rm", "-f", &running]).success();
}
