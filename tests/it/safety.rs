//! Lying registries and hostile layers: nothing bad is stored, nothing is written outside.

use crate::common::*;
use std::os::unix::fs::MetadataExt;
use std::path::Path;

/// Nothing named `name` anywhere in the test dir outside the store's layer dirs.
fn assert_nothing_named(c: &coracle_testkit::Coracle, name: &str) {
    let layers = c.root().join("layers");
    for p in walk(c.dir()) {
        if p.file_name().is_some_and(|n| n == name) && !p.starts_with(&layers) {
            panic!("{} was written outside the layer", p.display());
        }
    }
    // Directly beside the layer dirs is outside any layer too.
    assert!(
        !layers.join(name).exists(),
        "{name} escaped into {}",
        layers.display()
    );
}

fn remove_stale(path: &str) {
    let _ = std::fs::remove_file(path);
}

#[test]
fn tampered_blob_is_refused_and_not_stored() {
    let c = coracle();
    let image = &anon().images.tampered;
    let blob = &image.layers[0].digest;
    let out = pull(&c, &anon_ref("tampered:latest"));
    out.code(125)
        .stderr_contains("digest")
        .stderr_contains(coracle_testkit::hex_of(blob));
    assert!(
        !blob_path(&c, blob).exists(),
        "a blob that failed verification is stored under its digest"
    );
    assert!(
        !layer_dir(&c, &image.diff_ids[0]).exists(),
        "the lying layer was kept"
    );
    assert!(
        image_ids(&c).is_empty(),
        "no image may be recorded after a failed pull"
    );
}

#[test]
fn diff_id_mismatch_is_refused() {
    let c = coracle();
    let image = &anon().images.diffid;
    let out = pull(&c, &anon_ref("diffid:latest"));
    out.code(125)
        .stderr_contains_any(&["diff_id", "diffid", "diff id", "digest"]);
    assert!(
        !layer_dir(&c, &image.diff_ids[0]).exists(),
        "a layer stored under a diff_id it does not have"
    );
    assert!(image_ids(&c).is_empty());
}

#[test]
fn hostile_dotdot_entry_is_refused() {
    let deep = "/tmp/coracle-escape-dotdot";
    remove_stale(deep);
    let c = coracle();
    let out = pull(&c, &anon_ref("hostile/dotdot:latest"));
    out.code(125).stderr_contains_any(&["escape", "outside"]);
    assert!(
        !Path::new(deep).exists(),
        "{deep} was written by a hostile layer"
    );
    assert!(!c.root().join("escape").exists());
    assert_nothing_named(&c, "escape");
    assert!(image_ids(&c).is_empty());
}

#[test]
fn hostile_symlink_escape_is_refused() {
    let target = "/tmp/pwned";
    remove_stale(target);
    let c = coracle();
    let out = pull(&c, &anon_ref("hostile/symlink:latest"));
    out.code(125).stderr_contains_any(&["escape", "outside"]);
    assert!(
        !Path::new(target).exists(),
        "{target} was written through a hostile symlink"
    );
    assert_nothing_named(&c, "pwned");
    assert!(image_ids(&c).is_empty());
}

#[test]
fn absolute_symlink_is_resolved_inside_the_layer() {
    // `abs -> /tmp` then `abs/coracle-pwned-abs`: refusing is fine, and so is
    // writing inside the layer (resolving in root, as Docker does); writing
    // the host's /tmp is not.
    let target = "/tmp/coracle-pwned-abs";
    remove_stale(target);
    let c = coracle();
    let out = pull(&c, &anon_ref("hostile/abs-symlink:latest"));
    assert!(matches!(out.code, Some(0) | Some(125)), "{out}");
    if out.code == Some(0) {
        let image = &anon().images.hostile_abs_symlink;
        assert_eq!(out.stdout.trim(), image.id(), "{out}");
        assert_eq!(image_ids(&c), [image.short_id()]);
    }
    assert!(
        !Path::new(target).exists(),
        "{target} was written through an absolute symlink"
    );
    assert_nothing_named(&c, "coracle-pwned-abs");
}

#[test]
fn hostile_hardlink_is_refused() {
    let before = std::fs::metadata("/etc/passwd").unwrap();
    let passwd = std::fs::read("/etc/passwd").unwrap();
    let c = coracle();
    let out = pull(&c, &anon_ref("hostile/hardlink:latest"));
    out.code(125).stderr_contains_any(&["escape", "outside"]);
    let after = std::fs::metadata("/etc/passwd").unwrap();
    assert_eq!(
        before.nlink(),
        after.nlink(),
        "a hardlink to the host's /etc/passwd was made"
    );
    assert_eq!(std::fs::read("/etc/passwd").unwrap(), passwd);
    for p in walk(c.dir()) {
        if let Ok(m) = std::fs::symlink_metadata(&p) {
            assert!(
                !(m.ino() == after.ino() && m.dev() == after.dev()),
                "{} is the host's /etc/passwd",
                p.display()
            );
        }
    }
    assert!(image_ids(&c).is_empty());
}
