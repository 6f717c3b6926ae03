//! --userns (host, keep-id, auto) and `coracle unshare`, rootless and rootful.

use crate::build::give_to_user;
use crate::common::*;
use coracle_testkit::Coracle;
use std::os::unix::fs::MetadataExt;

/// The lines of a /proc/PID/uid_map as (inside, outside, count).
fn map_lines(text: &str) -> Vec<(u64, u64, u64)> {
    text.lines()
        .map(|l| {
            let n: Vec<u64> = l.split_whitespace().map(|f| f.parse().unwrap()).collect();
            (n[0], n[1], n[2])
        })
        .collect()
}

#[test]
fn userns_keep_id_runs_as_the_caller_and_leaves_its_files_the_callers() {
    let (c, image) = with_busybox();
    let user = c.user();
    let script = "id -u; id -g; id -un; stat -c %u /bin/busybox; touch /tmp/mine";
    let out = c.run(["run", "--userns=keep-id", &image, "sh", "-c", script]);
    // The image's root files stay root's inside: the layers are shifted for it.
    out.success()
        .stdout_eq(&format!("{}\n{}\n{}\n0\n", user.uid, user.gid, user.name));
    let id = c.run(["ps", "-aq", "--no-trunc"]).stdout_trim().to_owned();
    let written = c.root().join("containers").join(&id).join("upper/tmp/mine");
    let meta = std::fs::metadata(&written).unwrap();
    assert_eq!((meta.uid(), meta.gid()), (user.uid, user.gid));
}

#[test]
fn userns_keep_id_leaves_files_written_into_a_bind_mount_the_callers() {
    let (c, image) = with_busybox();
    let user = c.user();
    let host = c.dir().join("src");
    std::fs::create_dir_all(&host).unwrap();
    give_to_user(&c, &host);
    let bind = format!("{}:/src", host.display());
    let args = ["run", "--rm", "--userns=keep-id", "-v", &bind, &image];
    c.run(args.iter().copied().chain(["touch", "/src/built"]))
        .success();
    let meta = std::fs::metadata(host.join("built")).unwrap();
    assert_eq!((meta.uid(), meta.gid()), (user.uid, user.gid));
}

#[test]
fn userns_keep_id_u_gives_the_source_to_the_containers_user() {
    let (c, image) = with_busybox();
    let user = c.user();
    let host = c.dir().join("owned");
    std::fs::create_dir_all(&host).unwrap();
    give_to_user(&c, &host);
    // Someone else's first: a subordinate id's.
    let path = host.to_str().unwrap();
    c.run(["unshare", "chown", "5:5", path]).success();
    let bind = format!("{path}:/owned:U");
    let args = ["run", "--rm", "--userns=keep-id", "-v", &bind, &image];
    c.run(
        args.iter()
            .copied()
            .chain(["stat", "-c", "%u:%g", "/owned"]),
    )
    .success()
    .stdout_eq(&format!("{}:{}\n", user.uid, user.gid));
    let meta = std::fs::metadata(&host).unwrap();
    assert_eq!((meta.uid(), meta.gid()), (user.uid, user.gid));
}

#[test]
fn userns_keep_id_takes_the_ids_asked_for() {
    let (c, image) = with_busybox();
    let out = c.run([
        "run",
        "--rm",
        "--userns=keep-id:uid=200,gid=300",
        &image,
        "sh",
        "-c",
        "id -u; id -g; cat /proc/self/uid_map",
    ]);
    let text = out.success().stdout.clone();
    let mut lines = text.lines();
    assert_eq!(lines.next(), Some("200"), "{out}");
    assert_eq!(lines.next(), Some("300"), "{out}");
    // 200 inside is the caller, id 0 of coracle's namespace; the subordinate
    // ids fill the rest.
    let map = map_lines(&lines.collect::<Vec<_>>().join("\n"));
    assert_eq!(map[0], (0, 1, 200), "{out}");
    assert_eq!(map[1], (200, 0, 1), "{out}");
}

#[test]
fn userns_auto_gives_each_container_ids_of_its_own() {
    let (c, image) = with_busybox();
    let first = run_detached(&c, &["--userns=auto", &image, "sleep", "60"]);
    // With --init too: its root cannot reach the run root, where init is kept.
    let second = run_detached(
        &c,
        &["--userns=auto:size=500", "--init", &image, "sleep", "60"],
    );
    let map = |id: &str| {
        let out = c.run(["exec", id, "cat", "/proc/self/uid_map"]);
        map_lines(&out.success().stdout)
    };
    let (a, b) = (map(&first), map(&second));
    assert_eq!(a.len(), 1, "{a:?}");
    assert_eq!(b, vec![(0, b[0].1, 500)]);
    assert!(a[0].2 >= 1024, "{a:?}");
    assert!(
        a[0].1 + a[0].2 <= b[0].1 || b[0].1 + b[0].2 <= a[0].1,
        "{a:?} and {b:?} overlap"
    );
    assert_eq!(
        inspect_field(&c, &second, "{{.HostConfig.UsernsMode}}"),
        "auto:size=500"
    );
    // Its root owns its rootfs, so may write anywhere in it.
    c.run(["exec", &first, "sh", "-c", "id -u; touch /etc/written"])
        .success()
        .stdout_eq("0\n");
    c.run(["rm", "-f", &first, &second]).success();
}

#[test]
fn userns_bad_values_fail_in_one_line_and_create_nothing() {
    let (c, image) = with_busybox();
    for (value, said) in [
        ("bogus", "unrecognized namespace mode bogus passed"),
        ("keep-id:foo=1", "unknown option specified: \"foo\""),
        ("keep-id:uid", "invalid option specified: \"uid\""),
        ("auto:size=x", "size must be a number"),
    ] {
        let out = c.run(["run", "--rm", &format!("--userns={value}"), &image, "true"]);
        out.code(125).stderr_contains(said);
        assert_eq!(out.stderr.lines().count(), 1, "{out}");
    }
    c.run([
        "create",
        "--userns=keep-id",
        "--network",
        "container:x",
        &image,
    ])
    .code(125);
    assert!(c.run(["ps", "-aq"]).success().stdout_trim().is_empty());
}

#[test]
fn unshare_runs_as_root_with_the_subordinate_ids() {
    let c = coracle();
    let user = c.user();
    c.run(["unshare", "id", "-u"]).success().stdout_eq("0\n");
    let out = c.run(["unshare", "cat", "/proc/self/uid_map"]);
    let map = map_lines(&out.success().stdout);
    assert_eq!(map[0], (0, u64::from(user.uid), 1), "{out}");
    if let Some((start, count)) = user.subuid {
        assert_eq!(map[1], (1, u64::from(start), u64::from(count)), "{out}");
    }
    c.run(["unshare", "no-such-command"])
        .code(127)
        .stderr_contains("executable file not found in $PATH");
    c.run(["unshare", "sh", "-c", "exit 3"]).code(3);
}

#[test]
fn userns_rootful_host_auto_and_unshare() {
    let Some(c) = Coracle::rootful(BIN) else {
        return;
    };
    let image = anon_ref("busybox:latest");
    pull(&c, &image).success();
    let host = c.run([
        "run",
        "--rm",
        "--userns=host",
        &image,
        "cat",
        "/proc/self/uid_map",
    ]);
    assert_eq!(map_lines(&host.success().stdout), vec![(0, 0, 4294967295)]);
    let auto = c.run([
        "run",
        "--rm",
        "--userns=auto",
        &image,
        "sh",
        "-c",
        "cat /proc/self/uid_map; touch /etc/x",
    ]);
    let map = map_lines(&auto.success().stdout);
    assert_eq!(map.len(), 1, "{auto}");
    assert!(map[0].1 > 0 && map[0].2 >= 1024, "{auto}");
    c.run(["run", "--rm", "--userns=keep-id", &image, "true"])
        .code(125)
        .stderr_contains("keep-id is only supported in rootless mode");
    c.run(["unshare", "true"])
        .code(125)
        .stderr_contains("please use unshare with rootless");
}

#[test]
fn userns_keep_id_and_auto_need_subordinate_ids() {
    let Some(user) = coracle_testkit::TestUser::nosub() else {
        return;
    };
    let c = Coracle::as_user(BIN, user);
    let image = anon_ref("busybox:latest");
    pull(&c, &image).success();
    for mode in ["keep-id", "auto"] {
        c.run(["run", "--rm", &format!("--userns={mode}"), &image, "true"])
            .code(125)
            .stderr_contains("needs subordinate ids");
    }
    assert!(c.run(["ps", "-aq"]).success().stdout_trim().is_empty());
}

#[test]
fn userns_keep_id_and_auto_containers_reach_others_on_a_user_network() {
    let (c, image) = with_busybox();
    c.run(["network", "create", "uns"]).success();
    let serve = "mkdir -p /tmp/w && echo served > /tmp/w/index.html && httpd -f -p 8080 -h /tmp/w";
    run_detached(
        &c,
        &[
            "--name",
            "web",
            "--network",
            "uns",
            &image,
            "sh",
            "-c",
            serve,
        ],
    );
    for mode in ["keep-id", "auto"] {
        let fetch = "for i in 1 2 3 4 5 6 7 8 9 10; do wget -qO- http://web:8080/ && exit; sleep 0.2; done; exit 1";
        c.run([
            "run",
            "--rm",
            &format!("--userns={mode}"),
            "--network",
            "uns",
            &image,
            "sh",
            "-c",
            fetch,
        ])
        .success()
        .stdout_eq("served\n");
    }
    c.run(["rm", "-f", "web"]).success();
}
