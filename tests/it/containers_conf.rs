//! containers.conf, read as Podman reads it: the user's file over the
//! system's, `CONTAINERS_CONF` instead of them all, and a broken file refused.

use crate::common::*;

#[test]
fn the_users_containers_conf_picks_the_network_helper() {
    let (c, image) = with_busybox();
    let conf = c.config_home().join("containers/containers.conf");
    c.write_user_file(
        &conf,
        b"[containers]\nlog_driver = \"k8s-file\"\n\
          [network]\ndefault_rootless_network_cmd = \"slirp4netns\"\n",
    );
    let id = run_detached(&c, &[&image, "sleep", "60"]);
    assert_eq!(
        inspect_field(&c, &id, "{{.HostConfig.NetworkMode}}"),
        "slirp4netns"
    );
    // A flag still wins.
    c.run([
        "run",
        "--rm",
        "--network",
        "pasta",
        &image,
        "ip",
        "-o",
        "link",
    ])
    .success()
    .stdout_contains("eth0");
    c.run(["rm", "-f", "-t0", &id]).success();
}

#[test]
fn a_broken_containers_conf_fails_the_create_and_says_which_file() {
    let (mut c, image) = with_busybox();
    let conf = c.dir().join("broken.conf");
    c.write_user_file(&conf, b"[network\n");
    c.env("CONTAINERS_CONF", &conf.display().to_string());
    c.run(["run", "--rm", &image, "true"])
        .code(125)
        .stderr_contains(&format!("decode configuration {}", conf.display()));
    c.run(["ps", "-a", "-q"]).success().stdout_eq("");
}
