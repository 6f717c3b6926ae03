//! The escapes runc and others have had, proven closed, rootless and rootful:
//! writes to the kernel's knobs, the masked paths, a privileged rootless container
//! leaving its user namespace, leaked host fds (CVE-2024-21626), mount targets
//! followed out of the root (CVE-2021-30465), device nodes, and the engine's own
//! binary overwritten through /proc/PID/exe (CVE-2019-5736). The refused system
//! calls (mount, keyctl, bpf, unshare -U...) are in seccomp.rs.

use crate::build::{build, dockerfile_only};
use crate::common::{anon_ref, pull, run_detached, with_busybox, BIN};
use crate::probe::{probe_volume, IN_CONTAINER};
use coracle_testkit::Coracle;
use std::os::unix::fs::MetadataExt;

fn rootful() -> Option<(Coracle, String)> {
    let c = Coracle::rootful(BIN)?;
    let image = anon_ref("busybox:latest");
    pull(&c, &image).success();
    Some((c, image))
}

/// Each shell line fails in a default container.
fn kernel_knobs_stay_read_only(c: &Coracle, image: &str) {
    for write in [
        "echo x > /proc/sys/kernel/domainname",
        "echo h > /proc/sysrq-trigger",
        "echo /x > /sys/kernel/uevent_helper",
        "touch /sys/escape",
        "echo x > /proc/acpi/escape",
        "echo x > /proc/kcore",
    ] {
        let out = c.run(["run", "--rm", image, "sh", "-c", write]);
        out.failure();
    }
    // Masked: nothing to read where the host's would be.
    let out = c.run([
        "run",
        "--rm",
        image,
        "sh",
        "-c",
        "cat /proc/kcore /proc/keys /proc/timer_list 2>/dev/null | wc -c; ls /sys/firmware | wc -l",
    ]);
    assert_eq!(out.success().stdout_lines(), ["0", "0"], "{out}");
}

/// No fd of the engine's reaches the container: PID 1 (and an exec'd process)
/// hold stdio only, and a working directory under /proc/self/fd gets nowhere.
fn no_host_fd_leaks(c: &Coracle, image: &str) {
    let out = c.run(["run", "--rm", image, "sh", "-c", "ls /proc/1/fd; true"]);
    assert_eq!(out.success().stdout_lines(), ["0", "1", "2"], "{out}");
    let id = run_detached(c, &[image, "sleep", "60"]);
    let out = c.run(["exec", &id, "sh", "-c", "ls /proc/$$/fd; true"]);
    assert_eq!(out.success().stdout_lines(), ["0", "1", "2"], "{out}");
    for n in 3..=9 {
        let dir = format!("/proc/self/fd/{n}");
        c.run(["run", "--rm", "-w", &dir, image, "pwd"]).failure();
        c.run(["exec", "-w", &dir, &id, "pwd"]).failure();
    }
    c.run(["rm", "-f", "-t", "0", &id]).success();
}

/// A volume's target is resolved inside the root: a symlink in the image that
/// points outside it (absolute or by ..) leads to the root's own directory.
fn mount_targets_stay_inside(c: &Coracle, image: &str, tag: &str) {
    let outside = coracle_testkit::runner::shared_tmp().join(format!("coracle-escape-{tag}"));
    let _ = std::fs::remove_dir_all(&outside);
    let dockerfile = format!(
        "FROM {image}\nRUN ln -s {0} /abs && ln -s ../../../../../..{0} /rel\n",
        outside.display()
    );
    let context = dockerfile_only(c, &format!("symlinks-{tag}"), &dockerfile);
    let built = format!("symlinks-{tag}");
    build(c, &["-t", &built, &context.display().to_string()]).success();
    for link in ["/abs", "/rel"] {
        let target = format!("{link}/sub");
        let out = c.run([
            "run",
            "--rm",
            "-v",
            &format!("v{tag}:{target}"),
            &built,
            "sh",
            "-c",
            &format!("echo in > {target}/f && cat {}/sub/f", outside.display()),
        ]);
        out.success().stdout_contains("in");
        assert!(
            !outside.exists(),
            "a mount target was followed to the host's {}",
            outside.display()
        );
    }
}

/// Without --device, a node made in the container does not reach the host's
/// device: mknod is refused (no CAP_MKNOD), and with it the node cannot be opened.
fn device_nodes_reach_nothing(c: &Coracle, image: &str) {
    c.run(["run", "--rm", image, "mknod", "/tmp/mem", "c", "1", "1"])
        .failure()
        .stderr_contains("Operation not permitted");
    c.run([
        "run",
        "--rm",
        "--cap-add",
        "MKNOD",
        image,
        "sh",
        "-c",
        "mknod /tmp/sda b 8 0; mknod /tmp/mem c 1 1; head -c 1 /tmp/mem || head -c 1 /tmp/sda",
    ])
    .failure();
}

/// CVE-2019-5736: a container process watching for processes of the engine's
/// binary never gets it open for writing through /proc/PID/exe: not in its own
/// PID namespace while `exec` joins it, nor in the host's (`--pid host`) while
/// containers start. The watchers watch until stopped: a fixed time ran out
/// before the execs on a loaded machine, and `exec` then found no container.
fn engine_binary_stays_unwritable(c: &Coracle, image: &str) {
    let binary = std::fs::metadata(c.bin()).unwrap();
    let (dev, ino) = (binary.dev().to_string(), binary.ino().to_string());
    let volume = probe_volume();
    let watch = |opts: &[&str]| {
        let mut args = vec!["-v", &volume];
        args.extend(opts);
        args.extend([image, IN_CONTAINER, "exe", "600", &dev, &ino]);
        run_detached(c, &args)
    };
    let inside = watch(&[]);
    let host = watch(&["--pid", "host"]);
    for _ in 0..8 {
        c.run(["exec", &inside, "true"]).success();
        c.run(["run", "--rm", image, "true"]).success();
    }
    for watcher in [inside, host] {
        c.run(["stop", "-t", "60", &watcher]).success();
        let out = c.run(["wait", &watcher]);
        let logs = c.run(["logs", &watcher]);
        assert_eq!(out.success().stdout_trim(), "1", "{logs}");
        assert!(!logs.stdout_trim().contains("for writing"), "{logs}");
        c.run(["rm", &watcher]).success();
    }
}

#[test]
fn escapes_are_closed_rootless() {
    let (c, image) = with_busybox();
    kernel_knobs_stay_read_only(&c, &image);
    no_host_fd_leaks(&c, &image);
    mount_targets_stay_inside(&c, &image, "rootless");
    device_nodes_reach_nothing(&c, &image);
    engine_binary_stays_unwritable(&c, &image);
}

#[test]
fn escapes_are_closed_rootful() {
    let Some((c, image)) = rootful() else {
        return;
    };
    kernel_knobs_stay_read_only(&c, &image);
    no_host_fd_leaks(&c, &image);
    mount_targets_stay_inside(&c, &image, "rootful");
    device_nodes_reach_nothing(&c, &image);
    engine_binary_stays_unwritable(&c, &image);
}

/// `--privileged` rootless is the user's own power, no more: a host file the
/// user cannot write stays unwritten through a bind, and the container's root is
/// still a mapped id.
#[test]
fn privileged_rootless_stays_in_its_user_namespace() {
    let (c, image) = with_busybox();
    if !coracle_testkit::user::is_root() {
        return;
    }
    let dir = coracle_testkit::runner::shared_tmp()
        .join(format!("coracle-hostfile-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("owned-by-root");
    std::fs::write(&file, "host\n").unwrap();
    let bind = format!("{}:/host", dir.display());
    let privileged = |script: &str| {
        c.run([
            "run",
            "--rm",
            "--privileged",
            "-v",
            &bind,
            &image,
            "sh",
            "-c",
            script,
        ])
    };
    for script in [
        "echo escaped >> /host/owned-by-root",
        "touch /host/new",
        // A host-wide knob, written with the value it has.
        "cat /proc/sys/kernel/sysrq > /proc/sys/kernel/sysrq",
    ] {
        privileged(script).failure();
    }
    let out = privileged("cat /proc/self/uid_map");
    let map = out
        .success()
        .stdout_trim()
        .split_whitespace()
        .collect::<Vec<_>>();
    assert_ne!(map, ["0", "0", "4294967295"], "{out}");
    assert_eq!(std::fs::read_to_string(&file).unwrap(), "host\n");
    assert!(!dir.join("new").exists());
    std::fs::remove_dir_all(&dir).unwrap();
}
