//! The container endpoints, driven by the docker CLI and the Python SDK: the
//! `run` flow (create, attach before start, wait, start), the verbs on a
//! container, and bad bodies that leave nothing behind.

use super::Service;
use crate::common::with_busybox;

#[test]
fn docker_run_rm_gives_the_output_and_the_exit_code() {
    let (c, image) = with_busybox();
    let api = Service::start(&c);
    api.docker(&c, ["run", "--rm", &image, "echo", "hello"])
        .success()
        .stdout_eq("hello\n");
    api.docker(
        &c,
        ["run", "--rm", &image, "sh", "-c", "echo oops >&2; exit 3"],
    )
    .code(3)
    .stderr_contains("oops");
    // --rm took both away.
    c.run(["ps", "-a", "-q"]).success().stdout_eq("");
}

#[test]
fn docker_run_with_a_missing_image_fails_with_125() {
    let (c, _) = with_busybox();
    let api = Service::start(&c);
    api.docker(&c, ["run", "--rm", "127.0.0.1:1/no/such:image", "true"])
        .code(125);
    c.run(["ps", "-a", "-q"]).success().stdout_eq("");
}

#[test]
fn docker_run_i_passes_stdin() {
    let (c, image) = with_busybox();
    let api = Service::start(&c);
    api.docker_with_input(&c, &["run", "--rm", "-i", &image, "cat"], b"from stdin\n")
        .success()
        .stdout_eq("from stdin\n");
}
