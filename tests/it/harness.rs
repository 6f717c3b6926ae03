//! The fixtures themselves work (these pass whatever state coracle is in).

use crate::common::*;

#[test]
fn registries_serve_the_catalog() {
    let a = anon();
    let body = coracle_testkit::ureq::get(&format!("{}/v2/_catalog", a.registry.url()))
        .call()
        .unwrap()
        .into_string()
        .unwrap();
    let catalog: serde_json::Value = serde_json::from_str(&body).unwrap();
    let repos = catalog["repositories"].as_array().unwrap();
    for want in [
        "busybox",
        "multilayer",
        "multi",
        "tampered",
        "hostile/dotdot",
    ] {
        assert!(
            repos.iter().any(|r| r == want),
            "{want} missing from {catalog}"
        );
    }
    // The auth registries refuse anonymous listing.
    for reg in [basic(), token()] {
        let r = coracle_testkit::ureq::get(&format!(
            "{}/v2/private/busybox/manifests/latest",
            reg.url()
        ))
        .call();
        assert!(
            matches!(r, Err(coracle_testkit::ureq::Error::Status(401, _))),
            "{:?}",
            reg.auth()
        );
    }
}

#[test]
fn runner_runs_coracle_as_the_test_user() {
    let c = coracle();
    assert!(c.bin().exists());
    if coracle_testkit::user::is_root() {
        assert_ne!(c.user().uid, 0);
    }
}
