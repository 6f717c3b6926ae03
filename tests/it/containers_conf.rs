//! containers.conf, read as Podman reads it: the user's file over the
//! system's, `CONTAINERS_CONF` instead of them all, and a broken file refused.

use crate::common::*;

#[test]
fn the_users_containers_conf_picks_the_network_helper_and_default_sysctls() {
    let (c, image) = with_busybox();
    let conf = c.config_home().join("containers/containers.conf");
    c.write_user_file(
        &conf,
        b"[containers]\ndefault_sysctls = [\"net.ipv4.ping_group_range=0 0\"]\n\
          [network]\ndefault_rootless_network_cmd = \"slirp4netns\"\n",
    );
    let id = run_detached(&c, &[&image, "sleep", "60"]);
    assert_eq!(
        inspect_field(&c, &id, "{{.HostConfig.NetworkMode}}"),
        "slirp4netns"
    );
    c.run(["exec", &id, "cat", "/proc/sys/net/ipv4/ping_group_range"])
        .success()
        .stdout_eq("0\t0\n");
    // A flag still wins, and a net.* default stays off the host's network.
    c.run([
        "run",
        "--rm",
        "--sysctl",
        "net.ipv4.ping_group_range=1 1",
        &image,
        "cat",
        "/proc/sys/net/ipv4/ping_group_range",
    ])
    .success()
    .stdout_eq("1\t1\n");
    c.run(["run", "--rm", "--network", "host", &image, "true"])
        .success();
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
