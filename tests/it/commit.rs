//! commit: a container's changes as a new image.

use crate::build::{inspect, with_busybox};
use serde_json::json;

#[test]
fn commit_makes_an_image_of_a_containers_changes() {
    let (c, base) = with_busybox();
    c.run([
        "run",
        "--name",
        "changed",
        &base,
        "sh",
        "-c",
        "echo added > /added && rm /etc/group && mkdir -p /var/x",
    ])
    .success();
    let out = c.run([
        "commit",
        "-c",
        "CMD [\"cat\", \"/added\"]",
        "-c",
        "ENV FROM_COMMIT=yes",
        "-m",
        "my message",
        "changed",
        "committed:1",
    ]);
    out.success();
    assert_eq!(out.stdout.trim().len(), 64, "{out}");
    c.run(["run", "--rm", "committed:1"])
        .success()
        .stdout_eq("added\n");
    c.run([
        "run",
        "--rm",
        "committed:1",
        "sh",
        "-c",
        "test ! -e /etc/group && test -d /var/x && echo $FROM_COMMIT",
    ])
    .success()
    .stdout_eq("yes\n");
    let image = inspect(&c, "committed:1");
    assert_eq!(image["Config"]["Cmd"], json!(["cat", "/added"]));
    let history = image["History"].as_array().unwrap();
    assert_eq!(history.last().unwrap()["comment"], "my message");
    c.run(["commit", "-c", "RUN true", "changed"])
        .code(125)
        .stderr_contains("RUN cannot be changed");
    c.run(["commit", "nosuchcontainer"]).code(125);
}
