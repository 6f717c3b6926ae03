//! version, info, system reset, global options, the single-id mapping and rootful mode.

use crate::common::*;
use coracle_testkit::{Coracle, TestUser};
use std::os::unix::fs::MetadataExt;

#[test]
fn version() {
    let c = coracle();
    c.run(["version"]).success().stdout_contains("Version");
}

#[test]
fn info_json_names_the_store_and_rootless() {
    let c = coracle();
    let out = c.run(["info", "--format", "json"]);
    let doc = out.success().json();
    assert!(
        out.stdout.contains(&c.root().display().to_string()),
        "graph root missing from info\n{out}"
    );
    assert!(
        out.stdout.contains(&c.runroot().display().to_string()),
        "run root missing from info\n{out}"
    );
    let rootless = find_key(&doc, "rootless").unwrap_or_else(|| panic!("no rootless key\n{out}"));
    assert_eq!(rootless, &serde_json::json!(!c.user().is_root()));
}

#[test]
fn global_options() {
    let c = coracle();
    c.run(["--log-level", "debug", "images"]).success();
    c.run(["--storage-driver", "overlay", "images"]).success();
    c.run(["--storage-driver", "no-such-driver", "images"])
        .code(125);
}

#[test]
fn system_reset_removes_everything() {
    let c = coracle();
    pull_ok(
        &c,
        &anon_ref("multilayer:latest"),
        &anon().images.multilayer,
    );
    assert!(layer_dir(&c, &anon().images.multilayer.diff_ids[1])
        .join("data/owned")
        .exists());
    c.run(["system", "reset", "-f"]).success();
    let left: Vec<_> = walk(&c.root());
    assert!(left.is_empty(), "left after reset: {left:?}");
    assert!(image_ids(&c).is_empty());
}

#[test]
fn user_without_subordinate_ids_gets_one_warning() {
    let Some(user) = TestUser::nosub() else {
        return;
    };
    let c = Coracle::as_user(BIN, user);
    let out = pull(&c, &anon_ref("busybox:latest"));
    out.success().stdout_eq(&anon().images.busybox_v2s2.id());
    let lower = out.stderr.to_lowercase();
    let warnings = lower
        .lines()
        .filter(|l| l.contains("subuid") || l.contains("subordinate") || l.contains("single"))
        .count();
    assert_eq!(
        warnings, 1,
        "expected one warning about the single-id mapping\n{out}"
    );
    let owner = std::fs::metadata(
        layer_dir(&c, &anon().images.busybox_v2s2.diff_ids[0]).join("bin/busybox"),
    )
    .unwrap()
    .uid();
    assert_eq!(owner, user.uid);
}

#[test]
fn rootful_pull_stores_real_ids() {
    let Some(c) = Coracle::rootful(BIN) else {
        return;
    };
    let image = &anon().images.multilayer;
    pull_ok(&c, &anon_ref("multilayer:latest"), image);
    let owned = std::fs::metadata(layer_dir(&c, &image.diff_ids[1]).join("data/owned")).unwrap();
    assert_eq!((owned.uid(), owned.gid()), (1000, 1000));
    let info = c.run(["info", "--format", "json"]);
    assert_eq!(
        find_key(&info.success().json(), "rootless"),
        Some(&serde_json::json!(false))
    );
    c.run(["rmi", &anon_ref("multilayer:latest")]).success();
    assert!(image_ids(&c).is_empty());
}

#[test]
fn system_prune_removes_stopped_containers_then_unused_images() {
    let c = coracle();
    let image = anon_ref("busybox:latest");
    pull(&c, &image).success();
    c.run(["run", "--name", "done", &image, "true"]).success();
    c.run(["network", "create", "unused"]).success();
    c.run(["network", "create", "used"]).success();
    c.run(["create", "--network", "unused", &image, "true"])
        .success();
    let busy = ["run", "-d", "--name", "busy", "--network", "used"];
    c.run(
        busy.iter()
            .copied()
            .chain([image.as_str(), "sleep", "1000"]),
    )
    .success();
    c.run(["system", "prune", "-f"])
        .success()
        .stdout_contains("Deleted Containers:")
        .stdout_contains("Deleted Networks:\nunused\n")
        .stdout_contains("Total reclaimed space:");
    c.run(["inspect", "done"]).code(125);
    c.run(["inspect", "busy"]).success();
    // Networks are pruned after containers: the pruned one's went too.
    c.run(["network", "exists", "unused"]).code(1);
    c.run(["network", "exists", "used"]).success();
    // A running container keeps its image, even with -a.
    c.run(["system", "prune", "-a", "-f"]).success();
    c.run(["image", "inspect", &image]).success();
    c.run(["rm", "-f", "busy"]).success();
    c.run(["system", "prune", "-a", "-f"])
        .success()
        .stdout_contains("Deleted Images:");
    c.run(["image", "inspect", &image]).code(125);
}
