//! Registry authentication: anonymous, basic (auth.json, ~/.docker/config.json), bearer tokens.

use crate::common::*;

#[test]
fn basic_auth_from_containers_auth_json() {
    let reg = basic();
    let c = coracle();
    c.write_auth_json(&reg.addr(), BASIC_USER, BASIC_PASS);
    pull_ok(
        &c,
        &reg.image("private/busybox:latest"),
        &anon().images.busybox_v2s2,
    );
}

#[test]
fn basic_auth_from_docker_config() {
    let reg = basic();
    let c = coracle();
    c.write_docker_config(&reg.addr(), BASIC_USER, BASIC_PASS);
    pull_ok(
        &c,
        &reg.image("private/busybox:latest"),
        &anon().images.busybox_v2s2,
    );
}

#[test]
fn basic_auth_without_credentials_is_refused() {
    let reg = basic();
    let c = coracle();
    let out = pull(&c, &reg.image("private/busybox:latest"));
    out.code(125)
        .stderr_contains("private/busybox")
        .stderr_contains_any(&["unauthorized", "authentication"]);
    assert!(image_ids(&c).is_empty());
}

#[test]
fn basic_auth_with_wrong_password_is_refused() {
    let reg = basic();
    let c = coracle();
    c.write_auth_json(&reg.addr(), BASIC_USER, "wrong");
    let out = pull(&c, &reg.image("private/busybox:latest"));
    out.code(125)
        .stderr_contains("private/busybox")
        .stderr_contains_any(&["unauthorized", "authentication"]);
}

#[test]
fn bearer_token_with_credentials() {
    let reg = token();
    let c = coracle();
    c.write_auth_json(&reg.addr(), TOKEN_USER, TOKEN_PASS);
    pull_ok(
        &c,
        &reg.image("private/busybox:latest"),
        &anon().images.busybox_oci_gzip,
    );
}

#[test]
fn bearer_token_from_docker_config() {
    let reg = token();
    let c = coracle();
    c.write_docker_config(&reg.addr(), TOKEN_USER, TOKEN_PASS);
    pull_ok(
        &c,
        &reg.image("private/busybox:latest"),
        &anon().images.busybox_oci_gzip,
    );
}

#[test]
fn bearer_token_anonymous_pull_of_public_repository() {
    let reg = token();
    let c = coracle();
    pull_ok(
        &c,
        &reg.image("public/busybox:latest"),
        &anon().images.busybox_oci_gzip,
    );
}

#[test]
fn bearer_token_anonymous_pull_of_private_repository_is_refused() {
    let reg = token();
    let c = coracle();
    let out = pull(&c, &reg.image("private/busybox:latest"));
    out.code(125)
        .stderr_contains("private/busybox")
        .stderr_contains_any(&["unauthorized", "authentication"]);
}

#[test]
fn bearer_token_with_wrong_password_is_refused() {
    let reg = token();
    let c = coracle();
    c.write_auth_json(&reg.addr(), TOKEN_USER, "wrong");
    let out = pull(&c, &reg.image("private/busybox:latest"));
    out.code(125)
        .stderr_contains("private/busybox")
        .stderr_contains_any(&["unauthorized", "authentication"]);
    assert!(image_ids(&c).is_empty());
}

#[test]
fn anonymous_registry_needs_no_credentials() {
    let c = coracle();
    // Credentials for another registry must not get in the way.
    c.write_auth_json("127.0.0.1:1", "nobody", "nothing");
    pull_ok(&c, &anon_ref("busybox:latest"), &anon().images.busybox_v2s2);
}
