//! Storage drivers: vfs chosen by storage.conf or the flag runs the lifecycle,
//! cp, diff, commit, export and build as overlay does (the same layers); a
//! store keeps the driver it was made with; with nothing configured, a graph
//! root where the kernel overlay cannot be mounted falls back by itself.

use crate::build::{context, give_to_user};
use crate::common::*;
use coracle_testkit::Coracle;
use std::path::{Path, PathBuf};
use std::process::Command;

/// A coracle whose store uses vfs, chosen in the user's storage.conf as
/// Podman's users choose it, with busybox pulled.
fn vfs() -> (Coracle, String) {
    let c = coracle();
    let conf = c.config_home().join("containers/storage.conf");
    c.write_user_file(&conf, b"[storage]\ndriver = \"vfs\"\n");
    let image = anon_ref("busybox:latest");
    pull(&c, &image).success();
    (c, image)
}

/// `store.graphDriverName` in `info`, as Podman shows the driver.
fn driver(c: &Coracle) -> String {
    let out = c.run(["info", "--format", "json"]);
    let info: serde_json::Value = serde_json::from_str(&out.success().stdout).unwrap();
    info["store"]["graphDriverName"]
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

#[test]
fn vfs_runs_stops_restarts_and_keeps_a_containers_writes() {
    let (c, image) = vfs();
    assert_eq!(driver(&c), "vfs");
    c.run(["run", "--rm", &image, "echo", "hello"])
        .success()
        .stdout_eq("hello\n");
    let id = run_detached(
        &c,
        &[&image, "sh", "-c", "echo kept > /kept; exec sleep 60"],
    );
    eventually("the file written", || {
        c.run(["exec", &id, "cat", "/kept"]).stdout == "kept\n"
    });
    c.run(["stop", "-t", "0", &id]).success();
    c.run(["start", &id]).success();
    c.run(["exec", &id, "cat", "/kept"])
        .success()
        .stdout_eq("kept\n");
    c.run(["restart", "-t", "0", &id]).success();
    c.run(["rm", "-f", &id]).success();
    c.run(["ps", "-aq"]).success().stdout_eq("");
}

#[test]
fn vfs_cp_goes_into_and_out_of_running_and_stopped_containers() {
    let (c, image) = vfs();
    let file = c.dir().join("in.txt");
    c.write_user_file(&file, b"from the host\n");
    let running = run_detached(&c, &[&image, "sleep", "60"]);
    c.run(["cp", file.to_str().unwrap(), &format!("{running}:/in.txt")])
        .success();
    c.run(["exec", &running, "cat", "/in.txt"])
        .success()
        .stdout_eq("from the host\n");
    c.run(["create", "--name", "stopped", &image, "cat", "/in.txt"])
        .success();
    c.run(["cp", file.to_str().unwrap(), "stopped:/in.txt"])
        .success();
    c.run(["start", "-a", "stopped"])
        .success()
        .stdout_eq("from the host\n");
    let out = c.dir().join("out");
    std::fs::create_dir(&out).unwrap();
    give_to_user(&c, &out);
    c.run(["cp", "stopped:/etc/passwd", out.to_str().unwrap()])
        .success();
    assert!(std::fs::read_to_string(out.join("passwd"))
        .unwrap()
        .contains("root"));
}

#[test]
fn vfs_diff_commit_and_export_see_the_containers_changes() {
    let (c, image) = vfs();
    c.run([
        "run",
        "--name",
        "changed",
        &image,
        "sh",
        "-c",
        "echo added > /added && rm /etc/group && mkdir -p /var/x",
    ])
    .success();
    let diff = c.run(["diff", "changed"]);
    let lines = diff.success().stdout_lines();
    for want in ["A /added", "D /etc/group", "C /etc", "A /var/x"] {
        assert!(lines.contains(&want), "{want} missing\n{diff}");
    }
    assert_eq!(inspect_field(&c, "changed", "{{.GraphDriver.Name}}"), "vfs");
    c.run(["commit", "changed", "committed"]).success();
    c.run([
        "run",
        "--rm",
        "committed",
        "sh",
        "-c",
        "cat /added && test ! -e /etc/group && test -d /var/x",
    ])
    .success()
    .stdout_eq("added\n");
    let tar = c.dir().join("export.tar");
    c.run(["export", "-o", tar.to_str().unwrap(), "changed"])
        .success();
    let listing = Command::new("tar").arg("tf").arg(&tar).output().unwrap();
    let listing = String::from_utf8_lossy(&listing.stdout);
    assert!(listing
        .lines()
        .any(|l| l.trim_start_matches("./") == "added"));
    assert!(!listing
        .lines()
        .any(|l| l.trim_start_matches("./") == "etc/group"));
}

/// The layers of the image built from `dockerfile` over `base`.
fn built_layer(c: &Coracle, base: &str, dockerfile: &str) -> String {
    let dir = context(
        c,
        "ctx",
        &[("Dockerfile", &format!("FROM {base}\n{dockerfile}"))],
    );
    c.run(["build", "-q", "-t", "built", dir.to_str().unwrap()])
        .success();
    layers(c, "built")
}

fn layers(c: &Coracle, image: &str) -> String {
    c.run(["inspect", "--format", "{{json .RootFS.Layers}}", image])
        .success()
        .stdout_trim()
        .to_owned()
}

/// Every entry of `image`'s top layer (header and contents) but /etc's own,
/// whose time is when the runtime took its placeholders (/etc/hosts) out
/// again: a second apart in two runs under any driver.
fn top_layer_entries(c: &Coracle, image: &str) -> Vec<String> {
    let layers: Vec<String> = serde_json::from_str(&layers(c, image)).unwrap();
    let blob = std::fs::File::open(blob_path(c, layers.last().unwrap())).unwrap();
    let mut archive = tar::Archive::new(blob);
    let mut entries = Vec::new();
    for entry in archive.entries().unwrap() {
        let mut entry = entry.unwrap();
        let name = entry.path().unwrap().display().to_string();
        if name == "etc/" {
            continue;
        }
        let mut body = Vec::new();
        std::io::Read::read_to_end(&mut entry, &mut body).unwrap();
        let h = entry.header();
        entries.push(format!(
            "{name} {:?} {:o} {}:{} {} {:?} {body:?}",
            h.entry_type(),
            h.mode().unwrap(),
            h.uid().unwrap(),
            h.gid().unwrap(),
            h.mtime().unwrap(),
            h.link_name().unwrap(),
        ));
    }
    entries
}

/// A change whose every time is fixed, so that its layer's digest says whether
/// two drivers wrote the same tar. It stays out of /etc, whose time the
/// runtime's placeholders (/etc/hosts) move when they are taken out.
const FIXED_CHANGE: &str = "mkdir -p /x/y /x/z && echo hi > /x/y/f && chmod 0600 /x/y/f \
    && chown 1:1 /x/z && ln -s y/f /x/link && ln /x/y/f /x/hard \
    && touch -h -t 200001010000 /x/link /x/y/f /x/y /x/z /x";

#[test]
fn build_and_commit_make_the_same_layers_under_vfs_and_overlay() {
    let (vfs, image) = vfs();
    let overlay = coracle();
    let conf = overlay.config_home().join("containers/storage.conf");
    overlay.write_user_file(&conf, b"[storage]\ndriver = \"overlay\"\n");
    pull(&overlay, &image).success();
    assert_eq!(driver(&overlay), "overlay");
    let run = format!("RUN {FIXED_CHANGE}\n");
    built_layer(&vfs, &image, &run);
    built_layer(&overlay, &image, &run);
    let built = top_layer_entries(&vfs, "built");
    assert!(
        built.iter().any(|e| e.starts_with("x/y/f Link")),
        "{built:?}"
    );
    assert_eq!(built, top_layer_entries(&overlay, "built"));
    for c in [&vfs, &overlay] {
        c.run(["run", "--name", "fixed", &image, "sh", "-c", FIXED_CHANGE])
            .success();
        c.run(["commit", "fixed", "fixed-image"]).success();
    }
    assert_eq!(
        top_layer_entries(&vfs, "fixed-image"),
        top_layer_entries(&overlay, "fixed-image")
    );
}

#[test]
fn a_store_made_with_one_driver_refuses_another_and_changes_nothing() {
    let c = coracle();
    c.run(["--storage-driver", "vfs", "images"]).success();
    let out = c.run(["--storage-driver", "overlay", "images"]);
    out.code(125).stderr_contains(
        "database storage graph driver \"vfs\" does not match our storage graph driver \"overlay\"",
    );
    out.stderr_contains("coracle system reset");
    assert_eq!(out.stderr.trim().lines().count(), 1, "{out}");
    assert_eq!(driver(&c), "vfs");
    c.run(["system", "reset", "--force"]).success();
    c.run(["--storage-driver", "overlay", "images"]).success();
    assert_eq!(driver(&c), "overlay");
}

#[test]
fn an_unknown_driver_is_refused_before_a_store_is_made() {
    let c = coracle();
    c.run(["--storage-driver", "zfs", "images"])
        .code(125)
        .stderr_contains("failed to GetDriver graph zfs: driver not supported");
    let conf = c.config_home().join("containers/storage.conf");
    c.write_user_file(&conf, b"[storage]\ndriver = \"btrfs2\"\n");
    c.run(["images"])
        .code(125)
        .stderr_contains("failed to GetDriver graph btrfs2");
    assert!(!c.root().exists(), "a store was made");
}

/// An overlay mount (a tmpfs under it) at `at`, as a CI runner inside a
/// container has its storage; unmounted when dropped.
struct OverlayMount {
    at: PathBuf,
    below: PathBuf,
}

impl OverlayMount {
    fn new(c: &Coracle, at: &Path) -> OverlayMount {
        let below = c.dir().join("below");
        std::fs::create_dir_all(&below).unwrap();
        std::fs::create_dir_all(at).unwrap();
        sh(&format!(
            "mount -t tmpfs tmpfs {0} && mkdir {0}/l {0}/u {0}/w",
            below.display()
        ));
        sh(&format!(
            "mount -t overlay overlay -o lowerdir={0}/l,upperdir={0}/u,workdir={0}/w {1}",
            below.display(),
            at.display()
        ));
        give_to_user(c, at);
        OverlayMount {
            at: at.to_owned(),
            below,
        }
    }
}

impl Drop for OverlayMount {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg("-l").arg(&self.at).status();
        let _ = Command::new("umount").arg("-l").arg(&self.below).status();
    }
}

fn sh(script: &str) {
    let status = Command::new("sh").arg("-c").arg(script).status().unwrap();
    assert!(status.success(), "{script}");
}

#[test]
fn a_graph_root_on_overlay_falls_back_by_itself_and_runs_builds_and_commits() {
    if !nix::unistd::geteuid().is_root() {
        eprintln!("skipped: mounting the overlay the graph root sits on needs root");
        return;
    }
    let c = coracle();
    let _mount = OverlayMount::new(&c, &c.root());
    let first = c.run(["images"]);
    first
        .success()
        .stderr_contains("the kernel overlay cannot be mounted on");
    // coracle's own FUSE overlay where /dev/fuse can be opened (the test
    // setup makes it 0666, as distributions ship it).
    assert_eq!(driver(&c), "fuse-overlay", "{first}");
    first.stderr_contains("using coracle's own fuse-overlay");
    // Said once: the store keeps the answer.
    let again = c.run(["images"]);
    assert!(!again.stderr.contains("kernel overlay"), "{again}");
    let image = anon_ref("busybox:latest");
    pull(&c, &image).success();
    c.run(["run", "--rm", &image, "echo", "ran"])
        .success()
        .stdout_eq("ran\n");
    let layers = built_layer(&c, &image, "RUN echo built > /built\n");
    assert!(layers.contains("sha256:"), "{layers}");
    c.run(["run", "--rm", "built", "cat", "/built"])
        .success()
        .stdout_eq("built\n");
    c.run(["run", "--name", "w", &image, "sh", "-c", "echo c > /c"])
        .success();
    c.run(["commit", "w", "committed"]).success();
    c.run(["run", "--rm", "committed", "cat", "/c"])
        .success()
        .stdout_eq("c\n");
    c.run(["rm", "-a", "-f"]).success();
}

#[test]
fn overlay_with_fuse_overlayfs_as_its_mount_program_runs_builds_and_commits() {
    let Some(mut c) = Coracle::rootful(BIN) else {
        eprintln!("skipped: /dev/fuse is root's only here, so fuse-overlayfs runs rootful");
        return;
    };
    if !Path::new("/usr/bin/fuse-overlayfs").exists() {
        eprintln!("skipped: fuse-overlayfs is not installed");
        return;
    }
    let conf = c.dir().join("storage.conf");
    std::fs::write(
        &conf,
        "[storage]\ndriver = \"overlay\"\n\
         [storage.options.overlay]\nmount_program = \"/usr/bin/fuse-overlayfs\"\n",
    )
    .unwrap();
    c.env("CONTAINERS_STORAGE_CONF", conf.to_str().unwrap());
    let image = anon_ref("busybox:latest");
    pull(&c, &image).success();
    assert_eq!(driver(&c), "overlay");
    c.run([
        "run",
        "--name",
        "w",
        &image,
        "sh",
        "-c",
        "echo c > /c && rm /etc/group && grep -q fuse /proc/mounts && echo fused",
    ])
    .success()
    .stdout_eq("fused\n");
    c.run(["commit", "w", "committed"]).success();
    c.run([
        "run",
        "--rm",
        "committed",
        "sh",
        "-c",
        "cat /c && test ! -e /etc/group",
    ])
    .success()
    .stdout_eq("c\n");
    built_layer(&c, &image, "RUN echo built > /built && rm /etc/group\n");
    c.run([
        "run",
        "--rm",
        "built",
        "sh",
        "-c",
        "cat /built && test ! -e /etc/group",
    ])
    .success()
    .stdout_eq("built\n");
    c.run(["rm", "-a", "-f"]).success();
}
