//! Secrets stay secret: after a login, pulls with stored and with given
//! credentials, a run given `--secret`s (as a file and as a variable), a build
//! given a secret, a commit and failures that involve each, none of the secret
//! strings shows anywhere a user or an image can see it: command output and
//! error messages, logs, inspect, history, events, the layers and every file of
//! the store, except those that hold them by design (the secrets store,
//! auth.json, and what a container is given: its secret files and its runtime
//! spec's environment, as Podman keeps them). Rootless and rootful.

use crate::build::context;
use crate::common::*;
use coracle_testkit::{Coracle, Output};
use std::path::{Path, PathBuf};

const RUN_SECRET: &str = "run-secret-7f3a9c";
const ENV_SECRET: &str = "env-secret-4b2d8e";
const BUILD_SECRET: &str = "build-secret-91c6d0";
const WRONG_PASS: &str = "wrong-pass-5e1f0a";

/// The strings that must not show: the secrets, and the credentials as an
/// Authorization header or auth.json carries them (base64 of user:password).
fn secrets() -> Vec<String> {
    use base64::Engine;
    let b64 =
        |p: &str| base64::engine::general_purpose::STANDARD.encode(format!("{BASIC_USER}:{p}"));
    [BASIC_PASS, RUN_SECRET, ENV_SECRET, BUILD_SECRET, WRONG_PASS]
        .map(str::to_owned)
        .into_iter()
        .chain([b64(BASIC_PASS), b64(WRONG_PASS)])
        .collect()
}

/// Each secret string `out` shows, with where.
fn leaks_in(what: &str, out: &Output) -> Vec<String> {
    let text = format!("{}{}", out.stdout, out.stderr);
    secrets()
        .into_iter()
        .filter(|s| text.contains(s.as_str()))
        .map(|s| format!("{s} in {what}"))
        .collect()
}

/// Files that hold secrets by design: the runtime spec holds env secrets, as
/// Podman's does, and so does its copy with room to load the seccomp filter.
fn holds_secrets_by_design(root: &Path, path: &Path) -> bool {
    let rel = path.strip_prefix(root).unwrap_or(path);
    let parts: Vec<_> = rel.iter().filter_map(|p| p.to_str()).collect();
    matches!(
        parts.as_slice(),
        ["secrets", ..]
            | [.., "auth.json"]
            | ["containers", _, "userdata", "secrets", ..]
            | ["containers", _, "config.json"]
            | ["containers", _, "filtered", "config.json"]
    )
}

/// Each secret string a file under `dir` (or `dir` itself, a file) holds, those
/// that hold them by design aside.
fn leaks_under(dir: &Path) -> Vec<String> {
    found_under(dir, true)
}

/// Each secret string a file under `dir` holds, with or without those that
/// hold them by design.
fn found_under(dir: &Path, spare_holders: bool) -> Vec<String> {
    let mut leaks = Vec::new();
    let paths = match dir.is_file() {
        true => vec![dir.to_owned()],
        false => walk(dir),
    };
    for path in paths {
        let Ok(meta) = std::fs::symlink_metadata(&path) else {
            continue;
        };
        if !meta.is_file() || (spare_holders && holds_secrets_by_design(dir, &path)) {
            continue;
        }
        let Ok(bytes) = std::fs::read(&path) else {
            continue;
        };
        for s in secrets() {
            if bytes.windows(s.len()).any(|w| w == s.as_bytes()) {
                leaks.push(format!("{s} in {}", path.display()));
            }
        }
    }
    leaks
}

struct Session {
    c: Coracle,
    outputs: Vec<(String, Output)>,
}

impl Session {
    fn run(&mut self, args: &[&str]) -> &Output {
        let out = self.c.run(args);
        self.outputs.push((args.join(" "), out));
        &self.outputs.last().unwrap().1
    }

    fn stdin(&mut self, args: &[&str], input: &str) -> &Output {
        let out = with_stdin(&self.c, args, input);
        self.outputs.push((args.join(" "), out));
        &self.outputs.last().unwrap().1
    }

    fn file(&self, name: &str, contents: &str) -> PathBuf {
        let path = self.c.dir().join(name);
        self.c.write_user_file(&path, contents.as_bytes());
        path
    }
}

#[test]
fn secrets_never_show_in_output_logs_inspect_history_events_layers_or_the_store() {
    secrets_never_show(coracle());
}

#[test]
fn secrets_never_show_in_output_logs_inspect_history_events_layers_or_the_store_rootful() {
    let Some(c) = Coracle::rootful(BIN) else {
        return;
    };
    secrets_never_show(c);
}

fn secrets_never_show(c: Coracle) {
    let reg = basic();
    let image = reg.image("private/busybox:latest");
    let mut s = Session {
        c,
        outputs: Vec::new(),
    };

    // Registry credentials: refused, stored, given.
    s.run(&["login", "-u", BASIC_USER, "-p", WRONG_PASS, &reg.addr()])
        .failure();
    s.run(&["login", "-u", BASIC_USER, "-p", BASIC_PASS, &reg.addr()])
        .success();
    s.run(&["pull", &image]).success();
    let wrong = format!("{BASIC_USER}:{WRONG_PASS}");
    let right = format!("{BASIC_USER}:{BASIC_PASS}");
    s.run(&["pull", "--creds", &wrong, &reg.image("private/other:1")])
        .failure();
    s.run(&["pull", "--creds", &right, &image]).success();
    s.run(&["pull", "--creds", &right, &reg.image("private/absent:1")])
        .failure();

    // Run secrets, as a file and as a variable.
    s.stdin(&["secret", "create", "tok", "-"], RUN_SECRET)
        .success();
    s.stdin(&["secret", "create", "envtok", "-"], ENV_SECRET)
        .success();
    let check = format!(
        "test $(wc -c < /run/secrets/tok) = {} && test ${{#TOK}} = {} && echo given",
        RUN_SECRET.len(),
        ENV_SECRET.len()
    );
    s.run(&[
        "run",
        "--name",
        "sec",
        "--secret",
        "tok",
        "--secret",
        "envtok,type=env,target=TOK",
        &image,
        "sh",
        "-c",
        &check,
    ])
    .success()
    .stdout_eq("given\n");
    s.run(&["commit", "sec", "localhost/sec-commit"]).success();

    // A build secret.
    let secret_file = s.file("build-secret", BUILD_SECRET);
    let ctx = context(
        &s.c,
        "ctx",
        &[(
            "Dockerfile",
            &format!(
                "FROM {image}\nRUN --mount=type=secret,id=btok test $(wc -c < /run/secrets/btok) = {} && echo built > /built\n",
                BUILD_SECRET.len()
            ),
        )],
    );
    let given = format!("id=btok,src={}", secret_file.display());
    let ctx = ctx.to_str().unwrap();
    s.run(&[
        "build",
        "--secret",
        &given,
        "-t",
        "localhost/sec-built",
        ctx,
    ])
    .success();
    s.run(&[
        "build",
        "--no-cache",
        "--secret",
        &given,
        "-t",
        "localhost/sec-built2",
        ctx,
    ])
    .success();

    // Everything a user can look at.
    for args in [
        &["logs", "sec"][..],
        &["inspect", "sec"],
        &[
            "container",
            "inspect",
            "--format",
            "{{json .Config.Env}}",
            "sec",
        ],
        &[
            "image",
            "inspect",
            "localhost/sec-commit",
            "localhost/sec-built",
            &image,
        ],
        &["history", "--no-trunc", "localhost/sec-built"],
        &["history", "--no-trunc", "localhost/sec-commit"],
        &["secret", "inspect", "tok", "envtok"],
        &["secret", "ls"],
        &["events", "--stream=false"],
        &["ps", "-a", "--no-trunc"],
        &["images", "--no-trunc"],
    ] {
        s.run(args).success();
    }
    // The layers, uncompressed: an export of each image's files.
    for img in ["localhost/sec-commit", "localhost/sec-built"] {
        let name = format!("x-{}", img.rsplit('/').next().unwrap());
        s.run(&["create", "--name", &name, img, "true"]).success();
        let tar = s.c.dir().join(format!("{name}.tar"));
        s.run(&["export", "-o", tar.to_str().unwrap(), &name])
            .success();
        let leaked = leaks_under(&tar);
        assert!(leaked.is_empty(), "{leaked:?}");
    }
    let saved = s.c.dir().join("saved");
    s.run(&[
        "save",
        "--format",
        "oci-dir",
        "--uncompressed",
        "-o",
        saved.to_str().unwrap(),
        "localhost/sec-built",
    ])
    .success();

    let mut leaks: Vec<String> = s
        .outputs
        .iter()
        .flat_map(|(what, out)| leaks_in(what, out))
        .collect();
    for dir in [saved, s.c.root(), s.c.runroot(), s.c.runtime_dir()] {
        leaks.extend(leaks_under(&dir));
    }
    assert!(leaks.is_empty(), "secrets leaked:\n{}", leaks.join("\n"));
    // The search does find them where they are kept.
    let kept = found_under(&s.c.root(), false).join("\n");
    assert!(kept.contains(&format!("{RUN_SECRET} in ")), "{kept}");
    let auth = found_under(&s.c.runtime_dir(), false).join("\n");
    assert!(auth.contains("auth.json"), "{auth}");
}
