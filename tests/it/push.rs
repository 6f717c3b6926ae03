//! `coracle push`: skips, mounts, uploads, formats, compression, auth, failures.

use crate::common::*;
use coracle_testkit::{Auth, Coracle, Registry, Throttle};
use serde_json::Value;

/// The manifest a registry serves for `repo:tag`, and its digest.
fn served_manifest(registry: &str, name: &str) -> (Value, String) {
    let (repo, tag) = name.split_once(':').unwrap();
    let resp = coracle_testkit::ureq::get(&format!("http://{registry}/v2/{repo}/manifests/{tag}"))
        .set(
            "Accept",
            "application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.v2+json",
        )
        .call()
        .unwrap_or_else(|e| panic!("GET manifest {name}: {e}"));
    let digest = resp.header("Docker-Content-Digest").unwrap().to_owned();
    (
        serde_json::from_str(&resp.into_string().unwrap()).unwrap(),
        digest,
    )
}

fn push(c: &Coracle, args: &[&str]) -> coracle_testkit::Output {
    let mut all = vec!["push"];
    all.extend_from_slice(args);
    c.run(all)
}

#[test]
fn pushed_back_unchanged_keeps_its_digest_and_mounts_its_blobs() {
    let c = coracle();
    let image = &anon().images.multilayer;
    pull_ok(&c, &anon_ref("multilayer:latest"), image);
    let digestfile = c.dir().join("digest");
    let out = push(
        &c,
        &[
            "--digestfile",
            digestfile.to_str().unwrap(),
            &anon_ref("multilayer:latest"),
            &anon_ref("pushed/keep:v1"),
        ],
    );
    out.success().stderr_contains("mounted from multilayer");
    assert_eq!(
        std::fs::read_to_string(&digestfile).unwrap(),
        image.manifest_digest
    );
    let (_, served) = served_manifest(&anon().registry.addr(), "pushed/keep:v1");
    assert_eq!(served, image.manifest_digest);
    // Again: the registry has every blob now.
    let out = push(
        &c,
        &[&anon_ref("multilayer:latest"), &anon_ref("pushed/keep:v1")],
    );
    out.success();
    assert_eq!(
        out.stderr.matches("skipped: already exists").count(),
        image.layers.len(),
        "{out}"
    );
}

#[test]
fn push_to_an_empty_registry_uploads_in_chunks_and_pulls_back() {
    let target = Registry::start(Auth::None).unwrap();
    let c = coracle();
    let image = big();
    pull_ok(&c, &anon_ref("big:latest"), image);
    let dest = target.image("big/copy:1");
    push(&c, &["-q", &anon_ref("big:latest"), &dest]).success();
    let (_, served) = served_manifest(&target.addr(), "big/copy:1");
    assert_eq!(served, image.manifest_digest);
    pull_ok(&coracle(), &dest, image);
}

#[test]
fn push_with_zstd_pulls_back() {
    let c = coracle();
    let image = &anon().images.multilayer;
    pull_ok(&c, &anon_ref("multilayer:latest"), image);
    let dest = anon_ref("pushed/zstd:1");
    push(
        &c,
        &[
            "--compression-format",
            "zstd",
            &anon_ref("multilayer:latest"),
            &dest,
        ],
    )
    .success();
    let (manifest, _) = served_manifest(&anon().registry.addr(), "pushed/zstd:1");
    for layer in manifest["layers"].as_array().unwrap() {
        assert_eq!(
            layer["mediaType"],
            "application/vnd.oci.image.layer.v1.tar+zstd"
        );
    }
    // Same tars, so the same config and image ID.
    let fresh = coracle();
    pull_ok(&fresh, &dest, image);
    for diff_id in &image.diff_ids {
        assert!(layer_dir(&fresh, diff_id).is_dir());
    }
}

#[test]
fn push_as_docker_v2s2() {
    let c = coracle();
    let image = &anon().images.busybox_oci_zstd;
    pull_ok(&c, &anon_ref("busybox:oci-zstd"), image);
    let dest = anon_ref("pushed/v2s2:1");
    push(
        &c,
        &["--format", "v2s2", &anon_ref("busybox:oci-zstd"), &dest],
    )
    .success();
    let (manifest, _) = served_manifest(&anon().registry.addr(), "pushed/v2s2:1");
    assert_eq!(
        manifest["mediaType"],
        "application/vnd.docker.distribution.manifest.v2+json"
    );
    assert_eq!(
        manifest["layers"][0]["mediaType"],
        "application/vnd.docker.image.rootfs.diff.tar.gzip"
    );
    pull_ok(&coracle(), &dest, image);
    // zstd has no Docker media type.
    push(
        &c,
        &[
            "--format",
            "v2s2",
            "--compression-format",
            "zstd",
            &anon_ref("busybox:oci-zstd"),
            &dest,
        ],
    )
    .code(125)
    .stderr_contains("--format oci");
}

#[test]
fn push_with_basic_auth() {
    let reg = basic();
    let c = coracle();
    let image = &anon().images.busybox_v2s2;
    pull_ok(&c, &anon_ref("busybox:latest"), image);
    let dest = reg.image("private/pushed:basic");
    push(&c, &[&anon_ref("busybox:latest"), &dest])
        .code(125)
        .stderr_contains("private/pushed")
        .stderr_contains_any(&["unauthorized", "authentication required"]);
    let creds = format!("{BASIC_USER}:{BASIC_PASS}");
    push(&c, &["--creds", &creds, &anon_ref("busybox:latest"), &dest]).success();
    let puller = coracle();
    puller.write_auth_json(&reg.addr(), BASIC_USER, BASIC_PASS);
    pull_ok(&puller, &dest, image);
}

#[test]
fn push_with_token_auth_mounts_across_repositories() {
    let reg = token();
    let c = coracle();
    c.write_auth_json(&reg.addr(), TOKEN_USER, TOKEN_PASS);
    let image = &anon().images.busybox_oci_gzip;
    let source = reg.image("private/busybox:latest");
    pull_ok(&c, &source, image);
    let dest = reg.image("private/pushed:token");
    push(&c, &[&source, &dest])
        .success()
        .stderr_contains("mounted from private/busybox");
    pull_ok(&c, &dest, image);
}

#[test]
fn push_with_wrong_password_is_refused() {
    let reg = token();
    let c = coracle();
    pull_ok(&c, &anon_ref("busybox:latest"), &anon().images.busybox_v2s2);
    c.write_auth_json(&reg.addr(), TOKEN_USER, "wrong");
    push(
        &c,
        &[&anon_ref("busybox:latest"), &reg.image("private/wrong:1")],
    )
    .code(125)
    .stderr_contains(&reg.addr())
    .stderr_contains("unauthorized");
}

#[test]
fn push_of_a_missing_image_fails() {
    let c = coracle();
    push(&c, &[&anon_ref("nothing:here")])
        .code(125)
        .stderr_contains("nothing:here");
}

/// An empty registry behind a proxy that can cut uploads, and a coracle that
/// has pulled the big image.
fn big_behind_proxy() -> (Registry, Throttle, Coracle) {
    let target = Registry::start(Auth::None).unwrap();
    let proxy = Throttle::start(&target.addr(), 0).unwrap();
    let c = coracle();
    pull_ok(&c, &anon_ref("big:latest"), big());
    (target, proxy, c)
}

#[test]
fn dropped_connection_fails_the_push_and_a_retry_succeeds() {
    let (target, proxy, c) = big_behind_proxy();
    let image = big();
    let dest = format!("{}/big/dropped:1", proxy.addr());
    proxy.cut_uploads_after(4 << 20);
    push(&c, &["-q", &anon_ref("big:latest"), &dest])
        .code(125)
        .stderr_contains("upload of blob");
    // Nothing half-pushed is visible: no manifest.
    let manifest =
        coracle_testkit::ureq::get(&format!("{}/v2/big/dropped/manifests/1", target.url())).call();
    assert!(manifest.is_err(), "a manifest was pushed after a failure");
    proxy.stop_cutting();
    push(&c, &["-q", &anon_ref("big:latest"), &dest]).success();
    pull_ok(&coracle(), &target.image("big/dropped:1"), image);
}

#[test]
fn a_registry_that_refuses_chunks_gets_whole_blobs() {
    let (target, proxy, c) = big_behind_proxy();
    let image = big();
    let dest = format!("{}/big/whole:1", proxy.addr());
    proxy.refuse_chunked_uploads();
    push(&c, &["-q", &anon_ref("big:latest"), &dest]).success();
    pull_ok(&coracle(), &target.image("big/whole:1"), image);
}

#[test]
fn one_dropped_chunk_is_resumed_within_the_push() {
    let (target, proxy, c) = big_behind_proxy();
    let image = big();
    let dest = format!("{}/big/resumed:1", proxy.addr());
    proxy.cut_one_upload_after(20 << 20);
    push(&c, &["-q", &anon_ref("big:latest"), &dest]).success();
    pull_ok(&coracle(), &target.image("big/resumed:1"), image);
}
