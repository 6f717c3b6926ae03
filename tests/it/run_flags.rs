//! Podman's run flags about the process and its namespaces (`--tz`, `--umask`,
//! `--sysctl`, `--pid`, `--device`, ...), each observed from inside the
//! container, and their bad values refused before anything is created.

use crate::common::*;
use coracle_testkit::Coracle;

/// `run --rm --network none IMAGE sh -c SCRIPT` with `flags` before the image.
fn sh(c: &Coracle, image: &str, flags: &[&str], script: &str) -> coracle_testkit::Output {
    let args = ["run", "--rm", "--network", "none"]
        .into_iter()
        .chain(flags.iter().copied())
        .chain([image, "sh", "-c", script]);
    c.run(args)
}

#[test]
fn run_flags_tz_umask_and_shm_size_are_seen_inside() {
    let (c, image) = with_busybox();
    let out = sh(
        &c,
        &image,
        &["--tz", "Europe/Berlin"],
        "md5sum < /etc/localtime",
    );
    let inside = out
        .success()
        .stdout_trim()
        .split(' ')
        .next()
        .unwrap()
        .to_owned();
    let host = std::process::Command::new("md5sum")
        .arg("/usr/share/zoneinfo/Europe/Berlin")
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&host.stdout).starts_with(&inside));
    sh(&c, &image, &["--umask", "0077"], "umask").stdout_eq("0077\n");
    sh(&c, &image, &[], "umask").stdout_eq("0022\n");
    let df = sh(
        &c,
        &image,
        &["--shm-size", "1m"],
        "df -k /dev/shm | tail -1",
    );
    let size: Vec<&str> = df.success().stdout_trim().split_whitespace().collect();
    assert_eq!(size[1], "1024", "{df}");
}

#[test]
fn run_flags_environment_layers() {
    let (mut c, image) = with_busybox();
    c.env("CORACLE_RF_HOST", "from-host")
        .env("http_proxy", "http://proxy.test:3128");
    sh(&c, &image, &["--env-host"], "echo $CORACLE_RF_HOST").stdout_eq("from-host\n");
    sh(
        &c,
        &image,
        &[],
        "echo ${CORACLE_RF_HOST:-unset} $http_proxy",
    )
    .stdout_eq("unset http://proxy.test:3128\n");
    sh(
        &c,
        &image,
        &["--http-proxy=false"],
        "echo ${http_proxy:-none}",
    )
    .stdout_eq("none\n");
    sh(
        &c,
        &image,
        &["--env-merge", "PATH=/opt/x:${PATH}"],
        "echo $PATH",
    )
    .stdout_eq("/opt/x:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\n");
    sh(
        &c,
        &image,
        &["-e", "KEEP=1", "--unsetenv", "HOME"],
        "env | grep -c ^KEEP=",
    )
    .stdout_eq("1\n");
    // libcontainer needs PATH to find the command: said before anything is made.
    c.run(["run", "--rm", "--unsetenv-all", &image, "true"])
        .code(125)
        .stderr_contains("coracle does not support a container without PATH");
    assert!(c.run(["ps", "-aq"]).success().stdout_trim().is_empty());
}

#[test]
fn run_flags_namespaces_host_and_private() {
    let (c, image) = with_busybox();
    let host_pid = std::fs::read_link("/proc/self/ns/pid").unwrap();
    let inside = sh(&c, &image, &["--pid", "host"], "readlink /proc/self/ns/pid");
    inside
        .success()
        .stdout_eq(&format!("{}\n", host_pid.display()));
    let own = sh(&c, &image, &[], "readlink /proc/self/ns/pid; echo $$");
    assert_ne!(own.stdout_lines()[0], host_pid.display().to_string());
    assert_eq!(own.stdout_lines()[1], "1");
    let hostname = nix::unistd::gethostname().unwrap();
    sh(&c, &image, &["--uts", "host"], "hostname")
        .stdout_eq(&format!("{}\n", hostname.to_string_lossy()));
    let host_ipc = std::fs::read_link("/proc/self/ns/ipc").unwrap();
    sh(&c, &image, &["--ipc", "host"], "readlink /proc/self/ns/ipc")
        .stdout_eq(&format!("{}\n", host_ipc.display()));
    sh(
        &c,
        &image,
        &["--ipc", "none"],
        "test -e /dev/shm || echo no-shm",
    )
    .stdout_eq("no-shm\n");
    let host_cg = std::fs::read_link("/proc/self/ns/cgroup").unwrap();
    let private = sh(
        &c,
        &image,
        &["--cgroupns", "private"],
        "readlink /proc/self/ns/cgroup",
    );
    assert_ne!(
        private.success().stdout_trim(),
        host_cg.display().to_string()
    );
    c.run([
        "run",
        "--rm",
        "--uts",
        "host",
        "--hostname",
        "x",
        &image,
        "true",
    ])
    .code(125)
    .stderr_contains("cannot set hostname when running in the host UTS namespace");
}

#[test]
fn run_flags_ipc_and_uts_of_another_container() {
    let (c, image) = with_busybox();
    let first = run_detached(&c, &["--network", "none", &image, "sleep", "60"]);
    let ns = |kind: &str| {
        let out = c.run(["exec", &first, "readlink", &format!("/proc/self/ns/{kind}")]);
        out.success().stdout_trim().to_owned()
    };
    let (its_ipc, its_uts) = (ns("ipc"), ns("uts"));
    let container = format!("container:{first}");
    let out = sh(
        &c,
        &image,
        &["--ipc", &container, "--uts", &container],
        "readlink /proc/self/ns/ipc; readlink /proc/self/ns/uts; hostname",
    );
    let want = [its_ipc.as_str(), its_uts.as_str(), &first[..12]];
    assert_eq!(out.success().stdout_lines(), want, "{out}");
    c.run(["run", "--rm", "--pid", &container, &image, "true"])
        .code(125)
        .stderr_contains("coracle does not support --pid container:");
    c.run(["rm", "-f", &first]).success();
}

#[test]
fn run_flags_sysctl_group_add_personality_and_device() {
    let (c, image) = with_busybox();
    sh(
        &c,
        &image,
        &[
            "--sysctl",
            "kernel.shmmax=1000",
            "--sysctl",
            "net.ipv4.ip_forward=1",
        ],
        "cat /proc/sys/kernel/shmmax /proc/sys/net/ipv4/ip_forward",
    )
    .stdout_eq("1000\n1\n");
    sh(
        &c,
        &image,
        &["--group-add", "10", "--group-add", "20"],
        "id -G",
    )
    .stdout_eq("0 10 20\n");
    sh(&c, &image, &["--personality", "LINUX32"], "uname -m").stdout_eq("i686\n");
    let out = sh(
        &c,
        &image,
        &["--device", "/dev/null:/dev/mine:rw"],
        "stat -c %t,%T /dev/mine; echo x > /dev/mine && echo written",
    );
    out.success().stdout_eq("1,3\nwritten\n");
}

#[test]
fn run_flags_read_only_tmpfs_chrootdirs_and_inspect() {
    let (c, image) = with_busybox();
    sh(
        &c,
        &image,
        &["--read-only"],
        "touch /tmp/a /run/a /var/tmp/a && echo ok",
    )
    .stdout_eq("ok\n");
    sh(
        &c,
        &image,
        &["--read-only", "--read-only-tmpfs=false"],
        "touch /tmp/a",
    )
    .failure();
    sh(
        &c,
        &image,
        &["--chrootdirs", "/jail"],
        "cat /jail/etc/hosts | grep -c localhost",
    )
    .success();
    let labels = c.dir().join("labels");
    c.write_user_file(&labels, b"# comment\nteam=a\n\nlevel=3\n");
    let id = c
        .run([
            "create",
            "--annotation",
            "org.test=yes",
            "--stop-timeout",
            "3",
            "--umask",
            "027",
            "--tz",
            "UTC",
            "--pid",
            "host",
            "--shm-size",
            "2m",
            "--group-add",
            "10",
            "--label-file",
            labels.to_str().unwrap(),
            &image,
        ])
        .success()
        .stdout_trim()
        .to_owned();
    let template = "{{index .Config.Annotations \"org.test\"}} {{.Config.StopTimeout}} {{.Config.Umask}} {{.Config.Timezone}} {{.HostConfig.PidMode}} {{.HostConfig.IpcMode}} {{.HostConfig.ShmSize}} {{json .HostConfig.GroupAdd}} {{.Config.Labels.team}} {{.Config.Labels.level}}";
    assert_eq!(
        inspect_field(&c, &id, template),
        r#"yes 3 0027 UTC host shareable 2097152 ["10"] a 3"#
    );
}

#[test]
fn run_flags_stop_waits_the_stop_timeout() {
    let (c, image) = with_busybox();
    // sh as PID 1 ignores SIGTERM: only the kill after the timeout ends it.
    let id = run_detached(
        &c,
        &[
            "--network",
            "none",
            "--stop-timeout",
            "1",
            &image,
            "sleep",
            "60",
        ],
    );
    let started = std::time::Instant::now();
    c.run(["stop", &id]).success();
    let took = started.elapsed();
    assert!(took < std::time::Duration::from_secs(8), "{took:?}");
    assert!(took >= std::time::Duration::from_secs(1), "{took:?}");
}

#[test]
fn run_flags_attach_only_stdout() {
    let (c, image) = with_busybox();
    let out = sh(&c, &image, &["-a", "stdout"], "echo out; echo err >&2");
    out.success().stdout_eq("out\n");
    assert!(!out.stderr.contains("err"), "{out}");
}

#[test]
fn run_flags_bad_values_are_refused_before_anything_is_made() {
    let (c, image) = with_busybox();
    let refused = [
        (
            &["--tz", "Foo/Bar"][..],
            "stat /usr/share/zoneinfo/Foo/Bar: no such file or directory",
        ),
        (&["--umask", "999"], "invalid umask string 999"),
        (
            &["--shm-size", "1x"],
            "unable to translate --shm-size: invalid size: '1x'",
        ),
        (
            &["--sysctl", "vm.swappiness=1"],
            "sysctl 'vm.swappiness' is not allowed",
        ),
        (
            &["--sysctl", "foo"],
            "sysctl values must be in the form of KEY=VALUE",
        ),
        (
            &["--ipc", "host", "--sysctl", "kernel.shmmax=1"],
            "can't be set since IPC Namespace set to host",
        ),
        (
            &["--pid", "bogus"],
            "unrecognized namespace mode bogus passed",
        ),
        (
            &["--cgroupns", "container:x"],
            "unrecognized namespace mode container:x passed",
        ),
        (
            &["--device", "/etc/hostname"],
            "/etc/hostname is not a device",
        ),
        (&["--device", "/dev/nonexistent"], "stat /dev/nonexistent"),
        (
            &["--annotation", "novalue"],
            "annotations must be formatted KEY=VALUE",
        ),
        (&["--personality", "FOO"], "invalid personality"),
        (
            &["--group-add", "nosuchgroup"],
            "unable to find group nosuchgroup",
        ),
        (
            &["--init", "--init-path", "/nope"],
            "container-init binary not found on the host",
        ),
        (&["-a", "bogus"], "invalid stream \"bogus\" for --attach"),
        (&["--systemd", "bogus"], "--systemd values must be one of"),
        (
            &["--systemd", "always"],
            "coracle does not support --systemd=always",
        ),
        (
            &["--seccomp-policy", "image"],
            "coracle does not support --seccomp-policy=image",
        ),
        (
            &["--seccomp-policy", "bogus"],
            "invalid seccomp policy \"bogus\"",
        ),
        (&["--uidmap", "0:1:1"], "coracle does not support --uidmap"),
        (&["--rootfs"], "coracle does not support --rootfs"),
        (
            &["--authfile", "/tmp/x.json"],
            "coracle does not support --authfile",
        ),
        (
            &["--platform", "linux/amd64", "--arch", "arm64"],
            "--platform option can only be specified if --arch and --os are not",
        ),
        (&["--stop-timeout", "x"], "invalid value 'x'"),
    ];
    for (flags, message) in refused {
        let args = ["run", "--rm"]
            .into_iter()
            .chain(flags.iter().copied())
            .chain([image.as_str(), "true"]);
        let out = c.run(args);
        out.code(125).stderr_contains(message);
    }
    assert!(c.run(["ps", "-aq"]).success().stdout_trim().is_empty());
}

#[test]
fn run_flags_rootful_pid_host_and_sysctl() {
    let Some(c) = Coracle::rootful(BIN) else {
        return;
    };
    let image = anon_ref("busybox:latest");
    pull(&c, &image).success();
    let host_pid = std::fs::read_link("/proc/self/ns/pid").unwrap();
    sh(
        &c,
        &image,
        &["--pid", "host", "--sysctl", "kernel.shmmax=2000"],
        "readlink /proc/self/ns/pid; cat /proc/sys/kernel/shmmax",
    )
    .stdout_eq(&format!("{}\n2000\n", host_pid.display()));
}

#[test]
fn run_flags_preserve_fds_passes_the_callers_descriptors() {
    use std::os::fd::AsRawFd;
    use std::os::unix::process::CommandExt;
    let (c, image) = with_busybox();
    let path = c.dir().join("passed");
    c.write_user_file(&path, b"through fd 3\n");
    let with_fd3 = |args: &[&str]| {
        // A file of its own each time: a shared one would be read to its end.
        let file = std::fs::File::open(&path).unwrap();
        let raw = file.as_raw_fd();
        let mut cmd = c.command(args);
        // SAFETY: dup2 is async-signal-safe.
        unsafe {
            cmd.pre_exec(move || match libc::dup2(raw, 3) {
                -1 => Err(std::io::Error::last_os_error()),
                _ => Ok(()),
            });
        }
        c.run_command(cmd)
    };
    let run = ["run", "--rm", "--network", "none"];
    let script = "cat <&3 || echo closed";
    let passed = [
        &run[..],
        &["--preserve-fds", "1", &image, "sh", "-c", script],
    ]
    .concat();
    with_fd3(&passed).success().stdout_eq("through fd 3\n");
    let detached = [
        &["run", "-d", "--network", "none"][..],
        &["--preserve-fds", "1", &image, "sh", "-c", script],
    ]
    .concat();
    let id = with_fd3(&detached).success().stdout_trim().to_owned();
    eventually("the detached container to exit", || {
        c.run(["logs", &id]).stdout.contains("through fd 3")
    });
    let kept = [&run[..], &[&image, "sh", "-c", script]].concat();
    with_fd3(&kept).success().stdout_contains("closed");
    c.run([&run[..], &["--preserve-fds", "2", &image, "true"]].concat())
        .code(125)
        .stderr_contains("file descriptor 3 is not available");
}

#[test]
fn run_flags_sig_proxy_false_needs_a_terminal_or_detach() {
    let (c, image) = with_busybox();
    c.run(["run", "--rm", "--sig-proxy=false", &image, "true"])
        .code(125)
        .stderr_contains("coracle does not support --sig-proxy=false without -t");
    let id = run_detached(
        &c,
        &["--sig-proxy=false", "--network", "none", &image, "true"],
    );
    assert_eq!(id.len(), 64);
}

#[test]
fn run_flags_requires_starts_the_dependency_and_hostuser_adds_the_account() {
    let (c, image) = with_busybox();
    let dep = c
        .run([
            "create",
            "--name",
            "dep",
            "--network",
            "none",
            &image,
            "sleep",
            "60",
        ])
        .success()
        .stdout_trim()
        .to_owned();
    sh(&c, &image, &["--requires", "dep"], "true").success();
    assert_eq!(inspect_field(&c, &dep, "{{.State.Status}}"), "running");
    c.run(["run", "--rm", "--requires", "nope", &image, "true"])
        .code(125)
        .stderr_contains("\"nope\" is not a valid container, cannot be used as a dependency");
    let user = c.user();
    let line = format!("{}:*:{}:{}:", user.name, user.uid, user.gid);
    sh(
        &c,
        &image,
        &["--hostuser", &user.name],
        "tail -1 /etc/passwd",
    )
    .stdout_contains(&line);
    c.run([
        "run",
        "--rm",
        "--hostuser",
        "no-such-user-here",
        &image,
        "true",
    ])
    .code(125)
    .stderr_contains("user: unknown user no-such-user-here");
    c.run(["rm", "-f", &dep]).success();
}
