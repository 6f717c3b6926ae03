//! The service started by systemd socket activation, as `coracle.socket`
//! starts it: `systemd-socket-activate` holds the socket and hands it over on
//! the first connection.

use super::Service;
use crate::common::{anon_ref, coracle};
use std::process::Stdio;
use std::time::{Duration, Instant};

#[test]
fn socket_activation_serves_the_docker_cli_and_time_zero_never_ends() {
    let c = coracle();
    let socket = c.dir().join("activated.sock");
    let mut cmd = c.peer_command("systemd-socket-activate");
    cmd.arg("-l")
        .arg(&socket)
        .arg(c.bin())
        .arg("--root")
        .arg(c.root())
        .arg("--runroot")
        .arg(c.runroot())
        .args(["system", "service", "--time", "0"]);
    cmd.stdout(Stdio::null()).stderr(Stdio::inherit());
    let child = cmd.spawn().expect("start systemd-socket-activate");
    let deadline = Instant::now() + Duration::from_secs(10);
    while !socket.exists() {
        assert!(
            Instant::now() < deadline,
            "no socket at {}",
            socket.display()
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    let api = Service { child, socket };
    let version = ["version", "--format", "{{.Server.APIVersion}}"];
    api.docker(&c, version).success().stdout_eq("1.44\n");
    // Past the default idle time (5 s): with 0 it is still there.
    std::thread::sleep(Duration::from_secs(6));
    api.docker(&c, version).success().stdout_eq("1.44\n");
    assert!(
        api.socket.exists(),
        "the socket passed in is systemd's to keep"
    );
    // An image not yet stored: the CLI pulls on create's 404, then runs it;
    // the container does not inherit the activation's variables.
    let env = api.docker(&c, ["run", "--rm", &anon_ref("busybox:latest"), "env"]);
    env.success().stdout_contains("PATH=");
    assert!(!env.stdout.contains("LISTEN_"), "{env}");
}
