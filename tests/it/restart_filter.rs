//! `--filter restart-policy=NAME`, which coracle-restart.service starts
//! containers by at boot.

use crate::common::with_busybox;

#[test]
fn restart_policy_filter_picks_containers_by_policy() {
    let (c, image) = with_busybox();
    c.run([
        "create",
        "--name",
        "always1",
        "--restart=always",
        &image,
        "true",
    ])
    .success();
    c.run(["create", "--name", "plain1", &image, "true"])
        .success();
    let names = |policy: &str| {
        let filter = format!("restart-policy={policy}");
        let out = c.run(["ps", "-a", "--filter", &filter, "--format", "{{.Names}}"]);
        out.success().stdout.trim().to_owned()
    };
    assert_eq!(names("always"), "always1");
    assert_eq!(names("no"), "plain1");
    let out = c.run(["ps", "-a", "--filter", "restart-policy=bogus"]);
    assert_eq!(out.code, Some(125), "{out}");
    out.stderr_contains("bogus invalid restart policy");
}
