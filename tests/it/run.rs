//! run: containers in the foreground, rootless, checked from inside.

use crate::common::*;
use coracle_testkit::runner::wait_output;
use coracle_testkit::Coracle;
use std::io::{BufRead, BufReader};
use std::time::Duration;

/// A coracle with busybox:latest pulled (so `run` finds it stored).
fn with_busybox() -> (Coracle, String) {
    let c = coracle();
    let image = anon_ref("busybox:latest");
    pull(&c, &image).success();
    (c, image)
}

fn run(c: &Coracle, args: &[&str]) -> coracle_testkit::Output {
    c.run(["run", "--rm"].iter().chain(args))
}

#[test]
fn run_pulls_a_missing_image_and_prints_its_output() {
    let c = coracle();
    let image = anon_ref("busybox:latest");
    c.run(["run", "--rm", "--pull", "never", &image, "true"])
        .code(125)
        .stderr_contains("--pull=never");
    let out = c.run(["run", "--rm", "-q", &image, "echo", "hello", "world"]);
    out.success().stdout_eq("hello world\n");
}

#[test]
fn run_pull_newer_asks_the_registry_but_survives_its_absence() {
    let (c, image) = with_busybox();
    let out = c.run(["run", "--rm", "--pull=newer", &image, "true"]);
    out.success().stderr_contains("Trying to pull");
    let missing = c.run(["run", "--rm", &image, "true"]);
    assert!(
        !missing.success().stderr.contains("Trying to pull"),
        "{missing}"
    );
    // The same image under the name of a registry nobody serves.
    let gone = "127.0.0.1:1/busybox:latest";
    c.run(["tag", &image, gone]).success();
    c.run(["run", "--rm", "--pull=newer", gone, "echo", "local"])
        .success()
        .stdout_eq("local\n")
        .stderr_contains("using the stored image");
    c.run(["run", "--rm", "--pull=always", gone, "true"])
        .code(125)
        .stderr_contains("unreachable");
}

#[test]
fn run_exit_codes_follow_docker() {
    let (c, image) = with_busybox();
    run(&c, &[&image, "true"]).code(0);
    run(&c, &[&image, "false"]).code(1);
    run(&c, &[&image, "sh", "-c", "exit 42"]).code(42);
    run(&c, &[&image, "no-such-command"])
        .code(127)
        .stderr_contains("no-such-command");
    // A file that is there but not executable.
    run(&c, &[&image, "/etc/passwd"]).code(126);
    // A child killed by a signal, reported by the shell as 128+n, passes through.
    run(&c, &[&image, "sh", "-c", "sh -c 'kill -9 $$'; exit $?"]).code(137);
}

#[test]
fn run_keeps_stdout_and_stderr_apart() {
    let (c, image) = with_busybox();
    let out = run(&c, &[&image, "sh", "-c", "echo out; echo err >&2"]);
    out.success().stdout_eq("out\n");
    assert_eq!(out.stderr, "err\n", "{out}");
}

#[test]
fn run_applies_user_env_workdir_and_hostname() {
    let (c, image) = with_busybox();
    run(&c, &["-u", "tester", &image, "id"])
        .success()
        .stdout_contains("uid=1000(tester) gid=1000(tester)");
    run(&c, &["-u", "4242:65534", &image, "id", "-u"])
        .success()
        .stdout_eq("4242\n");
    run(&c, &["-u", "nobody-here", &image, "true"])
        .code(125)
        .stderr_contains("unable to find user nobody-here");
    let out = c.run_command({
        let mut cmd = c.command([
            "run",
            "--rm",
            "-e",
            "A=1",
            "-e",
            "FROM_HOST",
            "-e",
            "UNSET_HERE",
            &image,
            "env",
        ]);
        cmd.env("FROM_HOST", "yes");
        cmd
    });
    out.success()
        .stdout_contains("A=1\n")
        .stdout_contains("FROM_HOST=yes\n")
        .stdout_contains("PATH=");
    assert!(!out.stdout.contains("UNSET_HERE"), "{out}");
    run(&c, &["-w", "/made/for/you", &image, "pwd"])
        .success()
        .stdout_eq("/made/for/you\n");
    run(
        &c,
        &[
            "--hostname",
            "boat",
            &image,
            "sh",
            "-c",
            "hostname; cat /etc/hostname",
        ],
    )
    .success()
    .stdout_eq("boat\nboat\n");
    run(&c, &["--entrypoint", "echo", &image, "via", "entrypoint"])
        .success()
        .stdout_eq("via entrypoint\n");
}

#[test]
fn run_confines_the_container_by_default() {
    let (c, image) = with_busybox();
    // Podman's eleven capabilities.
    run(&c, &[&image, "grep", "CapEff", "/proc/self/status"])
        .success()
        .stdout_contains("00000000800405fb");
    run(
        &c,
        &[
            "--cap-drop",
            "all",
            &image,
            "grep",
            "CapEff",
            "/proc/self/status",
        ],
    )
    .success()
    .stdout_contains("0000000000000000");
    // The default seccomp profile refuses unshare; unconfined lets it through.
    run(&c, &[&image, "unshare", "-r", "true"])
        .failure()
        .stderr_contains("Operation not permitted");
    run(
        &c,
        &[
            "--security-opt",
            "seccomp=unconfined",
            &image,
            "grep",
            "Seccomp:",
            "/proc/self/status",
        ],
    )
    .success()
    .stdout_contains("0");
    run(
        &c,
        &[&image, "sh", "-c", "echo x > /proc/sys/kernel/domainname"],
    )
    .failure()
    .stderr_contains("Read-only file system");
    run(&c, &["--read-only", &image, "touch", "/x"])
        .failure()
        .stderr_contains("Read-only file system");
    // --network none: loopback only, and up.
    run(&c, &["--network", "none", &image, "ls", "/sys/class/net"])
        .success()
        .stdout_eq("lo\n");
}

#[test]
fn run_forwards_sigterm_to_the_container() {
    assert_sigterm_reaches_the_command(&[]);
}

#[test]
fn run_rm_leaves_nothing_behind() {
    let (c, image) = with_busybox();
    run(&c, &[&image, "true"]).success();
    run(&c, &[&image, "false"]).code(1);
    run(&c, &[&image, "no-such-command"]).code(127);
    // Without --rm too, a container whose command cannot start is not kept.
    c.run(["run", &image, "no-such-command"]).code(127);
    c.run(["run", "-u", "nobody-here", &image, "true"])
        .code(125);
    let containers = c.root().join("containers");
    assert_eq!(std::fs::read_dir(&containers).unwrap().count(), 0);
    let state = c.runroot().join("runtime");
    assert_eq!(std::fs::read_dir(&state).map_or(0, |d| d.count()), 0);
    let mounts = std::fs::read_to_string("/proc/self/mountinfo").unwrap();
    assert!(!mounts.contains(&c.dir().display().to_string()));
    // No record holds the image either.
    c.run(["rmi", &image]).success();
}

#[test]
fn rmi_refuses_an_image_a_container_uses() {
    let (c, image) = with_busybox();
    c.run(["run", "--name", "keeper", &image, "true"]).success();
    c.run(["run", "--name", "keeper", &image, "true"])
        .code(125)
        .stderr_contains("already in use");
    c.run(["rmi", &image])
        .code(2)
        .stderr_contains("image used by keeper: image is in use by a container");
    c.run(["rm", "keeper"]).success().stdout_eq("keeper\n");
    c.run(["rm", "keeper"]).code(1);
    c.run(["rmi", &image]).success();
}

#[test]
fn run_refuses_bad_flags_before_pulling() {
    let c = coracle();
    let image = anon_ref("busybox:latest");
    for (flags, says) in [
        (&["--network", "nosuch"][..], "network not found"),
        (&["--cap-add", "FLY"][..], "unknown capability"),
        (&["-u", "a:b:c"][..], "invalid user"),
        (&["-w", "relative"][..], "not an absolute path"),
        (
            &["--security-opt", "apparmor=x"][..],
            "unknown --security-opt",
        ),
        (&["--name", "a/b"][..], "invalid container name"),
        (&["--stop-signal", "NOPE"][..], "invalid signal"),
        (&["--ulimit", "nofile=x"][..], "invalid --ulimit"),
        (&["--ulimit", "bogus=1"][..], "unknown resource"),
        (&["--ulimit", "nofile=2:1"][..], "soft limit is above"),
        // An unknown flag is not taken for the image.
        (&["--bogus"][..], "unexpected argument '--bogus'"),
    ] {
        let mut args = vec!["run", "--rm"];
        args.extend_from_slice(flags);
        args.extend([image.as_str(), "true"]);
        c.run(&args).code(125).stderr_contains(says);
    }
    assert!(image_ids(&c).is_empty(), "nothing may be pulled");
}

#[test]
fn run_works_with_a_single_id_mapping() {
    let Some(user) = coracle_testkit::TestUser::nosub() else {
        return;
    };
    let c = Coracle::as_user(BIN, user);
    let image = anon_ref("busybox:latest");
    c.run(["run", "--rm", "-q", &image, "id"])
        .success()
        .stdout_contains("uid=0(root) gid=0(root)");
}

#[test]
fn run_works_rootful() {
    let Some(c) = Coracle::rootful(BIN) else {
        return;
    };
    let image = anon_ref("busybox:latest");
    c.run([
        "run",
        "--rm",
        "-q",
        &image,
        "grep",
        "CapEff",
        "/proc/self/status",
    ])
    .success()
    .stdout_contains("00000000800405fb");
    assert_eq!(
        std::fs::read_dir(c.root().join("containers"))
            .unwrap()
            .count(),
        0
    );
}

#[test]
fn run_sets_ulimits() {
    let (c, image) = with_busybox();
    let script = "ulimit -n; ulimit -Hn";
    run(
        &c,
        &["--ulimit", "nofile=100:200", &image, "sh", "-c", script],
    )
    .success()
    .stdout_eq("100\n200\n");
    run(
        &c,
        &[
            "--ulimit",
            "nofile=9",
            "--ulimit",
            "nofile=64",
            &image,
            "sh",
            "-c",
            script,
        ],
    )
    .success()
    .stdout_eq("64\n64\n");
    // Rootless, a hard limit cannot go above the caller's own.
    run(&c, &["--ulimit", "nofile=-1", &image, "true"])
        .code(125)
        .stderr_contains("cannot raise");
}

/// The stop signal of the one container in `c`'s store, as `stop` will find it.
fn stored_stop_signal(c: &Coracle) -> String {
    let dirs: Vec<_> = std::fs::read_dir(c.root().join("containers"))
        .unwrap()
        .collect();
    assert_eq!(dirs.len(), 1);
    let spec = std::fs::read(dirs[0].as_ref().unwrap().path().join("config.json")).unwrap();
    let spec: serde_json::Value = serde_json::from_slice(&spec).unwrap();
    spec["annotations"]["org.opencontainers.image.stopSignal"]
        .as_str()
        .unwrap()
        .to_owned()
}

#[test]
fn run_keeps_the_stop_signal_of_the_flag_or_the_image() {
    let (c, image) = with_busybox();
    c.run(["run", "--name", "a", &image, "true"]).success();
    assert_eq!(stored_stop_signal(&c), "SIGTERM");
    c.run(["rm", "a"]).success();
    c.run([
        "run",
        "--name",
        "b",
        "--stop-signal",
        "quit",
        &image,
        "true",
    ])
    .success();
    assert_eq!(stored_stop_signal(&c), "SIGQUIT");
    c.run(["rm", "b"]).success();

    let stops = coracle_testkit::ImageBuilder::new(
        coracle_testkit::Format::Oci,
        coracle_testkit::Compression::Gzip,
    )
    .stop_signal("SIGRTMIN+3")
    .layer(
        coracle_testkit::Catalog::busybox_layer().clone(),
        "ADD busybox",
    )
    .build();
    anon().registry.push("stopsignal:latest", &stops).unwrap();
    let image = anon_ref("stopsignal:latest");
    c.run(["run", "-q", "--name", "c", &image, "true"])
        .success();
    assert_eq!(stored_stop_signal(&c), "SIGRTMIN+3");
    c.run(["rm", "c"]).success();
    c.run(["run", "--name", "d", "--stop-signal", "9", &image, "true"])
        .success();
    assert_eq!(stored_stop_signal(&c), "SIGKILL");
}

#[test]
fn run_applies_a_docker_seccomp_profile() {
    let (c, image) = with_busybox();
    let profile = c.dir().join("no-mkdir.json");
    std::fs::write(
        &profile,
        r#"{"defaultAction": "SCMP_ACT_ALLOW",
            "archMap": [{"architecture": "SCMP_ARCH_X86_64", "subArchitectures": ["SCMP_ARCH_X86"]},
                        {"architecture": "SCMP_ARCH_AARCH64", "subArchitectures": ["SCMP_ARCH_ARM"]}],
            "syscalls": [{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 1}]}"#,
    )
    .unwrap();
    let opt = format!("seccomp={}", profile.display());
    run(&c, &["--security-opt", &opt, &image, "mkdir", "/made"])
        .failure()
        .stderr_contains("Operation not permitted");
    run(&c, &["--security-opt", &opt, &image, "touch", "/made"]).success();
    run(&c, &[&image, "mkdir", "/made"]).success();

    let bad = c.dir().join("bad.json");
    for (text, says) in [
        ("{", "invalid seccomp profile"),
        (r#"{"defaultAction": "SCMP_ACT_PERHAPS"}"#, "unknown action"),
    ] {
        std::fs::write(&bad, text).unwrap();
        let opt = format!("seccomp={}", bad.display());
        run(&c, &["--security-opt", &opt, &image, "true"])
            .code(125)
            .stderr_contains(says);
    }
    run(
        &c,
        &["--security-opt", "seccomp=/no/such.json", &image, "true"],
    )
    .code(125)
    .stderr_contains("cannot read the seccomp profile");
    assert_eq!(
        std::fs::read_dir(c.root().join("containers"))
            .unwrap()
            .count(),
        0
    );
}

#[test]
fn run_init_is_pid_1_and_passes_the_exit_code_through() {
    let (c, image) = with_busybox();
    let cmdline = "cat /proc/1/cmdline | tr '\\0' ' '";
    run(&c, &["--init", &image, "sh", "-c", cmdline])
        .success()
        .stdout_eq(&format!("/run/coracle-init -- sh -c {cmdline} "));
    run(&c, &["--init", &image, "sh", "-c", "exit 7"]).code(7);
    run(&c, &["--init", &image, "sh", "-c", "kill -9 $$"]).code(137);
    run(&c, &["--init", &image, "no-such-command"])
        .code(127)
        .stderr_contains("no-such-command");
    run(&c, &["--init", &image, "/etc/passwd"]).code(126);
    // As any user, and on a read-only rootfs.
    run(
        &c,
        &["--init", "-u", "65534", "--read-only", &image, "id", "-u"],
    )
    .success()
    .stdout_eq("65534\n");
}

#[test]
fn run_init_reaps_orphaned_zombies() {
    let (c, image) = with_busybox();
    // The inner sh exits at once, orphaning its sleep to PID 1, which alone can
    // reap it when it ends. The command then becomes a sleep, which never waits: as
    // PID 1 itself (without --init) it would leave that zombie.
    let script = "sh -c 'sleep 0.1 &'; (sleep 0.5; ps -o stat | grep -c Z) & exec sleep 1";
    run(&c, &[&image, "sh", "-c", script]).stdout_eq("1\n");
    run(&c, &["--init", &image, "sh", "-c", script]).stdout_eq("0\n");
}

#[test]
fn run_init_forwards_sigterm_to_the_command() {
    assert_sigterm_reaches_the_command(&["--init"]);
}

/// SIGTERM sent to `coracle run` runs the command's TERM trap, whose exit code
/// becomes coracle's.
fn assert_sigterm_reaches_the_command(flags: &[&str]) {
    let (c, image) = with_busybox();
    let script = "trap 'echo got TERM; exit 3' TERM; echo ready; while true; do sleep 0.1; done";
    let command = [image.as_str(), "sh", "-c", script];
    let mut child = c.spawn(["run", "--rm"].iter().chain(flags).chain(&command));
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    stdout.read_line(&mut line).unwrap();
    assert_eq!(line, "ready\n");
    // SAFETY: kill has no memory-safety preconditions.
    unsafe { libc::kill(child.id() as i32, libc::SIGTERM) };
    let out = wait_output(child, vec!["run".into()], Duration::from_secs(30));
    out.code(3);
    let mut rest = String::new();
    std::io::Read::read_to_string(&mut stdout, &mut rest).unwrap();
    assert_eq!(rest, "got TERM\n");
}
