//! `coracle manifest inspect`: what the registry serves, without pulling.

use crate::common::*;

#[test]
fn inspect_shows_manifests_and_lists_as_served() {
    let c = coracle();
    let out = c.run(["manifest", "inspect", &anon_ref("multi:oci")]);
    let index = out.success().json();
    assert_eq!(index["manifests"].as_array().unwrap().len(), 2);
    let out = c.run(["manifest", "inspect", &anon_ref("busybox:v2s2")]);
    let manifest = out.success().json();
    assert_eq!(
        manifest["mediaType"],
        "application/vnd.docker.distribution.manifest.v2+json"
    );
    assert_eq!(
        manifest["config"]["digest"],
        anon().images.busybox_v2s2.config_digest()
    );
    assert!(image_ids(&c).is_empty(), "inspect must not pull");
}

#[test]
fn inspect_with_auth_and_missing_images() {
    let c = coracle();
    let private = basic().image("private/busybox:latest");
    c.run(["manifest", "inspect", &private])
        .code(125)
        .stderr_contains_any(&["authentication required", "unauthorized"]);
    c.write_auth_json(&basic().addr(), BASIC_USER, BASIC_PASS);
    c.run(["manifest", "inspect", &private]).success();
    c.run(["manifest", "inspect", &anon_ref("no/such:image")])
        .code(125)
        .stderr_contains("not found");
}
