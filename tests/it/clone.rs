//! `container clone`, as Podman's: a new container from the options another
//! was created with, the limit flags over them, Podman's names, `--destroy`
//! (`--force` for a running original) and `--run`.

use crate::common::{anon_ref, inspect_field, pull, run_detached, with_busybox, BIN};
use coracle_testkit::Coracle;

fn names(c: &Coracle) -> Vec<String> {
    let out = c.run(["ps", "-a", "--format", "{{.Names}}"]);
    let mut names: Vec<String> = out
        .success()
        .stdout_lines()
        .into_iter()
        .map(String::from)
        .collect();
    names.sort();
    names
}

#[test]
fn a_clone_keeps_env_command_labels_volumes_and_network() {
    let (c, image) = with_busybox();
    c.run([
        "create",
        "--name",
        "orig",
        "-e",
        "FOO=bar",
        "--label",
        "team=blue",
        "-v",
        "keep:/data",
        "--network",
        "none",
        &image,
        "sh",
        "-c",
        "echo $FOO; ls /data",
    ])
    .success();
    c.run([
        "run",
        "--rm",
        "-v",
        "keep:/data",
        &image,
        "touch",
        "/data/file",
    ])
    .success();
    let out = c.run(["container", "clone", "orig"]);
    let id = out.success().stdout_trim().to_owned();
    assert_eq!(id.len(), 64, "{out}");
    assert_eq!(inspect_field(&c, &id, "{{.Name}}"), "orig-clone");
    // The same environment but for HOSTNAME, which is the clone's own ID.
    let env = inspect_field(&c, "orig-clone", "{{.Config.Env}}");
    assert!(env.contains(" FOO=bar "), "{env}");
    for field in [
        "{{.Config.Cmd}}",
        "{{.Config.Labels}}",
        "{{.HostConfig.NetworkMode}}",
        "{{range .Mounts}}{{.Name}}:{{.Destination}}{{end}}",
        "{{.ImageName}}",
    ] {
        assert_eq!(
            inspect_field(&c, "orig-clone", field),
            inspect_field(&c, "orig", field),
            "{field}"
        );
    }
    assert_eq!(
        inspect_field(&c, "orig-clone", "{{.HostConfig.NetworkMode}}"),
        "none"
    );
    c.run(["start", "-a", "orig-clone"])
        .success()
        .stdout_eq("bar\nfile\n");
    // The original is left as it was.
    assert_eq!(inspect_field(&c, "orig", "{{.State.Status}}"), "created");
}

#[test]
fn clones_are_named_as_podman_names_them() {
    let (c, image) = with_busybox();
    c.run(["create", "--name", "a", &image, "true"]).success();
    c.run(["container", "clone", "a"]).success();
    c.run(["container", "clone", "a"]).success();
    c.run(["container", "clone", "a", "x1"]).success();
    // A clone of a clone counts on from the original's clones.
    c.run(["container", "clone", "a-clone"]).success();
    // NAME wins over --name.
    c.run(["container", "clone", "--name", "n1", "a", "n2"])
        .success();
    c.run(["container", "clone", "--name", "n3", "a"]).success();
    assert_eq!(
        names(&c),
        ["a", "a-clone", "a-clone1", "a-clone2", "n2", "n3", "x1"]
    );
}

#[test]
fn clone_takes_another_image_and_limit_flags() {
    let (c, image) = with_busybox();
    let other = "localhost/other:latest";
    c.run(["tag", &image, other]).success();
    c.run(["create", "--name", "a", &image, "true"]).success();
    c.run(["container", "clone", "a", "b", other]).success();
    assert_eq!(inspect_field(&c, "b", "{{.ImageName}}"), other);
    // Rootless here, the limits are warned about as at create, and the clone made.
    let out = c.run([
        "container",
        "clone",
        "--memory",
        "64m",
        "--cpus",
        "1",
        "a",
        "c",
    ]);
    out.success();
    assert_eq!(inspect_field(&c, "c", "{{.State.Status}}"), "created");
}

#[test]
fn clone_limit_flags_override_the_originals_rootful() {
    let Some(c) = Coracle::rootful(BIN) else {
        return;
    };
    let image = anon_ref("busybox:latest");
    pull(&c, &image).success();
    c.run([
        "create",
        "--name",
        "lim",
        "--memory",
        "32m",
        "--cpu-shares",
        "512",
        &image,
        "true",
    ])
    .success();
    c.run(["container", "clone", "-m", "64m", "lim", "lim2"])
        .success();
    let fields = "{{.HostConfig.Memory}} {{.HostConfig.CpuShares}}";
    assert_eq!(inspect_field(&c, "lim2", fields), "67108864 512");
    assert_eq!(inspect_field(&c, "lim", fields), "33554432 512");
}

#[test]
fn destroy_removes_the_original_and_force_a_running_one() {
    let (c, image) = with_busybox();
    c.run(["create", "--name", "a", &image, "true"]).success();
    c.run(["container", "clone", "--destroy", "a"]).success();
    assert_eq!(names(&c), ["a-clone"]);
    let id = run_detached(
        &c,
        &["--name", "r", "--stop-timeout", "1", &image, "sleep", "60"],
    );
    c.run(["container", "clone", "--destroy", "r"]).code(125).stderr_contains(&format!(
        "Error: cannot remove container {id} as it is running - running or paused containers cannot be removed without force: container state improper\n"
    ));
    assert_eq!(inspect_field(&c, "r", "{{.State.Status}}"), "running");
    c.run(["container", "clone", "--destroy", "--force", "r", "r2"])
        .success();
    assert_eq!(names(&c), ["a-clone", "r2"]);
    c.run(["container", "clone", "-f", "a-clone"])
        .code(125)
        .stderr_contains("Error: cannot set --force without --destroy: invalid argument\n");
}

#[test]
fn run_starts_the_clone() {
    let (c, image) = with_busybox();
    c.run([
        "create",
        "--name",
        "a",
        "--stop-timeout",
        "1",
        &image,
        "sleep",
        "60",
    ])
    .success();
    c.run(["container", "clone", "--run", "a", "live"])
        .success();
    assert_eq!(inspect_field(&c, "live", "{{.State.Status}}"), "running");
    assert_eq!(inspect_field(&c, "a", "{{.State.Status}}"), "created");
    c.run(["rm", "-f", "live"]).success();
}

#[test]
fn clone_of_an_unknown_container_or_into_an_unknown_pod_is_refused() {
    let (c, image) = with_busybox();
    c.run(["container", "clone", "nope"])
        .code(125)
        .stderr_contains("Error: no container with name or ID \"nope\" found: no such container\n");
    c.run(["create", "--name", "a", &image, "true"]).success();
    c.run(["container", "clone", "--pod", "p", "a"])
        .code(125)
        .stderr_contains("Error: no pod with name or ID p found: no such pod\n");
    c.run(["container", "clone", "a", "bad/name"]).code(125);
    assert_eq!(names(&c), ["a"]);
}
