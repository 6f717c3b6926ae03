//! The lifecycle commands against each state a container can be in, as Podman
//! 4.3.1 answers them rootless (recorded side by side): exit code, the words on
//! stderr that scripts grep for, and what stdout says where it matters.

use crate::common::with_busybox;
use coracle_testkit::Coracle;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Created,
    Running,
    Paused,
    Exited,
    /// Never was, or was removed: Podman cannot tell the two apart either.
    Removed,
}

struct Row {
    /// The command; `{}` is the container's name.
    command: &'static str,
    state: State,
    code: i32,
    /// A substring of stderr ("" when stderr is not checked).
    stderr: &'static str,
    /// A substring of stdout ("" when stdout is not checked).
    stdout: &'static str,
}

const fn row(
    command: &'static str,
    state: State,
    code: i32,
    stderr: &'static str,
    stdout: &'static str,
) -> Row {
    Row {
        command,
        state,
        code,
        stderr,
        stdout,
    }
}

use State::*;

const IMPROPER: &str = "container state improper";
const NO_SUCH: &str = "found: no such container";
const EXEC_IMPROPER: &str =
    "can only create exec sessions on running containers: container state improper";

/// Rows whose command changes the container get one of their own; the rest
/// share one container per state.
const MUTATING: &[&str] = &["start", "stop", "kill", "rm", "restart"];

#[rustfmt::skip]
const ROWS: &[Row] = &[
    // wait: "stopped" (the default) holds for a container that never ran.
    row("wait {}", Created, 0, "", "0"),
    row("wait --condition=running {}", Running, 0, "", "-1"),
    row("wait {}", Exited, 0, "", "3"),
    row("wait {}", Removed, 125, NO_SUCH, ""),
    row("wait --condition=bogus {}", Created, 125, "unknown container state: bogus: invalid argument", ""),
    // start
    row("start {}", Created, 0, "", "{}"),
    row("start {}", Running, 0, "", ""),
    row("start {}", Exited, 0, "", "{}"),
    row("start {}", Removed, 125, NO_SUCH, ""),
    // stop: a container that is not running is left as it is, and named.
    row("stop -t 0 {}", Created, 0, "", "{}"),
    row("stop -t 0 {}", Running, 0, "", "{}"),
    row("stop -t 0 {}", Paused, 0, "", "{}"),
    row("stop -t 0 {}", Exited, 0, "", "{}"),
    row("stop -t 0 {}", Removed, 125, NO_SUCH, ""),
    row("stop -i {}", Removed, 0, "", ""),
    // kill
    row("kill {}", Created, 125, "can only kill running containers.", ""),
    row("kill {}", Created, 125, "is in state created: container state improper", ""),
    row("kill {}", Running, 0, "", "{}"),
    row("kill {}", Exited, 125, "is in state exited: container state improper", ""),
    row("kill {}", Removed, 125, NO_SUCH, ""),
    // rm: 1 for a missing container, 2 for a running one.
    row("rm {}", Created, 0, "", "{}"),
    row("rm {}", Running, 2, "running or paused containers cannot be removed without force: container state improper", ""),
    row("rm {}", Paused, 2, IMPROPER, ""),
    row("rm {}", Exited, 0, "", "{}"),
    row("rm {}", Removed, 1, NO_SUCH, ""),
    row("rm -i {}", Removed, 0, "", ""),
    // restart
    row("restart -t 0 {}", Created, 0, "", "{}"),
    row("restart -t 0 {}", Running, 0, "", "{}"),
    row("restart -t 0 {}", Exited, 0, "", "{}"),
    row("restart -t 0 {}", Removed, 125, NO_SUCH, ""),
    // logs
    row("logs {}", Created, 0, "", ""),
    row("logs {}", Running, 0, "", ""),
    row("logs {}", Exited, 0, "", "hi"),
    row("logs {}", Removed, 125, NO_SUCH, ""),
    // exec: Podman's 255 when the state forbids it, 126/127 for the command.
    row("exec {} true", Created, 255, EXEC_IMPROPER, ""),
    row("exec {} true", Running, 0, "", ""),
    row("exec {} nosuchcommand", Running, 127, "", ""),
    row("exec {} /etc", Running, 126, "", ""),
    row("exec {} sh -c exit\\ 7", Running, 7, "", ""),
    row("exec {} true", Paused, 255, EXEC_IMPROPER, ""),
    row("exec {} true", Exited, 255, EXEC_IMPROPER, ""),
    row("exec {} true", Removed, 125, NO_SUCH, ""),
    // cp works whatever the state, from the container's files.
    row("cp {}:/bin/sh -", Created, 0, "", ""),
    row("cp {}:/bin/sh -", Running, 0, "", ""),
    row("cp {}:/bin/sh -", Exited, 0, "", ""),
    row("cp {}:/bin/sh -", Removed, 125, NO_SUCH, ""),
    // pause/unpause: Podman quotes the state where the name would be.
    row("pause {}", Created, 125, "\"created\" is not running, can't pause: container state improper", ""),
    row("pause {}", Exited, 125, "\"exited\" is not running, can't pause: container state improper", ""),
    row("pause {}", Removed, 125, NO_SUCH, ""),
    row("unpause {}", Created, 125, "\"created\" is not paused, can't unpause: container state improper", ""),
    row("unpause {}", Running, 125, "\"running\" is not paused, can't unpause: container state improper", ""),
    row("unpause {}", Exited, 125, "\"exited\" is not paused, can't unpause: container state improper", ""),
    row("unpause {}", Removed, 125, NO_SUCH, ""),
];

/// Puts a container called `name` in `state`; false when this host cannot
/// (pausing rootless needs the cgroup v2 freezer, as Podman's does).
fn make(c: &Coracle, image: &str, state: State, name: &str) -> bool {
    let sleep = [image, "sleep", "1000"];
    match state {
        Created => {
            c.run(["create", "--name", name].iter().chain(&sleep))
                .success();
        }
        Running | Paused => {
            c.run(["run", "-d", "--name", name].iter().chain(&sleep))
                .success();
            if state == Paused && c.run(["pause", name]).code != Some(0) {
                return false;
            }
        }
        Exited => {
            let script = "echo hi; exit 3";
            c.run(["run", "--name", name, image, "sh", "-c", script])
                .code(3);
        }
        Removed => {}
    }
    true
}

/// The command's words, `{}` replaced; `\ ` keeps a space inside a word.
fn words(command: &str, name: &str) -> Vec<String> {
    let command = command.replace("\\ ", "\u{0}");
    command
        .split_whitespace()
        .map(|w| w.replace("{}", name).replace('\u{0}', " "))
        .collect()
}

fn check(c: &Coracle, row: &Row, name: &str) {
    let out = c.run(words(row.command, name));
    let what = format!("`{}` on a {:?} container", row.command, row.state);
    assert_eq!(out.code, Some(row.code), "{what}\n{out}");
    assert!(out.stderr.contains(row.stderr), "{what}: stderr\n{out}");
    let stdout = row.stdout.replace("{}", name);
    assert!(out.stdout.contains(&stdout), "{what}: stdout\n{out}");
}

#[test]
fn each_command_answers_each_state_in_podmans_words() {
    let (c, image) = with_busybox();
    let states = [Created, Running, Paused, Exited, Removed];
    let shared: Vec<(State, bool)> = std::thread::scope(|s| {
        let made: Vec<_> = states
            .iter()
            .map(|&st| {
                let (c, image) = (&c, &image);
                s.spawn(move || (st, make(c, image, st, &format!("shared-{st:?}"))))
            })
            .collect();
        made.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let can = |st: State| shared.iter().any(|&(s, ok)| s == st && ok);
    if !can(Paused) {
        eprintln!("this host cannot pause rootless containers: the paused rows are skipped");
    }
    std::thread::scope(|s| {
        for (i, row) in ROWS.iter().enumerate() {
            if !can(row.state) {
                continue;
            }
            let (c, image) = (&c, &image);
            s.spawn(move || {
                let verb = row.command.split_whitespace().next().unwrap();
                let name = match MUTATING.contains(&verb) && row.state != Removed {
                    true => format!("own-{i}"),
                    false => format!("shared-{:?}", row.state),
                };
                if name.starts_with("own-") {
                    assert!(make(c, image, row.state, &name));
                }
                check(c, row, &name);
            });
        }
    });
}

#[test]
fn wait_with_a_condition_returns_when_the_state_is_reached() {
    let (c, image) = with_busybox();
    c.run(["create", "--name", "later", &image, "true"])
        .success();
    let waiter = std::thread::scope(|s| {
        let waiting = s.spawn(|| c.run(["wait", "--condition", "exited", "-i", "20ms", "later"]));
        c.run(["start", "later"]).success();
        waiting.join().unwrap()
    });
    waiter.success().stdout_eq("0\n");
    c.run(["wait", "-l"]).success().stdout_eq("0\n");
    c.run(["wait", "-l", "later"])
        .code(125)
        .stderr_contains("--latest and containers cannot be used together");
}

#[test]
fn missing_and_taken_names_are_said_in_podmans_words() {
    let (c, image) = with_busybox();
    c.run(["create", "--name", "dup", &image, "true"]).success();
    c.run(["create", "--name", "dup2", &image, "true"])
        .success();
    let rows: &[(&[&str], i32, &str)] = &[
        (&["rmi", "nosuchimg"], 1, "nosuchimg: image not known"),
        (
            &["tag", "nosuchimg", "x"],
            125,
            "nosuchimg: image not known",
        ),
        (&["history", "nosuchimg"], 125, "nosuchimg: image not known"),
        (&["rmi", &image], 2, "image is in use by a container"),
        (
            &["volume", "rm", "nosuchvol"],
            1,
            "no volume with name \"nosuchvol\" found: no such volume",
        ),
        (
            &["network", "rm", "nosuchnet"],
            1,
            "unable to find network with name or ID nosuchnet: network not found",
        ),
        (
            &["create", "--name", "dup", &image, "true"],
            125,
            "the container name \"dup\" is already in use by",
        ),
        (
            &["rename", "dup2", "dup"],
            125,
            "that name is already in use",
        ),
        (
            &["rename", "nosuch", "x"],
            125,
            "no container with name or ID \"nosuch\" found: no such container",
        ),
        (
            &["container", "init", "nosuch"],
            125,
            "no container with name or ID \"nosuch\" found",
        ),
        (
            &["port", "nosuch"],
            125,
            "no container with name or ID \"nosuch\" found",
        ),
        (
            &["attach", "nosuch"],
            125,
            "no container with name or ID \"nosuch\" found",
        ),
    ];
    for (args, code, words) in rows {
        c.run(*args).code(*code).stderr_contains(words);
    }
}
