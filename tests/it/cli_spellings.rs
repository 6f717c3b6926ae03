//! Podman's spellings that scripts use: `run -h` for the hostname, top-level
//! `init`, `container commit`, `inspect -t` and `-l`, and the flags Podman
//! takes as no-ops.

use crate::common::with_busybox;

#[test]
fn podmans_short_flags_and_top_level_verbs() {
    let (c, image) = with_busybox();
    // -h is --hostname, as in Podman; --help still prints help.
    c.run(["run", "--rm", "-h", "box", &image, "hostname"])
        .success()
        .stdout_eq("box\n");
    c.run(["run", "--help"])
        .success()
        .stdout_contains("Usage: coracle run");
    // A no-op in Podman too, accepted so that scripts run.
    c.run(["run", "--rm", "--disable-content-trust", &image, "true"])
        .success();

    c.run(["create", "--name", "made", &image, "true"])
        .success();
    c.run(["init", "made"]).success();
    c.run([
        "inspect",
        "-t",
        "container",
        "--format",
        "{{.Name}}",
        "made",
    ])
    .success()
    .stdout_eq("made\n");
    c.run(["container", "inspect", "-l", "--format", "{{.Name}}"])
        .success()
        .stdout_eq("made\n");
    c.run(["inspect", "--latest", "--format", "{{.State.Status}}"])
        .success()
        .stdout_eq("created\n");
    c.run(["inspect", "-l", "made"])
        .code(125)
        .stderr_contains("--latest and containers cannot be used together");

    c.run(["container", "commit", "made", "committed:1"])
        .success();
    c.run(["image", "exists", "committed:1"]).success();
}

/// A flattened group of flags must not lend its doc comment to the command.
#[test]
fn each_command_says_what_it_does_in_its_help() {
    let c = crate::common::coracle();
    for (args, about) in [
        (&["run"][..], "Run a command in a new container"),
        (&["build"], "Build an image from a Dockerfile"),
        (
            &["wait"],
            "Wait for containers to exit and print their exit codes",
        ),
        (
            &["inspect"],
            "Display detailed information on containers or images",
        ),
        (
            &["container", "inspect"],
            "Display detailed information on one or more containers",
        ),
    ] {
        let out = c.run(args.iter().copied().chain(["--help"]));
        let first = out.success().stdout.lines().next().unwrap_or_default();
        assert_eq!(first, about, "{args:?}");
    }
}
