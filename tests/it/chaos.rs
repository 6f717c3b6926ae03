//! Chaos: kill -9 at random moments of every command that changes the store, many
//! commands at once on one store, and monitors killed in the middle of a
//! container's life. After each, every command must still work, nothing
//! half-written may be listed, nothing may be lost, and `system prune` must reclaim
//! what the killed commands left.
//!
//! Random but replayable: the seed is printed; `CORACLE_CHAOS_SEED=N` replays a run
//! and `CORACLE_CHAOS_TRIALS=N` asks for more trials (and lifts the time bound).

use crate::build::context;
use crate::common::*;
use coracle_testkit::runner::wait_output;
use coracle_testkit::{Coracle, Output};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use std::collections::BTreeSet;
use std::path::Path;
use std::process::Child;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// Trials and seconds the kill loop gets when CORACLE_CHAOS_TRIALS is not set:
/// the trials, unless the machine is so slow that the time runs out first.
const TRIALS: usize = 200;
const SECONDS: u64 = 150;
/// Stores under chaos at once, each with its own trials: a trial mostly waits
/// (for a kill, for a listing), so two at once make about twice the trials.
const WORKERS: u64 = 2;

fn seed(what: &str) -> u64 {
    let seed = std::env::var("CORACLE_CHAOS_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(rand::random::<u64>);
    eprintln!("chaos {what}: seed {seed} (replay with CORACLE_CHAOS_SEED={seed})");
    seed
}

fn rng(what: &str) -> StdRng {
    StdRng::seed_from_u64(seed(what))
}

/// How many trials, and for how long at most (unbounded when asked for a number).
fn budget() -> (usize, Duration) {
    match std::env::var("CORACLE_CHAOS_TRIALS")
        .ok()
        .and_then(|s| s.parse().ok())
    {
        Some(n) => (n, Duration::from_secs(u64::MAX / 4)),
        None => (TRIALS, Duration::from_secs(SECONDS)),
    }
}

/// Kills `child` with SIGKILL after `delay` unless it ended first: whether it was
/// killed, and what it said when it was not.
fn kill_after(mut child: Child, delay: Duration) -> (bool, Option<Output>) {
    let start = Instant::now();
    loop {
        if child.try_wait().unwrap().is_some() {
            let out = wait_output(child, vec![], Duration::from_secs(10));
            return (false, Some(out));
        }
        if start.elapsed() >= delay {
            let _ = child.kill();
            let _ = child.wait();
            return (true, None);
        }
        std::thread::sleep(Duration::from_millis(2));
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    Pull,
    Build,
    Run,
    RunDetached,
    Commit,
    Rm,
    Rmi,
    Push,
    Load,
}

const OPS: [Op; 9] = [
    Op::Pull,
    Op::Build,
    Op::Run,
    Op::RunDetached,
    Op::Commit,
    Op::Rm,
    Op::Rmi,
    Op::Push,
    Op::Load,
];

/// One store under chaos, and what must be in it.
struct Chaos {
    c: Coracle,
    base: String,
    /// Names what this store pushes to the shared registry.
    worker: String,
    context: String,
    archive: String,
    /// Names (images by tag, containers by name) that must be listed.
    images: BTreeSet<String>,
    containers: BTreeSet<String>,
    /// The shortest run of each op left alone, in ms: kills land before it.
    took: [u64; 9],
    lost: usize,
    unusable: usize,
    /// Created containers that would not start.
    unstartable: BTreeSet<String>,
    /// The processes that hold their locks, killed at the end.
    orphans: BTreeSet<i32>,
}

const PULLED: [&str; 3] = ["multilayer:latest", "multilayer:zstd", "busybox:oci-zstd"];
const LOADED: &str = "localhost/loaded:latest";

impl Chaos {
    fn new((c, base): (Coracle, String), worker: String) -> Chaos {
        c.run(["tag", &base, "localhost/keep:1"]).success();
        c.run(["create", "--name", "keeper", &base, "true"])
            .success();
        let dir = context(
            &c,
            "ctx",
            &[(
                "Dockerfile",
                &format!("FROM {base}\nRUN echo built > /built\n"),
            )],
        );
        let ml = anon_ref("multilayer:latest");
        pull(&c, &ml).success();
        c.run(["tag", &ml, LOADED]).success();
        let archive = c.dir().join("loaded.tar");
        c.run(["save", "-o", archive.to_str().unwrap(), LOADED])
            .success();
        c.run(["rmi", &ml, LOADED]).success();
        Chaos {
            c,
            base,
            worker,
            context: dir.to_str().unwrap().to_owned(),
            archive: archive.to_str().unwrap().to_owned(),
            images: ["localhost/keep:1".to_owned()].into(),
            containers: ["keeper".to_owned()].into(),
            took: [0; 9],
            lost: 0,
            unusable: 0,
            unstartable: BTreeSet::new(),
            orphans: BTreeSet::new(),
        }
    }

    /// The command `op` runs in trial `n` (after whatever it needs was set up,
    /// unkilled), and what it makes when it finishes.
    fn prepare(&mut self, op: Op, n: usize, rng: &mut StdRng) -> (Vec<String>, Option<Made>) {
        let s = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        match op {
            Op::Pull => {
                let name = anon_ref(PULLED[rng.random_range(0..PULLED.len())]);
                let _ = self.c.run(["rmi", "-f", &name]);
                self.images.remove(&name);
                (s(&["pull", &name]), Some(Made::Image(name)))
            }
            Op::Build => {
                let tag = format!("localhost/built:{n}");
                let args = s(&["build", "--no-cache", "-t", &tag, &self.context]);
                (args, Some(Made::Image(tag)))
            }
            Op::Run => (s(&["run", "--rm", &self.base, "true"]), None),
            Op::RunDetached => {
                let name = format!("d{n}");
                let args = s(&["run", "-d", "--name", &name, &self.base, "sleep", "600"]);
                (args, Some(Made::Container(name)))
            }
            Op::Commit => {
                let tag = format!("localhost/committed:{n}");
                (s(&["commit", "keeper", &tag]), Some(Made::Image(tag)))
            }
            Op::Rm => {
                let name = match self.containers.iter().find(|c| *c != "keeper") {
                    Some(name) => name.clone(),
                    None => {
                        let name = format!("r{n}");
                        self.c
                            .run(["create", "--name", &name, &self.base, "true"])
                            .success();
                        name
                    }
                };
                self.containers.remove(&name);
                (s(&["rm", "-f", &name]), None)
            }
            Op::Rmi => {
                let tag = match self.images.iter().find(|i| *i != "localhost/keep:1") {
                    Some(tag) => tag.clone(),
                    None => {
                        let tag = format!("localhost/doomed:{n}");
                        self.c.run(["commit", "keeper", &tag]).success();
                        tag
                    }
                };
                self.images.remove(&tag);
                (s(&["rmi", "-f", &tag]), None)
            }
            Op::Push => {
                let dest = anon_ref(&format!("chaos/pushed-{}:{n}", self.worker));
                (s(&["push", "localhost/keep:1", &dest]), None)
            }
            Op::Load => {
                let _ = self.c.run(["rmi", "-f", LOADED]);
                self.images.remove(LOADED);
                let args = s(&["load", "-i", &self.archive]);
                (args, Some(Made::Image(LOADED.to_owned())))
            }
        }
    }

    /// One trial: `op` started and killed at a random moment of its usual run
    /// (or let finish, now and then), or let run to the end with `calibrate`.
    /// Returns whether it was killed.
    fn trial(&mut self, op: Op, n: usize, rng: &mut StdRng, calibrate: bool) -> bool {
        let (args, made) = self.prepare(op, n, rng);
        let slot = OPS.iter().position(|o| *o == op).unwrap();
        let delay = match calibrate {
            true => Duration::from_secs(300),
            false => Duration::from_millis(rng.random_range(0..=self.took[slot])),
        };
        let started = Instant::now();
        let (killed, finished) = kill_after(self.c.spawn(&args), delay);
        if !killed {
            let ms = started.elapsed().as_millis() as u64;
            self.took[slot] = if self.took[slot] == 0 {
                ms
            } else {
                self.took[slot].min(ms)
            };
        }
        let Some(out) = finished else {
            return killed;
        };
        match (out.code == Some(0), made) {
            (true, Some(Made::Image(name))) => {
                self.images.insert(name);
            }
            (true, Some(Made::Container(name))) => {
                self.containers.insert(name);
            }
            (false, _) => {
                eprintln!("trial {n}: {args:?} failed unkilled\n{out}");
                self.unusable += 1;
            }
            _ => {}
        }
        killed
    }

    /// The store still works: it lists images or containers (or both, inspecting
    /// everything listed, and starting every created container and running every
    /// listed image too), and holds what it must.
    fn check(&mut self, n: usize, depth: Depth) {
        let images = match depth {
            Depth::Containers => Some(Vec::new()),
            _ => self.list(&[
                "images",
                "-a",
                "--format",
                "{{.ID}} {{.Repository}}:{{.Tag}}",
            ]),
        };
        let containers = match depth {
            Depth::Images => Some(Vec::new()),
            _ => self.list(&["ps", "-a", "--format", "{{.ID}} {{.Names}}"]),
        };
        let (Some(images), Some(containers)) = (images, containers) else {
            eprintln!("trial {n}: the store cannot list");
            self.unusable += 1;
            return;
        };
        let names: BTreeSet<&str> = images
            .iter()
            .chain(&containers)
            .map(|(_, name)| name.as_str())
            .collect();
        let (check_images, check_containers) = match depth {
            Depth::Images => (true, false),
            Depth::Containers => (false, true),
            _ => (true, true),
        };
        let wanted = self
            .images
            .iter()
            .filter(|_| check_images)
            .chain(self.containers.iter().filter(|_| check_containers));
        for want in wanted.filter(|w| !names.contains(w.as_str())) {
            eprintln!("trial {n}: {want} was lost");
            self.lost += 1;
        }
        let listed = |w: &String| names.contains(w.as_str());
        if check_images {
            self.images.retain(listed);
        }
        if check_containers {
            self.containers.retain(listed);
        }
        if matches!(depth, Depth::Images | Depth::Containers) {
            return;
        }
        let ids: BTreeSet<&str> = images
            .iter()
            .chain(&containers)
            .map(|(id, _)| id.as_str())
            .collect();
        let out = self
            .c
            .run(["inspect"].into_iter().chain(ids.iter().copied()));
        if out.code != Some(0) || out.json().as_array().map(Vec::len) != Some(ids.len()) {
            eprintln!("trial {n}: inspect of what is listed failed\n{out}");
            self.unusable += 1;
        }
        if depth == Depth::Run {
            // A container listed as created must start: no half-made one is listed.
            let created =
                self.c
                    .run(["ps", "-a", "-q", "--no-trunc", "--filter", "status=created"]);
            for id in created.stdout_lines() {
                let out = self.c.run(["start", id]);
                if out.code == Some(0) {
                    continue;
                }
                let lock = self
                    .c
                    .root()
                    .join("containers")
                    .join(id)
                    .join("monitor.lock");
                let holders = holders_of(&lock);
                eprintln!("trial {n}: a listed container does not start (its monitor.lock is held by {holders:?})\n{out}");
                self.unstartable.insert(id.to_owned());
                self.orphans.extend(holders.into_iter().map(|(pid, _)| pid));
            }
            let image_ids: BTreeSet<&str> = images.iter().map(|(id, _)| id.as_str()).collect();
            for image in image_ids {
                let out = self.c.run(["run", "--rm", image, "true"]);
                if out.code != Some(0) {
                    eprintln!("trial {n}: a listed image does not run\n{out}");
                    self.unusable += 1;
                }
            }
        }
    }

    /// (ID, name) for each row `args` lists.
    fn list(&self, args: &[&str]) -> Option<Vec<(String, String)>> {
        let out = self.c.run(args);
        (out.code == Some(0)).then(|| {
            out.stdout_lines()
                .iter()
                .filter_map(|l| l.split_once(' '))
                .map(|(id, name)| (id.trim_start_matches("sha256:").to_owned(), name.to_owned()))
                .collect()
        })
    }
}

/// How much `check` looks at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Depth {
    Images,
    Containers,
    Inspect,
    Run,
}

enum Made {
    Image(String),
    Container(String),
}

/// The processes that have `path` open, with their command lines: who holds
/// a lock that should be free.
fn holders_of(path: &Path) -> Vec<(i32, String)> {
    std::fs::read_dir("/proc")
        .unwrap()
        .flatten()
        .filter_map(|e| {
            let pid: i32 = e.file_name().to_str()?.parse().ok()?;
            let fds = std::fs::read_dir(e.path().join("fd")).ok()?;
            let open = fds
                .flatten()
                .any(|fd| std::fs::read_link(fd.path()).is_ok_and(|l| l == path));
            let cmd = std::fs::read(e.path().join("cmdline")).ok()?;
            open.then(|| (pid, String::from_utf8_lossy(&cmd).replace('\0', " ")))
        })
        .collect()
}

/// What is left under the graph root once everything was removed and pruned.
fn leftovers(root: &Path) -> Vec<String> {
    ["blobs/sha256", "layers", "containers", "tmp"]
        .iter()
        .flat_map(|dir| {
            std::fs::read_dir(root.join(dir))
                .into_iter()
                .flatten()
                .flatten()
                .map(move |e| format!("{dir}/{}", e.file_name().to_string_lossy()))
        })
        .collect()
}

/// What one store's kill loop counted.
#[derive(Default)]
struct Tally {
    trials: usize,
    kills: usize,
    unusable: usize,
    lost: usize,
    leftovers: Vec<String>,
    unstartable: usize,
}

/// Trials on one store until `done` (shared by every store) reaches `trials` or
/// the time is up; then everything removed and pruned.
fn kill_loop(
    mut chaos: Chaos,
    seed: u64,
    done: &AtomicUsize,
    trials: usize,
    time: Duration,
) -> Tally {
    let mut rng = StdRng::seed_from_u64(seed);
    let start = Instant::now();
    let mut tally = Tally::default();
    // First each op once, unkilled, to learn how long it takes.
    for (n, op) in OPS.iter().enumerate() {
        chaos.trial(*op, n, &mut rng, true);
    }
    chaos.check(0, Depth::Run);
    while start.elapsed() < time && done.fetch_add(1, Ordering::SeqCst) < trials {
        // Cheap ones more often: many kills in the time there is.
        let op = *[
            OPS.as_slice(),
            &[Op::Rm, Op::Rmi, Op::Commit, Op::Load, Op::RunDetached],
        ]
        .concat()
        .get(rng.random_range(0..OPS.len() + 5))
        .unwrap();
        let n = OPS.len() + tally.trials;
        tally.kills += chaos.trial(op, n, &mut rng, false) as usize;
        tally.trials += 1;
        let depth = match tally.trials % 25 {
            0 => Depth::Run,
            d if d % 5 == 0 => Depth::Inspect,
            d if d % 2 == 0 => Depth::Images,
            _ => Depth::Containers,
        };
        chaos.check(n, depth);
    }
    chaos.check(usize::MAX, Depth::Run);

    for pid in &chaos.orphans {
        let _ = nix::sys::signal::kill(
            nix::unistd::Pid::from_raw(*pid),
            nix::sys::signal::Signal::SIGKILL,
        );
    }
    // Whatever the killed commands left, removing everything and pruning reclaims.
    let c = &chaos.c;
    c.run(["rm", "-a", "-f"]).success();
    c.run(["rmi", "-a", "-f"]).success();
    c.run(["system", "prune", "-a", "-f"]).success();
    tally.leftovers = leftovers(&c.root());
    tally.unusable = chaos.unusable;
    tally.lost = chaos.lost;
    tally.unstartable = chaos.unstartable.len();
    tally
}

/// The kill loop on WORKERS stores at once (made by `store`), summed up.
fn kill_9_at_random_moments(what: &str, store: impl Fn() -> (Coracle, String) + Sync) {
    let seed = seed(what);
    let (trials, time) = budget();
    let start = Instant::now();
    let done = AtomicUsize::new(0);
    let tallies: Vec<Tally> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..WORKERS)
            .map(|w| {
                let (store, done) = (&store, &done);
                scope.spawn(move || {
                    let chaos = Chaos::new(store(), format!("{what}-{w}"));
                    kill_loop(chaos, seed.wrapping_add(w), done, trials, time)
                })
            })
            .collect();
        workers.into_iter().map(|w| w.join().unwrap()).collect()
    });
    let sum = |f: fn(&Tally) -> usize| tallies.iter().map(f).sum::<usize>();
    let left: Vec<&String> = tallies.iter().flat_map(|t| &t.leftovers).collect();
    eprintln!(
        "chaos {what}: {} trials, {} kills, {} unusable stores, {} lost objects, \
         {} leftovers after prune, {} unstartable containers, on {WORKERS} stores in {:.0?}",
        sum(|t| t.trials),
        sum(|t| t.kills),
        sum(|t| t.unusable),
        sum(|t| t.lost),
        left.len(),
        sum(|t| t.unstartable),
        start.elapsed(),
    );
    assert!(left.is_empty(), "system prune left {left:?}");
    assert_eq!(sum(|t| t.unusable), 0, "unusable stores");
    assert_eq!(sum(|t| t.lost), 0, "lost objects");
    assert_eq!(sum(|t| t.unstartable), 0, "unstartable containers");
}

#[test]
fn chaos_kill_9_at_random_moments_leaves_a_working_store() {
    kill_9_at_random_moments("kills", with_busybox);
}

#[test]
fn chaos_kill_9_at_random_moments_leaves_a_working_store_rootful() {
    if Coracle::rootful(BIN).is_none() {
        return;
    }
    kill_9_at_random_moments("kills-rootful", rootful_busybox);
}

/// A rootful coracle with busybox pulled, and the reference to run it by.
fn rootful_busybox() -> (Coracle, String) {
    let c = Coracle::rootful(BIN).expect("root");
    let image = anon_ref("busybox:latest");
    pull(&c, &image).success();
    (c, image)
}

/// N commands at once on one store: create, run, rm, tag and pull, each N/5
/// times. Every one works, and what they made is there exactly once.
#[test]
fn chaos_twenty_commands_at_once_lose_nothing_and_duplicate_nothing() {
    let (c, base) = with_busybox();
    twenty_commands_at_once(&c, &base);
}

#[test]
fn chaos_twenty_commands_at_once_lose_nothing_and_duplicate_nothing_rootful() {
    if Coracle::rootful(BIN).is_none() {
        return;
    }
    let (c, base) = rootful_busybox();
    twenty_commands_at_once(&c, &base);
}

fn twenty_commands_at_once(c: &Coracle, base: &str) {
    for i in 0..4 {
        c.run(["create", "--name", &format!("pre{i}"), base, "true"])
            .success();
    }
    let pulled = [
        "multilayer:latest",
        "multilayer:zstd",
        "multilayer:v2s2",
        "busybox:oci-gzip",
    ];
    let mut commands: Vec<Vec<String>> = Vec::new();
    for (i, name) in pulled.iter().enumerate() {
        let s = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        commands.push(s(&["create", "--name", &format!("c{i}"), base, "true"]));
        commands.push(s(&["run", "--name", &format!("run{i}"), base, "true"]));
        commands.push(s(&["rm", &format!("pre{i}")]));
        commands.push(s(&["tag", base, &format!("localhost/t:{i}")]));
        commands.push(s(&["pull", &anon_ref(name)]));
    }
    let children: Vec<_> = commands.iter().map(|a| (a, c.spawn(a))).collect();
    for (args, child) in children {
        let out =
            coracle_testkit::runner::wait_output(child, args.clone(), Duration::from_secs(300));
        assert_eq!(
            out.code,
            Some(0),
            "{args:?} failed at once with 19 others\n{out}"
        );
    }
    let ps = c.run(["ps", "-a", "--format", "{{.Names}}"]);
    let mut names = ps.success().stdout_lines();
    names.sort();
    let want: Vec<String> = (0..4)
        .flat_map(|i| [format!("c{i}"), format!("run{i}")])
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    assert_eq!(names, want, "{ps}");
    for name in &want {
        c.run(["inspect", "--type", "container", name]).success();
    }
    let listed = c.run([
        "images",
        "--no-trunc",
        "--format",
        "{{.ID}} {{.Repository}}:{{.Tag}}",
    ]);
    let rows = listed.success().stdout_lines();
    let unique: BTreeSet<&str> = rows.iter().copied().collect();
    assert_eq!(
        rows.len(),
        unique.len(),
        "an image is listed twice: {rows:?}"
    );
    let tags: Vec<&str> = rows
        .iter()
        .filter_map(|r| r.split_once(' '))
        .map(|(_, t)| t)
        .collect();
    for want in (0..4)
        .map(|i| format!("localhost/t:{i}"))
        .chain(pulled.iter().map(|p| anon_ref(p)))
    {
        assert_eq!(
            tags.iter().filter(|t| **t == want).count(),
            1,
            "{want} is not listed once: {tags:?}"
        );
    }
    let ids: BTreeSet<&str> = rows
        .iter()
        .filter_map(|r| r.split_whitespace().next())
        .collect();
    for id in ids {
        c.run(["run", "--rm", id, "true"]).success();
    }
}

/// The processes whose command line is exactly `cmdline` (NUL-separated words
/// joined by spaces).
fn processes_running(cmdline: &str) -> Vec<i32> {
    processes_of(cmdline)
        .into_iter()
        .filter(|(pid, cmd)| cmd.trim_end() == cmdline && alive(*pid))
        .map(|(pid, _)| pid)
        .collect()
}

/// A container's monitor killed at a random moment (starting it, while it runs,
/// as it exits): the next command says it is not running, nothing of it keeps
/// running, and it can be removed without force.
#[test]
fn chaos_monitor_killed_at_random_moments_is_reported_and_cleaned_up() {
    let (c, base) = with_busybox();
    monitor_killed_at_random_moments(&c, &base, rng("monitor"));
}

#[test]
fn chaos_monitor_killed_at_random_moments_is_reported_and_cleaned_up_rootful() {
    if Coracle::rootful(BIN).is_none() {
        return;
    }
    let (c, base) = rootful_busybox();
    monitor_killed_at_random_moments(&c, &base, rng("monitor-rootful"));
}

fn monitor_killed_at_random_moments(c: &Coracle, base: &str, mut rng: StdRng) {
    let trials = 12;
    let (mut truthful, mut killed) = (0, 0);
    for n in 0..trials {
        let name = format!("m{n}");
        let sleeper = format!("sleep 1000{n:03}");
        let life = rng.random_range(0..1500) as f64 / 1000.0;
        let script = format!("{sleeper} & sleep {life}; kill $!; exit 3");
        let id = c
            .run(["create", "--name", &name, base, "sh", "-c", &script])
            .success()
            .stdout_trim()
            .to_owned();
        let mut start = c.spawn(["start", &name]);
        std::thread::sleep(Duration::from_millis(rng.random_range(0..1500)));
        // The monitor may not be there yet (start is slow on a loaded machine), or
        // gone already with its container.
        let monitors = loop {
            let found = monitor_processes(&id);
            if !found.is_empty() || start.try_wait().unwrap().is_some() {
                break found;
            }
            std::thread::sleep(Duration::from_millis(5));
        };
        for pid in &monitors {
            let _ = nix::sys::signal::kill(
                nix::unistd::Pid::from_raw(*pid),
                nix::sys::signal::Signal::SIGKILL,
            );
        }
        let _ = coracle_testkit::runner::wait_output(start, vec![], Duration::from_secs(60));
        if monitors.is_empty() {
            c.run(["wait", &name]).success().stdout_eq("3\n");
        }
        let status = inspect_field(c, &id, "{{.State.Status}}");
        assert!(
            status == "exited" || status == "created",
            "trial {n}: monitors {monitors:?} killed, yet the container is {status}"
        );
        killed += !monitors.is_empty() as usize;
        let ps = c.run(["ps", "--format", "{{.Names}}"]);
        assert!(
            !ps.success().stdout_lines().contains(&name.as_str()),
            "{ps}"
        );
        eventually("the container's processes to be gone", || {
            processes_running(&sleeper).is_empty()
        });
        c.run(["rm", &name]).success();
        assert!(!c.root().join("containers").join(&id).exists());
        truthful += 1;
    }
    eprintln!(
        "chaos monitor: {trials} trials, {killed} monitors killed, {truthful} reported truthfully"
    );
}

/// The processes of container `id`'s monitor: those with its command line (the
/// monitor, and its clones until they exec, such as the container's init before
/// it runs), and a parent of theirs caught in the exec of itself (handoff.rs),
/// which has no command line for that moment. Killing the init alone would
/// leave the monitor to report the container's end a moment later.
fn monitor_processes(id: &str) -> Vec<i32> {
    let mut found: Vec<i32> = processes_of(id)
        .into_iter()
        .filter(|(_, cmd)| cmd.contains(" monitor "))
        .map(|(pid, _)| pid)
        .collect();
    let exec_ing: Vec<i32> = found
        .iter()
        .filter_map(|&pid| parent_of(pid))
        .filter(|&parent| parent > 1 && !found.contains(&parent))
        .filter(|&parent| {
            std::fs::read(format!("/proc/{parent}/cmdline")).is_ok_and(|c| c.is_empty())
        })
        .collect();
    found.extend(exec_ing);
    found
}

/// Field 4 of /proc/PID/stat.
fn parent_of(pid: i32) -> Option<i32> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    stat[stat.rfind(')')? + 2..].split(' ').nth(1)?.parse().ok()
}

/// Found by the chaos suite: an image pulled again in another compression (the
/// same config, so the same image) kept its gzip layers but recorded the zstd
/// manifest, which push then sent as it was, naming blobs it never sent.
#[test]
fn push_of_an_image_pulled_again_in_another_compression_names_the_blobs_it_sends() {
    let (c, _) = with_busybox();
    let i = &anon().images;
    assert_eq!(i.busybox_v2s2.id(), i.busybox_oci_zstd.id());
    pull_ok(&c, &anon_ref("busybox:oci-zstd"), &i.busybox_oci_zstd);
    let dest = anon_ref("chaos/again:1");
    c.run(["push", &anon_ref("busybox:oci-zstd"), &dest])
        .success();
    let other = coracle();
    pull(&other, &dest).success();
    other.run(["run", "--rm", &dest, "true"]).success();
}

/// Found by the chaos suite: a pull, build, commit or load killed between
/// storing a blob or a layer and recording the image left them for good, as did
/// a create killed before its record; `system prune` now removes what nothing
/// records, and dead work under tmp/.
#[test]
fn system_prune_removes_blobs_layers_and_work_that_nothing_records() {
    let (c, base) = with_busybox();
    let root = c.root();
    let orphans = [
        root.join("blobs/sha256").join("a".repeat(64)),
        root.join("layers").join("b".repeat(64)).join("file"),
        root.join("containers")
            .join("c".repeat(64))
            .join("userdata/hostname"),
        root.join("tmp/blob-0123456789abcdef"),
        root.join("tmp/blob-0123456789abcdef.lock"),
    ];
    for path in &orphans {
        c.write_user_file(path, b"left by a kill -9");
    }
    c.run(["system", "prune", "-f"]).success();
    let left: Vec<_> = orphans.iter().filter(|p| p.exists()).collect();
    assert!(left.is_empty(), "system prune left {left:?}");
    assert!(!root.join("layers").join("b".repeat(64)).exists());
    assert!(!root.join("containers").join("c".repeat(64)).exists());
    c.run(["run", "--rm", &base, "true"]).success();
}

/// Found by the chaos suite: `rmi NAME` of an image a container uses refused
/// even when NAME was one of several names, which Podman only takes off.
#[test]
fn rmi_of_one_of_several_names_of_an_image_in_use_untags_it() {
    let (c, base) = with_busybox();
    c.run(["tag", &base, "localhost/other:1"]).success();
    c.run(["create", "--name", "user", &base, "true"]).success();
    c.run(["rmi", "localhost/other:1"])
        .success()
        .stdout_eq("Untagged: localhost/other:1\n");
    c.run(["rmi", &base])
        .code(2)
        .stderr_contains("image is in use by a container");
    c.run(["start", "user"]).success();
}
