//! `coracle save` and `coracle load`: every format, several images, compressed
//! archives, and archives that are broken.

use crate::common::*;
use coracle_testkit::{Coracle, Output};
use std::io::Write;
use std::path::{Path, PathBuf};

fn path(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// Pulls busybox:latest and multilayer:latest into a new coracle.
fn two_images() -> Coracle {
    let c = coracle();
    pull_ok(&c, &anon_ref("busybox:latest"), &anon().images.busybox_v2s2);
    pull_ok(
        &c,
        &anon_ref("multilayer:latest"),
        &anon().images.multilayer,
    );
    c
}

/// `coracle save --format FORMAT -o OUT IMAGES...`, which must succeed.
fn save(c: &Coracle, format: &str, out: &Path, images: &[&str]) {
    let mut args = vec!["save", "--format", format, "-o", path(out)];
    args.extend_from_slice(images);
    c.run(args).success();
}

/// busybox:latest and multilayer:latest saved in `format` by a coracle that
/// pulled them; returns that coracle and the archive.
fn saved_two(format: &str) -> (Coracle, PathBuf) {
    let c = two_images();
    let archive = c.dir().join("images.tar");
    save(
        &c,
        format,
        &archive,
        &[&anon_ref("busybox:latest"), &anon_ref("multilayer:latest")],
    );
    (c, archive)
}

fn load(c: &Coracle, archive: &Path) -> Output {
    c.run(["load", "-i", path(archive)])
}

#[track_caller]
fn both_loaded(out: &Output) {
    out.success()
        .stdout_contains(&format!("Loaded image: {}", anon_ref("busybox:latest")))
        .stdout_contains(&format!("Loaded image: {}", anon_ref("multilayer:latest")));
}

/// The archive holds nothing: no image, no layer, nothing left in tmp/.
#[track_caller]
fn store_is_empty(c: &Coracle) {
    assert!(image_ids(c).is_empty(), "an image was loaded");
    for dir in ["layers", "tmp"] {
        let left: Vec<_> = std::fs::read_dir(c.root().join(dir))
            .map(|d| d.flatten().map(|e| e.file_name()).collect())
            .unwrap_or_default();
        assert!(left.is_empty(), "{dir}/ holds {left:?}");
    }
}

#[test]
fn docker_archive_round_trip_keeps_names_and_ids() {
    let (_c, archive) = saved_two("docker-archive");
    let other = coracle();
    both_loaded(&load(&other, &archive));
    let mut ids = image_ids(&other);
    ids.sort();
    let mut want = vec![
        anon().images.busybox_v2s2.short_id(),
        anon().images.multilayer.short_id(),
    ];
    want.sort();
    assert_eq!(ids, want);
    for diff_id in &anon().images.multilayer.diff_ids {
        assert!(layer_dir(&other, diff_id).is_dir());
    }
    other
        .run(["run", "--rm", &anon_ref("multilayer:latest"), "true"])
        .success();
}

#[test]
fn gzipped_oci_archive_from_stdin_loads() {
    let (c, archive) = saved_two("oci-archive");
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(&std::fs::read(&archive).unwrap()).unwrap();
    let gzipped = c.dir().join("images.tar.gz");
    c.write_user_file(&gzipped, &gz.finish().unwrap());
    let other = coracle();
    let mut cmd = other.command(["load"]);
    cmd.stdin(std::fs::File::open(&gzipped).unwrap());
    both_loaded(&other.run_command(cmd));
    assert_eq!(image_ids(&other).len(), 2);
}

#[test]
fn oci_archive_keeps_the_manifest_so_a_push_keeps_the_digest() {
    let c = coracle();
    let image = &anon().images.multilayer;
    pull_ok(&c, &anon_ref("multilayer:latest"), image);
    let archive = c.dir().join("ml.tar");
    save(
        &c,
        "oci-archive",
        &archive,
        &[&anon_ref("multilayer:latest")],
    );
    let other = coracle();
    load(&other, &archive).success();
    let digestfile = other.dir().join("digest");
    other
        .run([
            "push",
            "--digestfile",
            path(&digestfile),
            &anon_ref("multilayer:latest"),
            &anon_ref("archived/ml:1"),
        ])
        .success();
    assert_eq!(
        std::fs::read_to_string(&digestfile).unwrap(),
        image.manifest_digest
    );
}

#[test]
fn oci_dir_is_a_layout() {
    let c = two_images();
    let dir = c.dir().join("layout");
    save(&c, "oci-dir", &dir, &[&anon_ref("busybox:latest")]);
    let index: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("index.json")).unwrap()).unwrap();
    assert_eq!(
        index["manifests"][0]["annotations"]["org.opencontainers.image.ref.name"],
        anon_ref("busybox:latest")
    );
    assert!(dir.join("oci-layout").is_file());
    let config = anon().images.busybox_v2s2.config_digest().to_owned();
    assert!(dir
        .join("blobs/sha256")
        .join(coracle_testkit::hex_of(&config))
        .is_file());
}

#[test]
fn truncated_archive_loads_nothing() {
    let c = two_images();
    let archive = c.dir().join("images.tar");
    save(
        &c,
        "docker-archive",
        &archive,
        &[&anon_ref("multilayer:latest")],
    );
    let bytes = std::fs::read(&archive).unwrap();
    let cut = c.dir().join("cut.tar");
    c.write_user_file(&cut, &bytes[..bytes.len() / 2]);
    let other = coracle();
    load(&other, &cut).code(125).stderr_contains("archive");
    store_is_empty(&other);
}

#[test]
fn corrupt_layer_loads_nothing() {
    let c = two_images();
    let archive = c.dir().join("images.tar");
    save(
        &c,
        "docker-archive",
        &archive,
        &[&anon_ref("multilayer:latest")],
    );
    let mut bytes = std::fs::read(&archive).unwrap();
    // Flip one byte inside busybox, in the first layer's tar.
    let at = bytes
        .windows(5)
        .position(|w| w == b"\x7fELF\x02")
        .expect("busybox is in the first layer");
    bytes[at + 100] ^= 0xff;
    let bad = c.dir().join("bad.tar");
    c.write_user_file(&bad, &bytes);
    let other = coracle();
    load(&other, &bad)
        .code(125)
        .stderr_contains("does not match");
    store_is_empty(&other);
}

#[test]
fn not_an_archive_and_missing_images() {
    let c = coracle();
    let junk = c.dir().join("junk.tar");
    c.write_user_file(
        &junk,
        b"this is not a tar archive at all, not even close......",
    );
    load(&c, &junk).code(125).stderr_contains("archive");
    store_is_empty(&c);
    let out = c.dir().join("none.tar");
    c.run(["save", "-o", path(&out), "no/such:image"])
        .code(125)
        .stderr_contains("no/such");
    assert!(!out.exists(), "a failed save left a file");
}
