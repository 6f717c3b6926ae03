//! The store on disk: overlay-ready layers, ownership, crash safety, concurrency.

use crate::common::*;
use coracle_testkit::Throttle;
use std::os::unix::fs::{FileTypeExt, MetadataExt, PermissionsExt};
use std::time::{Duration, Instant};

#[test]
fn layers_are_overlay_lower_dirs() {
    let c = coracle();
    let image = &anon().images.multilayer;
    pull_ok(&c, &anon_ref("multilayer:latest"), image);
    let user = c.user();
    let l1 = layer_dir(&c, &image.diff_ids[0]);
    let l2 = layer_dir(&c, &image.diff_ids[1]);
    let l3 = layer_dir(&c, &image.diff_ids[2]);
    let l4 = layer_dir(&c, &image.diff_ids[3]);

    // Layer 1: busybox.
    let tmp = std::fs::metadata(l1.join("tmp")).unwrap();
    assert_eq!(
        tmp.permissions().mode() & 0o7777,
        0o1777,
        "/tmp keeps its sticky bit"
    );
    assert_eq!(
        std::fs::read_link(l1.join("usr/bin/env")).unwrap().to_str(),
        Some("/bin/busybox")
    );
    assert_eq!(
        std::fs::metadata(l1.join("bin/busybox")).unwrap().uid(),
        user.host_uid(0).unwrap()
    );

    // Layer 2: ownership and setuid.
    let owned = std::fs::metadata(l2.join("data/owned")).unwrap();
    assert_eq!(owned.permissions().mode() & 0o7777, 0o640);
    if let (Some(uid), Some(gid)) = (user.host_uid(1000), user.host_gid(1000)) {
        assert_eq!(
            (owned.uid(), owned.gid()),
            (uid, gid),
            "uid/gid 1000 in the image are stored as the mapped ids"
        );
    }
    let setuid = std::fs::metadata(l2.join("data/setuid")).unwrap();
    assert_eq!(
        setuid.permissions().mode() & 0o7777,
        0o4755,
        "setuid bit kept"
    );
    assert_eq!(std::fs::read(l2.join("data/a")).unwrap(), b"a1");

    // Layer 3: whiteout and opaque dir as overlayfs wants them.
    let wh = std::fs::symlink_metadata(l3.join("data/b")).unwrap();
    assert!(
        wh.file_type().is_char_device(),
        "a whiteout is a char device"
    );
    assert_eq!(wh.rdev(), 0, "a whiteout is device 0:0");
    assert!(
        !l3.join("data/.wh.b").exists(),
        "the .wh. file itself is not kept"
    );
    assert_eq!(
        xattr(&l3.join("data/dir"), "user.overlay.opaque").as_deref(),
        Some(&b"y"[..])
    );
    assert!(!l3.join("data/dir/.wh..wh..opq").exists());
    assert_eq!(std::fs::read(l3.join("data/dir/z")).unwrap(), b"z3");
    assert_eq!(std::fs::read(l3.join("data/a")).unwrap(), b"a2");

    // Layer 4: the PAX xattr.
    assert_eq!(
        xattr(&l4.join("data/xattr"), "user.coracle").as_deref(),
        Some(&b"yes"[..])
    );

    // Blobs by digest.
    for blob in image.blobs() {
        assert!(
            blob_path(&c, &blob.digest).is_file(),
            "blob {} missing",
            blob.digest
        );
    }
}

#[test]
fn interrupted_pull_then_pull_again() {
    let image = big();
    let proxy = Throttle::start(&anon().registry.addr(), 4 * 1024 * 1024).unwrap();
    let reference = format!("{}/big:latest", proxy.addr());
    let c = coracle();
    for delay in [Duration::from_millis(300), Duration::from_millis(2500)] {
        let mut child = c.spawn(["pull", &reference]);
        let start = Instant::now();
        while start.elapsed() < delay {
            if child.try_wait().unwrap().is_some() {
                break;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        let finished_early = child.try_wait().unwrap();
        let _ = child.kill(); // SIGKILL
        let _ = child.wait();
        assert!(
            finished_early.is_none() || !finished_early.unwrap().success(),
            "the throttled pull ended before it was killed"
        );
        // Whatever was half-written must not show up as an image.
        let ids = image_ids(&c);
        assert!(
            !ids.contains(&image.short_id()),
            "a killed pull left a usable image: {ids:?}"
        );
    }
    proxy.set_rate(0);
    let out = c.run(["pull", &reference]);
    out.success().stdout_eq(&image.id());
    let rows = images_json(&c);
    assert_eq!(rows.len(), 1, "{rows:?}");
    let payload = layer_dir(&c, &image.diff_ids[0]).join("big/blob0");
    assert_eq!(std::fs::metadata(payload).unwrap().len(), 32 * 1024 * 1024);
}

#[test]
fn layers_in_the_store_are_not_fetched_again() {
    let i = &anon().images;
    let proxy = Throttle::start(&anon().registry.addr(), 0).unwrap();
    let c = coracle();
    pull_ok(
        &c,
        &format!("{}/busybox:oci-gzip", proxy.addr()),
        &i.busybox_oci_gzip,
    );
    let first = proxy.bytes_sent();
    assert!(first >= i.busybox_oci_gzip.layers_size());
    pull_ok(
        &c,
        &format!("{}/multilayer:latest", proxy.addr()),
        &i.multilayer,
    );
    let second = proxy.bytes_sent() - first;
    let shared = i.busybox_oci_gzip.layers[0].data.len() as u64;
    assert!(
        second < i.multilayer.layers_size() - shared / 2,
        "the shared busybox layer ({shared} bytes) was downloaded again: {second} bytes for multilayer"
    );
    // Pulling the same image again fetches no blob at all.
    let before = proxy.bytes_sent();
    pull_ok(
        &c,
        &format!("{}/multilayer:latest", proxy.addr()),
        &i.multilayer,
    );
    assert!(
        proxy.bytes_sent() - before < shared / 2,
        "a second pull downloaded layers again"
    );
}

#[test]
fn concurrent_pulls_of_the_same_image() {
    let c = coracle();
    let image = &anon().images.multilayer;
    let reference = anon_ref("multilayer:latest");
    let children: Vec<_> = (0..2).map(|_| c.spawn(["pull", &reference])).collect();
    for child in children {
        let out = coracle_testkit::runner::wait_output(
            child,
            vec!["pull".into(), reference.clone()],
            Duration::from_secs(300),
        );
        out.success().stdout_eq(&image.id());
    }
    assert_eq!(images_json(&c).len(), 1);
    for diff_id in &image.diff_ids {
        assert!(layer_dir(&c, diff_id).is_dir());
    }
}

#[test]
fn concurrent_pulls_of_images_sharing_a_layer() {
    let c = coracle();
    let i = &anon().images;
    let a = c.spawn(["pull", &anon_ref("multilayer:latest")]);
    let b = c.spawn(["pull", &anon_ref("busybox:oci-gzip")]);
    let t = Duration::from_secs(300);
    coracle_testkit::runner::wait_output(a, vec!["pull multilayer".into()], t)
        .success()
        .stdout_eq(&i.multilayer.id());
    coracle_testkit::runner::wait_output(b, vec!["pull busybox".into()], t)
        .success()
        .stdout_eq(&i.busybox_oci_gzip.id());
    assert_eq!(images_json(&c).len(), 2);
}
