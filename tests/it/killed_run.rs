//! An attached `run` killed while libcontainer's init waits to be started (after
//! `build()`, before `start()`). That init, a clone of the run that has not
//! exec'd, held the monitor lock and the store's files for ever: the container
//! stayed "created" and could neither start ("already running") nor be removed
//! cleanly, and rootless nobody could see what held the lock. It must die with
//! the run (runtime/tether.rs).

use crate::common::{alive, anon_ref, eventually, pull, with_busybox, BIN};
use coracle_testkit::Coracle;
use std::time::{Duration, Instant};

/// libcontainer's name for the init until it execs the container's process.
const WAITING_INIT: &str = "youki:[2:INIT]";

/// The descendants of `pid` (children, recursively) while it lives.
fn descendants(pid: i32) -> Vec<i32> {
    let mut found = Vec::new();
    let mut queue = vec![pid];
    while let Some(p) = queue.pop() {
        let tasks = std::fs::read_dir(format!("/proc/{p}/task"))
            .into_iter()
            .flatten();
        for task in tasks.flatten() {
            let children =
                std::fs::read_to_string(task.path().join("children")).unwrap_or_default();
            let children = children.split_whitespace().filter_map(|c| c.parse().ok());
            for child in children {
                found.push(child);
                queue.push(child);
            }
        }
    }
    found
}

fn comm(pid: i32) -> String {
    std::fs::read_to_string(format!("/proc/{pid}/comm"))
        .unwrap_or_default()
        .trim()
        .to_owned()
}

/// The first init of `run`'s container seen waiting to exec, while `run` lives.
fn waiting_init(run: i32, timeout: Duration) -> Option<i32> {
    let deadline = Instant::now() + timeout;
    while alive(run) && Instant::now() < deadline {
        if let Some(init) = descendants(run)
            .into_iter()
            .find(|p| comm(*p) == WAITING_INIT)
        {
            return Some(init);
        }
        std::thread::sleep(Duration::from_micros(200));
    }
    None
}

/// Kills runs (`run` and `flags` and `true`) as soon as their init shows, until
/// one is caught before its container started; then that init must be gone,
/// and the container start, and go, like any other.
fn killed_before_start_leaves_it_startable(c: &Coracle, image: &str, flags: &[&str]) {
    for attempt in 0..60 {
        let name = format!("killed{attempt}");
        let args = [&["run", "--name", &name][..], flags, &[image, "true"]].concat();
        let mut run = c.spawn(&args);
        let pid = run.id() as i32;
        let init = waiting_init(pid, Duration::from_secs(30));
        let _ = run.kill();
        let _ = run.wait();
        let status = c
            .run(["inspect", "--format", "{{.State.Status}}", &name])
            .stdout
            .trim()
            .to_owned();
        let Some(init) = init.filter(|_| status == "created") else {
            let _ = c.run(["rm", "-f", &name]);
            continue;
        };
        eventually("the waiting init to die with its run", || !alive(init));
        let start = c.run(["start", "--attach", &name]);
        start.success();
        // A --rm container goes by itself once it ran.
        if !flags.contains(&"--rm") {
            c.run(["rm", &name]).success();
        }
        eventually("the container to go", || {
            !c.run(["ps", "-a", "--format", "{{.Names}}"])
                .stdout
                .contains(&name)
        });
        return;
    }
    panic!("no run was killed while its container waited to start, in 60 tries");
}

#[test]
fn a_run_killed_before_its_container_starts_leaves_it_startable_rootless() {
    let (c, image) = with_busybox();
    killed_before_start_leaves_it_startable(&c, &image, &[]);
}

/// A `--rm` container's overlay is mounted volatile, which marks its work dir:
/// the kernel refused to mount it again (EINVAL) when such a run was killed.
#[test]
fn a_run_rm_killed_before_its_container_starts_leaves_it_startable() {
    let (c, image) = with_busybox();
    killed_before_start_leaves_it_startable(&c, &image, &["--rm"]);
}

#[test]
fn a_run_killed_before_its_container_starts_leaves_it_startable_rootful() {
    let Some(c) = Coracle::rootful(BIN) else {
        return;
    };
    let image = anon_ref("busybox:latest");
    pull(&c, &image).success();
    killed_before_start_leaves_it_startable(&c, &image, &[]);
    killed_before_start_leaves_it_startable(&c, &image, &["--rm"]);
}
