//! coracle's own FUSE overlay (--storage-driver fuse-overlay): a file-system
//! conformance script run in a container on it gives what it gives on the
//! kernel overlay, `diff` sees the same changes, and a server that died
//! gives the container errors while host commands go on.

use crate::build::context;
use crate::common::*;
use crate::probe::probe_volume;
use coracle_testkit::Coracle;

/// A coracle whose store uses `driver`, with an image whose lower layer
/// holds what the script changes.
fn with_driver(driver: &str) -> Coracle {
    let c = coracle();
    let conf = c.config_home().join("containers/storage.conf");
    c.write_user_file(
        &conf,
        format!("[storage]\ndriver = \"{driver}\"\n").as_bytes(),
    );
    let image = anon_ref("busybox:latest");
    pull(&c, &image).success();
    let dir = context(
        &c,
        "lowered",
        &[("Dockerfile", &format!("FROM {image}\nRUN {LOWER}\n"))],
    );
    c.run(["build", "-q", "-t", "lowered", dir.to_str().unwrap()])
        .success();
    c
}

/// What the lower layer holds for the script.
const LOWER: &str = "mkdir -p /l/dir /l/opaque/inner /l/gone && echo lower > /l/file \
    && echo a > /l/dir/a && echo b > /l/dir/b && echo x > /l/opaque/inner/x \
    && echo y > /l/opaque/y && echo t > /l/gone/t && ln -s file /l/sym \
    && echo 0123456789 > /l/big && echo mmmm > /l/mm && mkdir -p /l/tree/sub \
    && echo s > /l/tree/sub/s && seq 1 300000 > /l/seq \
    && echo p > /l/p && echo q > /l/q && mkdir /l/ldir";

/// Each step prints what a user would look at; the two drivers must agree.
const SCRIPT: &str = r#"
cd /l
echo '# copy-up'; echo appended >> file; cat file
echo '# rename of a lower file'; mv dir/a dir/renamed; ls dir
echo '# rename over a lower file'; echo new > n; mv n dir/b; cat dir/b; ls
echo '# hard link of a lower file'; ln file hard; stat -c '%h' file hard
echo more >> hard; cat file
echo '# symlinks'; ln -s dir/b sym2; readlink sym sym2; cat sym sym2
echo '# unlink of a lower file, readdir after'; rm dir/renamed; ls -a dir
echo '# rmdir of a lower dir'; rm gone/t; ls -a gone; rmdir gone; ls
echo '# opaque dir'; rm -rf opaque; mkdir opaque; ls -a opaque; echo o > opaque/new; ls -a opaque
echo '# chmod, chown'; chmod 0600 big; chown 12:34 big; stat -c '%a %u:%g' big
echo '# truncate'; truncate -s 3 big; cat big; echo; stat -c '%s' big
echo '# xattr'; /probe setxattr mm user.test hello; /probe getxattr mm user.test
echo '# mmap'; /probe mmap mm MM; cat mm
echo '# directory that lower layers fill, moved'; mv tree moved; ls moved/sub; ls -d tree 2>&1 | sed 's/.*tree.*/gone/'
echo '# create, delete, readdir'; mkdir d2; for i in 1 2 3; do echo $i > d2/f$i; done; rm d2/f2; ls d2
echo '# rename over, then back'; mv d2/f1 d2/f3; cat d2/f3; ls d2
echo '# whiteout then new file'; rm mm; echo again > mm; cat mm
echo '# large lower file, whole and in pieces'; md5sum seq; tail -c 20 seq
dd if=seq bs=4096 skip=100 count=3 2>/dev/null | md5sum; cat seq seq | wc -c
echo '# exchange'; /probe exchange p q; cat p q; echo u > u; /probe exchange u p; cat u p
mkdir ud; echo in > ud/in; /probe exchange ud ldir; mkdir ud2; /probe exchange ud ud2; ls ud2
/probe rename_whiteout q w; ls p q w 2>&1 | sed 's/.*w.*/no w/'
echo '# POSIX locks'; /probe lock q
echo '# setuid program'; cp /probe suid; chmod 4755 suid; echo 'u:x:1000:1000::/:/bin/sh' >> /etc/passwd
su u -c '/l/suid euid'
"#;

fn run_script(c: &Coracle) -> String {
    let probe = probe_volume();
    let out = c.run([
        "run", "--name", "fs", "-v", &probe, "lowered", "sh", "-c", SCRIPT,
    ]);
    out.success();
    out.stdout
}

fn diff_of(c: &Coracle) -> Vec<String> {
    let mut lines: Vec<String> = c
        .run(["diff", "fs"])
        .success()
        .stdout_lines()
        .into_iter()
        .map(str::to_owned)
        .collect();
    lines.sort();
    lines
}

#[test]
fn the_conformance_script_gives_what_the_kernel_overlay_gives() {
    let fuse = with_driver("fuse-overlay");
    let kernel = with_driver("overlay");
    let on_fuse = run_script(&fuse);
    let on_kernel = run_script(&kernel);
    assert_eq!(on_fuse, on_kernel);
    assert!(on_fuse.contains("setxattr ok\nhello\n"), "{on_fuse}");
    assert!(on_fuse.contains("MMmm"), "{on_fuse}");
    assert!(on_fuse.contains("# setuid program\n0\n"), "{on_fuse}");
    assert_eq!(diff_of(&fuse), diff_of(&kernel));
    assert_eq!(
        inspect_field(&fuse, "fs", "{{.GraphDriver.Name}}"),
        "fuse-overlay"
    );
}

/// The pid of the FUSE server serving container `id`, found by its command
/// line (the container's upper dir is in it).
fn server_of(id: &str) -> Option<i32> {
    std::fs::read_dir("/proc").ok()?.flatten().find_map(|e| {
        let pid: i32 = e.file_name().to_str()?.parse().ok()?;
        let cmdline = std::fs::read(e.path().join("cmdline")).ok()?;
        let cmdline = String::from_utf8_lossy(&cmdline);
        (cmdline.contains("__fuse-overlay") && cmdline.contains(id)).then_some(pid)
    })
}

/// Opens names that are not there, a new one each time (the kernel keeps
/// the answer for a name it asked about), with builtins only, until the
/// answer is not ENOENT any more; says it and exits.
const PROBING: &str = r#"echo probing
i=0
while :; do
  i=$((i+1))
  e=$( { : < /l/none-$i; } 2>&1 )
  case "$e" in *"o such file"*) ;; *) echo "then: $e"; exit 3;; esac
done"#;

#[test]
fn a_killed_server_gives_errors_inside_and_host_commands_go_on() {
    let c = with_driver("fuse-overlay");
    let id = run_detached(&c, &["lowered", "sh", "-c", PROBING]);
    eventually("the probe to start", || {
        c.run(["logs", &id]).stdout.contains("probing")
    });
    let pid = server_of(&id).expect("a server for the container");
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(pid),
        nix::sys::signal::Signal::SIGKILL,
    )
    .unwrap();
    eventually("the container to see the server gone", || {
        let logs = c.run(["logs", &id]).stdout;
        logs.contains("then:")
    });
    // ENOTCONN from the open, or SIGBUS in the subshell's fork when a page of
    // busybox mapped from the dead mount is touched: an error, never a hang.
    let logs = c.run(["logs", &id]);
    let text = format!("{}{}", logs.stdout, logs.stderr);
    assert!(
        ["not connected", "I/O error", "Bus error"]
            .iter()
            .any(|e| text.contains(e)),
        "{logs}"
    );
    // The host side goes on: the container is seen as it is, and goes.
    eventually("the container to exit", || {
        inspect_field(&c, &id, "{{.State.Status}}") == "exited"
    });
    assert_ne!(inspect_field(&c, &id, "{{.State.ExitCode}}"), "0");
    c.run(["rm", "-f", "-t", "0", &id]).success();
    c.run(["ps", "-aq"]).success().stdout_eq("");
}

#[test]
fn the_server_goes_with_the_container() {
    let c = with_driver("fuse-overlay");
    let id = run_detached(&c, &["lowered", "sleep", "600"]);
    assert!(server_of(&id).is_some());
    c.run(["rm", "-f", "-t", "0", &id]).success();
    eventually("the server to exit", || server_of(&id).is_none());
}
