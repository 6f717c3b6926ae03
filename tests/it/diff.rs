//! diff: what a container changed over its image, and what an image's top layer
//! changed over its parent, as Podman lists them.

use crate::build::{build, built_id, dockerfile_only};
use crate::common::*;
use coracle_testkit::Coracle;

/// Adds /added, changes /etc/passwd, deletes /etc/group.
const CHANGES: &str = "echo added > /added && echo more >> /etc/passwd && rm /etc/group";

/// The A/C/D lines a change of CHANGES must show, and one it must not.
#[track_caller]
fn assert_lists_the_changes(c: &Coracle, args: &[&str]) {
    let out = c.run(args);
    out.success();
    let lines = out.stdout_lines();
    for want in ["A /added", "C /etc/passwd", "D /etc/group"] {
        assert!(lines.contains(&want), "no {want:?} in\n{out}");
    }
    // Mount points the runtime makes are not the container's changes.
    assert!(
        !lines
            .iter()
            .any(|l| l.ends_with("/etc/hosts") || l.ends_with(" /proc")),
        "{out}"
    );
}

fn run_changes(c: &Coracle, image: &str, name: &str) {
    c.run(["run", "--name", name, image, "sh", "-c", CHANGES])
        .success();
}

#[test]
fn diff_lists_what_a_container_added_changed_and_deleted() {
    let (c, image) = with_busybox();
    run_changes(&c, &image, "changed");
    assert_lists_the_changes(&c, &["diff", "changed"]);
    assert_lists_the_changes(&c, &["container", "diff", "changed"]);
    let out = c.run(["diff", "--format", "json", "changed"]);
    let report = out.success().json();
    assert!(
        report["added"]
            .as_array()
            .unwrap()
            .contains(&"/added".into()),
        "{out}"
    );
    assert!(
        report["changed"]
            .as_array()
            .unwrap()
            .contains(&"/etc/passwd".into()),
        "{out}"
    );
    assert_eq!(
        report["deleted"],
        serde_json::json!(["/etc/group"]),
        "{out}"
    );
}

#[test]
fn diff_lists_what_an_image_run_step_changed() {
    let (c, image) = with_busybox();
    let dir = dockerfile_only(&c, "ctx", &format!("FROM {image}\nRUN {CHANGES}\n"));
    let id = built_id(&build(
        &c,
        &["-q", "-t", "changed:1", dir.to_str().unwrap()],
    ));
    assert_lists_the_changes(&c, &["diff", "changed:1"]);
    assert_lists_the_changes(&c, &["image", "diff", &id]);
}

#[test]
fn diff_of_an_unknown_name_fails_with_podmans_words() {
    let c = coracle();
    c.run(["diff", "nosuch"])
        .code(125)
        .stderr_contains("Error: nosuch not found: layer not known");
    c.run(["container", "diff", "nosuch"])
        .code(125)
        .stderr_contains("Error: nosuch not found: container not known");
    c.run(["image", "diff", "nosuch"])
        .code(125)
        .stderr_contains("Error: nosuch not found: nosuch: image not known");
    c.run(["diff", "--format", "yaml", "nosuch"])
        .code(125)
        .stderr_contains("only supported value for '--format' is 'json'");
}

#[test]
fn diff_works_rootful() {
    let Some(c) = Coracle::rootful(BIN) else {
        return;
    };
    run_changes(&c, &anon_ref("busybox:latest"), "changed");
    assert_lists_the_changes(&c, &["diff", "changed"]);
}

#[test]
fn diff_lists_what_a_replaced_directory_hid_as_deleted() {
    let (c, image) = with_busybox();
    let script = "mkdir /keep && cp /bin/busybox /keep/ && /keep/busybox rm -rf /bin \
                  && /keep/busybox mkdir /bin && /keep/busybox touch /bin/new";
    c.run(["run", "--name", "replaced", &image, "sh", "-c", script])
        .success();
    let out = c.run(["diff", "replaced"]);
    let lines = out.success().stdout_lines();
    for want in ["C /bin", "A /bin/new", "D /bin/sh", "D /bin/busybox"] {
        assert!(lines.contains(&want), "no {want:?} in\n{out}");
    }
}
