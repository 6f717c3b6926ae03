//! Podman's ways of naming containers besides their names (`--all`, `--latest`,
//! `--cidfile`, `--filter`, `--ignore`), `container exists` and `container init`,
//! and the flags refused before anything is touched.

use crate::common::{inspect_field, run_detached, with_busybox};

fn lines(out: &coracle_testkit::Output) -> Vec<&str> {
    let mut names: Vec<&str> = out.stdout.lines().collect();
    names.sort();
    names
}

#[test]
fn all_latest_cidfile_and_filter_pick_the_containers_podman_would() {
    let (c, image) = with_busybox();
    c.run(["create", "--name", "made", &image, "sleep", "1000"])
        .success();
    let first = run_detached(&c, &["--name", "first", &image, "sleep", "1000"]);
    run_detached(&c, &["--name", "second", &image, "sleep", "1000"]);

    // -a: stop takes the running ones only, start --all every one.
    let out = c.run(["stop", "-a", "-t", "0"]);
    assert_eq!(lines(out.success()), ["first", "second"]);
    let out = c.run(["start", "--all"]);
    assert_eq!(lines(out.success()), ["first", "made", "second"]);

    // --cidfile: the ID in the file.
    let cidfile = c.dir().join("cid");
    std::fs::write(&cidfile, format!("{first}\n")).unwrap();
    let cid = cidfile.to_str().unwrap();
    c.run(["kill", "--cidfile", cid])
        .success()
        .stdout_eq(&format!("{first}\n"));
    c.run(["wait", &first]).success().stdout_eq("137\n");

    // --filter, and -l: the latest created.
    c.run(["stop", "-t", "0", "--filter", "name=second"])
        .success()
        .stdout_eq("second\n");
    c.run(["restart", "-t", "0", "-l"])
        .success()
        .stdout_eq("second\n");
    assert_eq!(inspect_field(&c, "second", "{{.State.Status}}"), "running");
    c.run(["exec", "-l", "echo", "hi"])
        .success()
        .stdout_eq("hi\n");
    c.run(["top", "-l"]).success().stdout_contains("sleep 1000");
    c.run(["logs", "-l"]).success();

    // --ignore: a missing container is no error and no output.
    c.run(["stop", "-i", "-t", "0", "nosuch"])
        .success()
        .stdout_eq("");
    c.run(["rm", "-i", "nosuch"]).success().stdout_eq("");

    // rm -a -f takes every one; -l then finds none.
    let out = c.run(["rm", "-a", "-f"]);
    assert_eq!(lines(out.success()), ["first", "made", "second"]);
    c.run(["rm", "-l"])
        .code(1)
        .stderr_contains("no such container");
}

#[test]
fn contradictory_or_missing_targets_are_refused_in_podmans_words() {
    let (c, image) = with_busybox();
    c.run(["create", "--name", "box", &image, "true"]).success();
    c.run(["stop"])
        .code(125)
        .stderr_contains("you must provide at least one name or id");
    c.run(["stop", "-a", "box"])
        .code(125)
        .stderr_contains("no arguments are needed with --all");
    c.run(["kill", "-l", "box"])
        .code(125)
        .stderr_contains("--latest and containers cannot be used together");
    c.run(["start"])
        .code(125)
        .stderr_contains("start requires at least one argument");
    c.run(["stop", "--cidfile", "/nonexistent/cid"])
        .code(125)
        .stderr_contains("reading CIDFile: open /nonexistent/cid: no such file or directory");
    c.run(["rm", "--depend", "box"])
        .code(125)
        .stderr_contains("coracle does not support --depend");
    c.run(["exec", "--preserve-fds", "1", "box", "true"])
        .code(125)
        .stderr_contains("coracle does not support --preserve-fds");
    c.run(["exec", "box"])
        .code(255)
        .stderr_contains("must provide a non-empty command to start an exec session");
    c.run(["start", "--sig-proxy", "box"])
        .code(125)
        .stderr_contains("you cannot use sig-proxy without --attach");
    // Nothing above touched the container.
    assert_eq!(inspect_field(&c, "box", "{{.State.Status}}"), "created");
}

#[test]
fn container_exists_and_init_answer_as_podmans() {
    let (c, image) = with_busybox();
    c.run(["create", "--name", "box", &image, "sleep", "1000"])
        .success();
    c.run(["container", "exists", "box"])
        .success()
        .stdout_eq("");
    c.run(["container", "exists", "nosuch"])
        .code(1)
        .stdout_eq("");
    // init leaves it ready to start (coracle has no separate initialized state).
    c.run(["container", "init", "box"])
        .success()
        .stdout_eq("box\n");
    assert_eq!(inspect_field(&c, "box", "{{.State.Status}}"), "created");
    c.run(["start", "box"]).success();
    c.run(["container", "init", "box"])
        .code(125)
        .stderr_contains("has already been created in runtime: container state improper");
    c.run(["rm", "-f", "-t", "0", "box"]).success();
    c.run(["container", "exists", "box"]).code(1);
}

#[test]
fn logs_of_several_containers_are_marked_as_podmans() {
    let (c, image) = with_busybox();
    c.run(["run", "--name", "one", &image, "echo", "a"])
        .success();
    c.run(["run", "--name", "two", &image, "echo", "b"])
        .success();
    c.run(["logs", "-n", "one", "two"])
        .success()
        .stdout_eq("one a\ntwo b\n");
    let id = inspect_field(&c, "one", "{{.Id}}");
    c.run(["logs", "one", "two"])
        .success()
        .stdout_contains(&format!("{} a\n", &id[..12]));
    // One container's lines carry no mark but the colour.
    c.run(["logs", "--color", "one"])
        .success()
        .stdout_eq("\x1b[37ma\x1b[0m\n");
    c.run(["logs", "-l"]).success().stdout_eq("b\n");
    c.run(["logs"])
        .code(125)
        .stderr_contains("specify at least one container name or ID to log");
}
