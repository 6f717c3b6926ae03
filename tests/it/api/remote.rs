//! `coracle --url` (and CONTAINER_HOST): the everyday commands run through the
//! service give the same output and exit codes as they do locally.

use super::Service;
use crate::build::dockerfile_only;
use crate::common::{anon_ref, coracle, eventually, with_busybox};
use coracle_testkit::runner::wait_output;
use coracle_testkit::{Coracle, Output};
use std::io::Write;
use std::process::Stdio;
use std::time::Duration;

/// `args` run locally and through the service.
fn both(c: &Coracle, api: &Service, args: &[&str]) -> (Output, Output) {
    (c.run(args), via_url(c, api, args))
}

fn via_url(c: &Coracle, api: &Service, args: &[&str]) -> Output {
    let host = api.host();
    let mut remote_args = vec!["--url", host.as_str()];
    remote_args.extend(args);
    c.run(&remote_args)
}

#[track_caller]
fn same(local: &Output, remote: &Output) {
    assert_eq!(
        (local.code, &local.stdout),
        (remote.code, &remote.stdout),
        "\nlocal:\n{local}\nremote:\n{remote}"
    );
}

#[test]
fn remote_run_rm_gives_the_same_output_and_exit_codes() {
    let (c, image) = with_busybox();
    let api = Service::start(&c);
    let (local, remote) = both(&c, &api, &["run", "--rm", &image, "echo", "hi"]);
    same(&local, &remote);
    remote.success().stdout_eq("hi\n");
    let script = "echo out; echo err >&2; exit 3";
    let (local, remote) = both(&c, &api, &["run", "--rm", &image, "sh", "-c", script]);
    same(&local, &remote);
    remote.code(3).stderr_contains("err");
    c.run(["ps", "-a", "-q"]).success().stdout_eq("");
}

#[test]
fn remote_run_i_passes_stdin_and_its_end() {
    let (c, image) = with_busybox();
    let api = Service::start(&c);
    let host = api.host();
    let mut cmd = c.command([
        "--url",
        &host,
        "run",
        "--rm",
        "-i",
        &image,
        "sh",
        "-c",
        "cat; echo done",
    ]);
    cmd.stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"from stdin\n")
        .unwrap();
    wait_output(child, vec!["run -i".into()], Duration::from_secs(60))
        .success()
        .stdout_eq("from stdin\ndone\n");
}

#[test]
fn remote_run_d_logs_exec_ps_stop_and_rm_match_local() {
    let (c, image) = with_busybox();
    let api = Service::start(&c);
    let script = "echo started; echo warn >&2; exec sleep 60";
    let id = via_url(
        &c,
        &api,
        &["run", "-d", "--name", "web", &image, "sh", "-c", script],
    )
    .success()
    .stdout_trim()
    .to_owned();
    assert_eq!(id.len(), 64, "{id}");
    eventually("the container's first lines", || {
        c.run(["logs", "web"]).stdout == "started\n"
    });
    let (local, remote) = both(&c, &api, &["logs", "web"]);
    same(&local, &remote);
    assert_eq!(local.stderr, remote.stderr);
    let exec = ["exec", "web", "sh", "-c", "echo in; exit 4"];
    let (local, remote) = both(&c, &api, &exec);
    same(&local, &remote);
    remote.code(4).stdout_eq("in\n");
    let ps = [
        "ps",
        "-a",
        "--format",
        "{{.ID}} {{.Image}} {{.Command}} {{.Status}} {{.Names}}",
    ];
    // The status's seconds may tick between the two.
    eventually("the same ps", || {
        let (local, remote) = both(&c, &api, &ps);
        local.code == Some(0) && local.stdout == remote.stdout
    });
    let (local, remote) = both(&c, &api, &["ps", "-q"]);
    same(&local, &remote);
    via_url(&c, &api, &["stop", "-t", "1", "web"])
        .success()
        .stdout_eq("web\n");
    let (local, remote) = both(&c, &api, &["stop", "web"]);
    same(&local, &remote);
    via_url(&c, &api, &["rm", "web"])
        .success()
        .stdout_eq("web\n");
    let (local, remote) = both(&c, &api, &["rm", "web"]);
    same(&local, &remote);
    remote.code(1).stderr_contains("web");
    c.run(["ps", "-a", "-q"]).success().stdout_eq("");
}

#[test]
fn remote_images_pull_and_build_match_local() {
    let (c, image) = with_busybox();
    let api = Service::start(&c);
    let format = "{{.ID}} {{.Repository}} {{.Tag}} {{.Size}} {{.CreatedAt}}";
    let (local, remote) = both(&c, &api, &["images", "--format", format]);
    same(&local, &remote);
    assert!(!remote.stdout.is_empty());
    // Pulled again, the image's ID is all that pull prints on stdout.
    let (local, remote) = both(&c, &api, &["pull", &anon_ref("busybox:latest")]);
    same(&local, &remote);
    let dir = dockerfile_only(&c, "ctx", &format!("FROM {image}\nRUN echo built > /f\n"));
    let dir = dir.to_str().unwrap();
    c.run(["build", "-t", "built", dir]).success();
    // Built again, every step is cached, and the service's stream prints as
    // the local build does: steps, cache hits, the name and the ID.
    let (local, remote) = both(&c, &api, &["build", "-t", "built", dir]);
    same(&local, &remote);
    remote.success().stdout_contains("STEP 2/2: RUN echo built");
    let (local, remote) = both(&c, &api, &["run", "--rm", "built", "cat", "/f"]);
    same(&local, &remote);
    remote.success().stdout_eq("built\n");
}

#[test]
fn container_host_works_like_url() {
    let (c, image) = with_busybox();
    let api = Service::start(&c);
    c.run(["create", "--name", "made", &image, "true"])
        .success();
    let mut cmd = c.command(["ps", "-a", "--format", "{{.Names}} {{.Status}}"]);
    cmd.env("CONTAINER_HOST", api.host());
    c.run_command(cmd).success().stdout_eq("made Created\n");
}

#[test]
fn a_url_nobody_serves_and_a_verb_it_lacks_fail_with_one_line_and_125() {
    let c = coracle();
    let gone = format!("unix://{}", c.dir().join("nobody.sock").display());
    let out = c.run(["--url", &gone, "ps"]);
    out.code(125)
        .stderr_contains("cannot connect to the service at");
    assert_eq!(out.stderr.lines().count(), 1, "{out}");
    let api = Service::start(&c);
    via_url(&c, &api, &["network", "ls"])
        .code(125)
        .stderr_contains("network ls is not available with --url");
    c.run(["--url", "tcp://127.0.0.1:1", "ps"])
        .code(125)
        .stderr_contains("unix:///PATH");
}

#[test]
fn remote_run_of_a_missing_command_exits_127_as_locally() {
    let (c, image) = with_busybox();
    let api = Service::start(&c);
    let (local, remote) = both(&c, &api, &["run", "--rm", &image, "no-such-command"]);
    same(&local, &remote);
    remote.code(127).stderr_contains("not found");
    c.run(["ps", "-a", "-q"]).success().stdout_eq("");
    via_url(
        &c,
        &api,
        &["run", "-d", "--name", "up", &image, "sleep", "60"],
    )
    .success();
    // The code is the same; the service writes its message into the exec's
    // stream, as Docker's does, so it comes out on stdout.
    let (local, remote) = both(&c, &api, &["exec", "up", "no-such-command"]);
    local.code(127);
    remote.code(127);
}

#[test]
fn remote_run_t_relays_a_terminal_and_the_exit_code() {
    let (c, image) = with_busybox();
    let api = Service::start(&c);
    // `script` gives the command a terminal of its own.
    let in_terminal = |url: &[&str]| {
        let line = format!(
            "{} --root {} --runroot {} {} run --rm -t {image} sh -c 'test -t 1 && echo tty; exit 5'",
            c.bin().display(),
            c.root().display(),
            c.runroot().display(),
            url.join(" "),
        );
        let mut cmd = c.peer_command("script");
        cmd.args(["-qec", &line, "/dev/null"]);
        c.run_command(cmd)
    };
    let host = api.host();
    let (local, remote) = (in_terminal(&[]), in_terminal(&["--url", &host]));
    same(&local, &remote);
    remote.code(5).stdout_contains("tty");
}
