//! Exec instances through the socket: `docker exec` and the SDK's exec_run,
//! on containers the coracle CLI started (the service shares its store).

use super::Service;
use crate::common::{run_detached, with_busybox};

#[test]
fn docker_exec_output_exit_codes_and_options() {
    let (c, image) = with_busybox();
    let id = run_detached(&c, &["--name", "boat", &image, "sleep", "1000"]);
    let api = Service::start(&c);
    let out = api.docker(&c, ["exec", "boat", "sh", "-c", "echo out; echo err >&2"]);
    out.success().stdout_eq("out\n");
    assert_eq!(out.stderr, "err\n", "{out}");
    api.docker(&c, ["exec", "boat", "sh", "-c", "exit 3"])
        .code(3);
    api.docker_with_input(&c, &["exec", "-i", "boat", "tr", "a-z", "A-Z"], b"hello\n")
        .success()
        .stdout_eq("HELLO\n");
    api.docker(
        &c,
        [
            "exec",
            "-e",
            "GREETING=ahoy",
            "-u",
            "nobody",
            "-w",
            "/tmp",
            "boat",
            "sh",
            "-c",
            "echo $GREETING $(id -u) $(pwd)",
        ],
    )
    .success()
    .stdout_eq("ahoy 65534 /tmp\n");
    // A missing command: the runtime's reason and Docker's 127.
    api.docker(&c, ["exec", "boat", "no-such-command"])
        .code(127)
        .stdout_contains("no-such-command");
    api.docker(&c, ["exec", "no-such-box", "true"])
        .failure()
        .stderr_contains("no such container: no-such-box");
    c.run(["stop", "-t", "0", &id]).success();
    api.docker(&c, ["exec", "boat", "true"])
        .failure()
        .stderr_contains("is not running");
}
