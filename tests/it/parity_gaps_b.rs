//! Podman flags that were missing: `diff`/`mount` `--latest`, `mount --all`,
//! `network rm`/`volume rm` `--time`, `system prune --filter`/`--volumes`,
//! and `system service --cors`.

use crate::api::Service;
use crate::common::*;
use coracle_testkit::Coracle;
use std::time::{Duration, Instant};

#[test]
fn diff_takes_the_latest_container() {
    let (c, image) = with_busybox();
    c.run(["run", "--name", "w", &image, "touch", "/gapsb"])
        .success();
    c.run(["diff", "-l"])
        .success()
        .stdout_contains("A /gapsb\n");
    c.run(["container", "diff", "--latest"])
        .success()
        .stdout_contains("A /gapsb\n");
    c.run(["diff", "-l", "w"])
        .code(125)
        .stderr_contains("--latest and containers cannot be used together");
    // An image has no latest.
    c.run(["image", "diff", "-l", &image]).code(125);
}

#[test]
fn mount_takes_the_latest_or_every_container() {
    let Some(c) = Coracle::rootful(BIN) else {
        return;
    };
    let image = anon_ref("busybox:latest");
    c.run(["run", "--name", "one", &image, "sh", "-c", "echo 1 > /n"])
        .success();
    c.run(["run", "--name", "two", &image, "sh", "-c", "echo 2 > /n"])
        .success();
    let latest = c.run(["mount", "-l"]);
    let path = latest.success().stdout_trim();
    assert_eq!(std::fs::read_to_string(format!("{path}/n")).unwrap(), "2\n");
    let all = c.run(["container", "mount", "--all"]);
    let paths = all.success().stdout_lines();
    assert_eq!(paths.len(), 2, "{paths:?}");
    let mut seen: Vec<String> = paths
        .iter()
        .map(|p| std::fs::read_to_string(format!("{p}/n")).unwrap())
        .collect();
    seen.sort();
    assert_eq!(seen, ["1\n", "2\n"]);
    c.run(["mount", "-a", "one"])
        .code(125)
        .stderr_contains("no arguments are needed with --all");
    c.run(["umount", "-a", "-f"]).success();
}

/// `rm -f -t SECONDS` on a network or a volume gives the running container
/// that many seconds: a sleep as PID 1 ignores SIGTERM, so it is killed
/// after them, well before its own 10.
#[test]
fn network_and_volume_rm_give_running_users_their_time() {
    let (c, image) = with_busybox();
    c.run(["network", "create", "gapsnet"]).success();
    run_detached(
        &c,
        &[
            "--network",
            "gapsnet",
            "-v",
            "gapsvol:/v",
            &image,
            "sleep",
            "1000",
        ],
    );
    let started = Instant::now();
    c.run(["network", "rm", "-f", "-t", "1", "gapsnet"])
        .success()
        .stdout_eq("gapsnet\n");
    let took = started.elapsed();
    assert!(took >= Duration::from_secs(1), "{took:?}");
    assert!(took < Duration::from_secs(8), "{took:?}");
    c.run(["ps", "-a", "-q"]).success().stdout_eq("");

    run_detached(&c, &["-v", "gapsvol:/v", &image, "sleep", "1000"]);
    let started = Instant::now();
    c.run(["volume", "rm", "--force", "--time", "1", "gapsvol"])
        .success()
        .stdout_eq("gapsvol\n");
    let took = started.elapsed();
    assert!(took >= Duration::from_secs(1), "{took:?}");
    assert!(took < Duration::from_secs(8), "{took:?}");
    c.run(["ps", "-a", "-q"]).success().stdout_eq("");
    c.run(["volume", "rm", "-t", "soon", "x"]).code(125);
}

#[test]
fn system_prune_filters_and_prunes_volumes_when_asked() {
    let c = coracle();
    c.run(["volume", "create", "--label", "a=b", "picked"])
        .success();
    c.run(["volume", "create", "kept"]).success();
    c.run(["system", "prune", "-f"]).success();
    c.run(["volume", "ls", "-q"])
        .success()
        .stdout_eq("kept\npicked\n");
    c.run([
        "system",
        "prune",
        "--volumes",
        "--filter",
        "label=a=b",
        "-f",
    ])
    .success()
    .stdout_eq("Deleted Volumes\npicked\nTotal reclaimed space: 0B\n");
    c.run(["volume", "ls", "-q"]).success().stdout_eq("kept\n");
    c.run(["system", "prune", "--filter", "bogus=1", "-f"])
        .code(125)
        .stderr_contains("invalid filter \"bogus=1\"");
    c.run(["volume", "ls", "-q"]).success().stdout_eq("kept\n");
}

#[test]
fn service_sends_the_cors_origin_it_was_given() {
    let c = coracle();
    let cors = Service::start_with(&c, &["--time", "0", "--cors", "https://example.test"]);
    let reply = cors.call("GET", "/_ping", None);
    assert_eq!(reply.status, 200);
    assert_eq!(
        reply.header("access-control-allow-origin"),
        Some("https://example.test")
    );
    drop(cors);
    let plain = Service::start(&c);
    let reply = plain.call("GET", "/_ping", None);
    assert_eq!(reply.header("access-control-allow-origin"), None);
}
