//! build: `RUN --mount=type=cache|bind|tmpfs|secret` and `build --secret`, rootless
//! and rootful: what a RUN sees through each mount, and that none of it ends up in
//! the image.

use crate::build::{build, built_id, context, with_busybox};
use crate::common::*;
use coracle_testkit::{Coracle, Output};
use std::process::Command;

/// `sh -c CMD` in a fresh container of `image`.
fn sh(c: &Coracle, image: &str, cmd: &str) -> Output {
    c.run(["run", "--rm", image, "sh", "-c", cmd])
}

/// Builds the context `name` holding these files and tags it `name`.
fn build_ctx(c: &Coracle, name: &str, files: &[(&str, &str)], flags: &[&str]) -> Output {
    let dir = context(c, name, files);
    let mut args = flags.to_vec();
    args.extend(["-t", name, dir.to_str().unwrap()]);
    build(c, &args)
}

/// A cache mount keeps what one build wrote for the next (by target, or by id
/// across targets, twice in one RUN too), holds nothing of it in the image, and
/// `builder prune` empties it.
fn cache_mounts_persist_until_pruned(c: &Coracle, base: &str) {
    let writer = format!(
        "FROM {base}\n\
         RUN --mount=type=cache,target=/var/cache/app echo first > /var/cache/app/note\n\
         RUN --mount=type=cache,id=shared,target=/a echo by-id > /a/f\n"
    );
    built_id(&build_ctx(c, "writer", &[("Dockerfile", &writer)], &[]));
    sh(
        c,
        "writer",
        "test ! -e /var/cache/app && test ! -e /a && echo clean",
    )
    .success()
    .stdout_eq("clean\n");

    let reader = format!(
        "FROM {base}\n\
         RUN --mount=type=cache,target=/var/cache/app,sharing=locked \
             --mount=type=cache,id=/var/cache/app,target=/again,sharing=locked \
             --mount=type=cache,id=shared,target=/b,ro \
             echo seen $(cat /again/note || echo none) $(cat /b/f || echo none)\n"
    );
    let read = build_ctx(c, "reader", &[("Dockerfile", &reader)], &[]);
    built_id(&read);
    assert!(read.stdout_lines().contains(&"seen first by-id"), "{read}");

    c.run(["builder", "prune", "-f"]).success();
    let after = build_ctx(c, "reader", &[("Dockerfile", &reader)], &[]);
    built_id(&after);
    assert!(after.stdout_lines().contains(&"seen none none"), "{after}");
}

/// A bind from the context shows its files (not those .dockerignore leaves out)
/// without copying them into the image;
/// `rw` writes go nowhere; a bind from a stage shows that stage's files, across
/// its layers; a changed context file runs the step again.
fn bind_mounts_show_without_copying(c: &Coracle, base: &str) {
    let dockerfile = format!(
        "FROM {base} AS builder\n\
         RUN mkdir /out && echo one > /out/1\n\
         RUN echo two > /out/2\n\
         FROM {base}\n\
         RUN --mount=type=bind,source=src,target=/src-bind \
             cat /src-bind/data.txt > /copied && ls /src-bind > /listing\n\
         RUN --mount=target=/ctx,rw echo scribble > /ctx/src/data.txt && cat /ctx/src/data.txt\n\
         RUN --mount=target=/ctx (touch /ctx/new 2>/dev/null && echo writable) || echo read-only\n\
         RUN --mount=type=bind,from=builder,source=/out,target=/o ls /o > /from-stage\n"
    );
    let files = [
        ("Dockerfile", dockerfile.as_str()),
        ("src/data.txt", "hello\n"),
        ("src/private.txt", "left out\n"),
        (".dockerignore", "src/private.txt\n"),
    ];
    let out = build_ctx(c, "bound", &files, &[]);
    built_id(&out);
    assert!(out.stdout_lines().contains(&"scribble"), "{out}");
    assert!(out.stdout_lines().contains(&"read-only"), "{out}");
    let dir = c.dir().join("bound");
    assert_eq!(
        std::fs::read_to_string(dir.join("src/data.txt")).unwrap(),
        "hello\n"
    );
    assert!(!dir.join("new").exists());
    sh(
        c,
        "bound",
        "cat /copied /listing /from-stage; test ! -e /src-bind && test ! -e /ctx && test ! -e /o && echo clean",
    )
    .success()
    .stdout_eq("hello\ndata.txt\n1\n2\nclean\n");

    std::fs::write(dir.join("src/data.txt"), "changed\n").unwrap();
    built_id(&build(c, &["-t", "bound", dir.to_str().unwrap()]));
    sh(c, "bound", "cat /copied")
        .success()
        .stdout_eq("changed\n");
}

fn tmpfs_mounts_are_tmpfs(c: &Coracle, base: &str) {
    let dockerfile = format!(
        "FROM {base}\n\
         RUN --mount=type=tmpfs,target=/scratch,size=1m \
             grep ' /scratch tmpfs ' /proc/mounts > /found && echo x > /scratch/x\n"
    );
    built_id(&build_ctx(c, "tmp", &[("Dockerfile", &dockerfile)], &[]));
    sh(c, "tmp", "cat /found; test ! -e /scratch && echo clean")
        .success()
        .stdout_contains("size=1024k")
        .stdout_contains("clean");
}

const SECRET: &str = "s3cr3t-value-4711";

/// A secret is readable in its RUN (from a file, or from the environment), and
/// neither its file nor its value is in any layer or the history.
fn secrets_stay_out_of_the_image(c: &mut Coracle, base: &str) {
    c.env("MY_TOKEN", "env-s3cr3t");
    let secret_file = c.dir().join("secret.txt");
    c.write_user_file(&secret_file, SECRET.as_bytes());
    let dockerfile = format!(
        "FROM {base}\n\
         RUN --mount=type=secret,id=tok,required cat /run/secrets/tok && echo\n\
         RUN --mount=type=secret,id=envtok,dst=/etc/tok,mode=0444 cat /etc/tok && echo\n\
         RUN --mount=type=secret,id=absent ls /run/secrets/absent || echo optional-skipped\n"
    );
    let secret_flag = format!("id=tok,src={}", secret_file.display());
    let out = build_ctx(
        c,
        "secretive",
        &[("Dockerfile", &dockerfile)],
        &[
            "--secret",
            &secret_flag,
            "--secret",
            "id=envtok,env=MY_TOKEN",
        ],
    );
    built_id(&out);
    for line in [SECRET, "env-s3cr3t", "optional-skipped"] {
        assert!(out.stdout_lines().contains(&line), "{out}");
    }
    sh(
        c,
        "secretive",
        "test ! -e /run/secrets && test ! -e /etc/tok && echo clean",
    )
    .success()
    .stdout_eq("clean\n");
    let history = c.run(["history", "--no-trunc", "secretive"]);
    history.success();
    assert!(!history.stdout.contains(SECRET), "{history}");

    // Every layer, unpacked from a saved archive.
    let archive = c.dir().join("secretive.tar");
    c.run(["save", "-o", archive.to_str().unwrap(), "secretive"])
        .success();
    let unpacked = c.dir().join("secretive-unpacked");
    std::fs::create_dir(&unpacked).unwrap();
    let script = "tar -xf \"$1\" -C \"$2\" && find \"$2\" -type f | while read f; do \
                  zcat -f \"$f\" | tar -t 2>/dev/null | sed 's/^/entry:/'; zcat -f \"$f\"; done";
    let layers = Command::new("sh")
        .args(["-c", script, "sh"])
        .arg(&archive)
        .arg(&unpacked)
        .output()
        .unwrap();
    assert!(layers.status.success());
    let text = String::from_utf8_lossy(&layers.stdout);
    assert!(!text.contains(SECRET) && !text.contains("env-s3cr3t"));
    let entries: Vec<&str> = text
        .lines()
        .filter_map(|l| l.strip_prefix("entry:"))
        .collect();
    assert!(entries.iter().any(|e| e.ends_with("bin/busybox")));
    assert!(
        !entries
            .iter()
            .any(|e| e.contains("run/secrets") || e.ends_with("etc/tok")),
        "{entries:?}"
    );
}

#[test]
fn build_mounts_cache_persists_between_builds_until_builder_prune() {
    let (c, base) = with_busybox();
    cache_mounts_persist_until_pruned(&c, &base);
}

#[test]
fn build_mounts_bind_shows_context_and_stage_files_without_copying() {
    let (c, base) = with_busybox();
    bind_mounts_show_without_copying(&c, &base);
}

#[test]
fn build_mounts_tmpfs_is_a_tmpfs() {
    let (c, base) = with_busybox();
    tmpfs_mounts_are_tmpfs(&c, &base);
}

#[test]
fn build_mounts_secret_is_readable_and_absent_from_layers_and_history() {
    let (mut c, base) = with_busybox();
    secrets_stay_out_of_the_image(&mut c, &base);
}

#[test]
fn build_mounts_work_rootful() {
    let Some(mut c) = Coracle::rootful(BIN) else {
        return;
    };
    let base = anon_ref("busybox:latest");
    cache_mounts_persist_until_pruned(&c, &base);
    bind_mounts_show_without_copying(&c, &base);
    tmpfs_mounts_are_tmpfs(&c, &base);
    secrets_stay_out_of_the_image(&mut c, &base);
}

#[test]
fn build_mounts_bad_input_fails_with_one_line_and_builds_nothing() {
    let (c, base) = with_busybox();
    let cases: [(&str, &[&str], &str); 7] = [
        (
            "RUN --mount=type=volume,target=/v true",
            &[],
            "invalid mount type \"volume\"",
        ),
        (
            "RUN --mount=type=cache,target=/c,colour=red true",
            &[],
            "colour: invalid mount option for type=cache",
        ),
        (
            "RUN --mount=type=cache true",
            &[],
            "type=cache needs target=PATH",
        ),
        (
            "RUN --mount=type=secret,id=tok,required true",
            &[],
            "secret required but no secret with id \"tok\" found",
        ),
        (
            "RUN --mount=type=bind,source=../outside,target=/o true",
            &[],
            "RUN --mount: source \"../outside\" is outside the build context",
        ),
        (
            "RUN --mount=type=secret,id=tok true",
            &["--secret", "id=tok,src=/nonexistent/secret"],
            "secret \"tok\": cannot read /nonexistent/secret",
        ),
        (
            "RUN --mount=type=secret,id=tok true",
            &["--secret", "tok"],
            "invalid --secret \"tok\"",
        ),
    ];
    for (i, (run, flags, message)) in cases.iter().enumerate() {
        let name = format!("bad{i}");
        let dockerfile = format!("FROM {base}\nRUN echo earlier-step\n{run}\n");
        let out = build_ctx(&c, &name, &[("Dockerfile", &dockerfile)], flags);
        out.code(125).stderr_contains(message);
        assert_eq!(out.stderr.trim().lines().count(), 1, "{out}");
        // Refused before any step runs.
        assert!(!out.stdout_lines().contains(&"earlier-step"), "{out}");
        c.run(["image", "inspect", &name]).code(125);
    }
    let left = std::fs::read_dir(c.root().join("containers")).unwrap();
    assert_eq!(left.count(), 0, "no container is left behind");
}
