//! exec: a process in a running container, started from the host side.

use crate::common::*;
use crate::run_tty::Session;
use coracle_testkit::Coracle;
use std::io::Write;
use std::process::Stdio;

/// A busybox container left running (`run -d ... sleep`), and its ID.
fn running(c: &Coracle, flags: &[&str]) -> String {
    let image = anon_ref("busybox:latest");
    pull(c, &image).success();
    let tail = [image.as_str(), "sleep", "1000"];
    let out = c.run(["run", "-d"].iter().chain(flags).chain(&tail));
    out.success();
    out.stdout_trim().to_owned()
}

fn exec(c: &Coracle, id: &str, args: &[&str]) -> coracle_testkit::Output {
    c.run(["exec"].iter().chain(&[id]).chain(args))
}

#[test]
fn exec_passes_the_exit_code_through() {
    let c = coracle();
    let id = running(&c, &[]);
    exec(&c, &id, &["true"]).code(0).stdout_eq("");
    exec(&c, &id, &["sh", "-c", "exit 3"]).code(3);
    exec(&c, &id, &["no-such-command"])
        .code(127)
        .stderr_contains("no-such-command");
    exec(&c, &id, &["/etc/passwd"]).code(126);
    let out = exec(&c, &id, &["sh", "-c", "echo out; echo err >&2"]);
    out.success().stdout_eq("out\n");
    assert_eq!(out.stderr, "err\n", "{out}");
    // The same container, under `container exec` and by name prefix.
    c.run(["container", "exec", &id[..12], "echo", "hi"])
        .success()
        .stdout_eq("hi\n");
}

#[test]
fn exec_joins_the_containers_namespaces() {
    let c = coracle();
    let id = running(&c, &["--hostname", "boat", "--network", "none"]);
    exec(&c, &id, &["hostname"]).success().stdout_eq("boat\n");
    // Its pid namespace: the container's sleep is there as pid 1.
    exec(&c, &id, &["cat", "/proc/1/cmdline"])
        .success()
        .stdout_eq("sleep\x001000\x00");
    // Its network (`none`: loopback only), not the host's.
    let out = exec(&c, &id, &["cat", "/proc/net/dev"]);
    let interfaces: Vec<&str> = out
        .success()
        .stdout
        .lines()
        .skip(2)
        .map(|l| l.trim())
        .collect();
    assert!(
        interfaces.len() == 1 && interfaces[0].starts_with("lo:"),
        "{out}"
    );
    // Its filesystem: what one exec writes, the next one reads.
    exec(&c, &id, &["sh", "-c", "echo kept > /tmp/note"]).success();
    exec(&c, &id, &["cat", "/tmp/note"])
        .success()
        .stdout_eq("kept\n");
}

#[test]
fn exec_applies_env_user_workdir_and_the_containers_defaults() {
    let c = coracle();
    let id = running(&c, &["-e", "FROM_RUN=1", "-w", "/srv"]);
    let out = exec(&c, &id, &["-e", "A=2", "-e", "FROM_RUN=over", "env"]);
    out.success()
        .stdout_contains("A=2\n")
        .stdout_contains("FROM_RUN=over\n")
        .stdout_contains("PATH=");
    exec(&c, &id, &["pwd"]).success().stdout_eq("/srv\n");
    exec(&c, &id, &["-w", "/tmp", "pwd"])
        .success()
        .stdout_eq("/tmp\n");
    exec(&c, &id, &["id", "-u"]).success().stdout_eq("0\n");
    exec(&c, &id, &["-u", "tester", "id"])
        .success()
        .stdout_contains("uid=1000(tester) gid=1000(tester)");
    exec(&c, &id, &["-u", "tester", "sh", "-c", "echo $HOME"])
        .success()
        .stdout_eq("/home/tester\n");
    exec(&c, &id, &["-u", "nobody-here", "true"])
        .code(125)
        .stderr_contains("unable to find user nobody-here");
    // The container's capability set and seccomp filter; every capability with
    // --privileged; none effective for a user other than root.
    let field = |flags: &[&str], pid: &str, key: &str| -> String {
        let status = format!("/proc/{pid}/status");
        let args: Vec<&str> = flags.iter().copied().chain(["cat", &status]).collect();
        let out = exec(&c, &id, &args);
        out.success();
        let line = out.stdout.lines().find(|l| l.starts_with(key)).unwrap();
        line.split_whitespace().nth(1).unwrap().to_owned()
    };
    let bounding =
        |flags: &[&str], pid: &str| u64::from_str_radix(&field(flags, pid, "CapBnd:"), 16).unwrap();
    let default = bounding(&[], "self");
    assert_eq!(default, bounding(&[], "1"), "the container's own set");
    let privileged = bounding(&["--privileged"], "self");
    assert!(privileged > default && privileged & default == default);
    assert_eq!(field(&[], "self", "Seccomp:"), field(&[], "1", "Seccomp:"));
    assert_eq!(
        field(&[], "self", "Seccomp:"),
        "2",
        "the container's filter"
    );
    assert_eq!(
        field(&["-u", "tester"], "self", "CapEff:"),
        "0000000000000000"
    );
}

#[test]
fn exec_i_relays_stdin_and_without_it_reads_nothing() {
    let c = coracle();
    let id = running(&c, &[]);
    let mut cmd = c.command(["exec", "-i", &id, "sh", "-c", "tr a-z A-Z"]);
    cmd.stdin(Stdio::piped());
    cmd.stdout(Stdio::piped()).stderr(Stdio::piped());
    let mut child = cmd.spawn().unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"piped in\n")
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert_eq!(String::from_utf8_lossy(&out.stdout), "PIPED IN\n");
    assert!(out.status.success());
    exec(&c, &id, &["cat"]).success().stdout_eq("");
}

#[test]
fn exec_d_returns_at_once_and_leaves_the_process_running() {
    let c = coracle();
    let id = running(&c, &[]);
    exec(
        &c,
        &id,
        &["-d", "sh", "-c", "sleep 1; echo done > /tmp/flag"],
    )
    .success()
    .stdout_eq("");
    exec(
        &c,
        &id,
        &[
            "sh",
            "-c",
            "while [ ! -e /tmp/flag ]; do sleep 0.1; done; cat /tmp/flag",
        ],
    )
    .success()
    .stdout_eq("done\n");
    // -d -t: no terminal, and it says so.
    exec(&c, &id, &["-d", "-t", "true"])
        .success()
        .stderr_contains("gets no terminal");
}

#[test]
fn exec_t_gives_a_pty_and_it_relays_keys() {
    let c = coracle();
    let id = running(&c, &[]);
    let mut s = Session::start(&c, &["exec", "-t", &id, "tty"], 24, 80);
    assert_eq!(s.finish(), 0, "{:?}", s.screen);
    assert!(s.screen.contains("/dev/pts/"), "{:?}", s.screen);
    let mut s = Session::start(&c, &["exec", "-it", &id, "sh"], 33, 111);
    s.wait_for("# ");
    s.type_keys("stty size; exit 4\r");
    assert_eq!(s.finish(), 4, "{:?}", s.screen);
    assert!(s.screen.contains("33 111"), "{:?}", s.screen);
    exec(&c, &id, &["tty"]).code(1).stdout_contains("not a tty");
}

#[test]
fn exec_into_a_stopped_container_is_refused_and_changes_nothing() {
    let c = coracle();
    let id = running(&c, &[]);
    c.run(["stop", "-t", "0", &id]).success();
    // Podman's words and code (255) for an exec its state forbids.
    exec(&c, &id, &["true"])
        .code(255)
        .stderr_contains("can only create exec sessions on running containers");
    c.run(["start", &id]).success();
    exec(&c, &id, &["true"]).success();
    exec(&c, "no-such-container", &["true"])
        .code(125)
        .stderr_contains("no such container");
}
