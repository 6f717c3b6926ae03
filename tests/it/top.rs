//! `top`, `port`, `pause`/`unpause` and `container prune`.

use crate::common::*;

#[test]
fn top_lists_the_containers_processes() {
    let (c, image) = with_busybox();
    let id = run_detached(&c, &[&image, "sh", "-c", "sleep 1000 & wait"]);
    let init = inspect_field(&c, &id, "{{.State.Pid}}");
    eventually("the child", || {
        c.run(["top", &id]).success().stdout.contains("sleep 1000")
    });
    let out = c.run(["top", &id, "-ef"]);
    let lines = out.success().stdout_lines();
    let header: Vec<&str> = lines[0].split_whitespace().collect();
    assert_eq!(
        header,
        ["UID", "PID", "PPID", "C", "STIME", "TTY", "TIME", "CMD"]
    );
    let sh: Vec<&str> = lines[1].split_whitespace().collect();
    assert_eq!(
        (sh[0], sh[1]),
        ("0", init.as_str()),
        "root in the container: {out}"
    );
    assert!(lines[1].ends_with("sh -c sleep 1000 & wait"), "{out}");
    let sleep: Vec<&str> = lines[2].split_whitespace().collect();
    assert_eq!(sleep[2], init, "the child of init: {out}");
    c.run(["port", &id]).success().stdout_eq("");
    c.run(["port", "nothing-here"])
        .code(125)
        .stderr_contains("no such container");
    c.run(["rm", "-f", &id]).success();
    c.run(["top", &id])
        .code(125)
        .stderr_contains("no such container");
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
