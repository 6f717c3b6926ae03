//! build: the context (ignore files, a tar on stdin), ADD and COPY's options, and
//! the output flags.

use crate::build::{
    build, built_id, context, dockerfile_only, give_to_user, inspect, with_busybox,
};
use crate::common::anon;
use std::io::Write;
use std::process::Stdio;

#[test]
fn build_honours_dockerignore_patterns_and_exceptions() {
    let (c, base) = with_busybox();
    let dir = context(
        &c,
        "ctx",
        &[
            (
                "Dockerfile",
                &format!("FROM {base}\nCOPY . /ctx/\nCMD find /ctx -mindepth 1\n"),
            ),
            (
                ".dockerignore",
                "# comment\n*.log\n**/*.tmp\nsecret\ndocs\n!docs/keep.md\n",
            ),
            ("app.txt", "a"),
            ("debug.log", "x"),
            ("sub/deep/x.tmp", "x"),
            ("sub/kept.txt", "k"),
            ("secret/key", "x"),
            ("docs/other.md", "x"),
            ("docs/keep.md", "k"),
        ],
    );
    built_id(&build(&c, &["-t", "ignored", dir.to_str().unwrap()]));
    let out = c.run(["run", "--rm", "ignored"]);
    let mut files = out.success().stdout_lines();
    files.sort();
    assert_eq!(
        files,
        [
            "/ctx/.dockerignore",
            "/ctx/Dockerfile",
            "/ctx/app.txt",
            "/ctx/docs",
            "/ctx/docs/keep.md",
            "/ctx/sub",
            "/ctx/sub/deep",
            "/ctx/sub/kept.txt"
        ]
    );
    // An excluded file named as a source is missing, as Docker says.
    std::fs::write(
        dir.join("Dockerfile"),
        format!("FROM {base}\nCOPY debug.log /\n"),
    )
    .unwrap();
    build(&c, &[dir.to_str().unwrap()])
        .code(125)
        .stderr_contains("debug.log");
}

/// A tar of `files` (path, contents) as bytes.
fn tar_of(files: &[(&str, &str)]) -> Vec<u8> {
    let mut builder = tar::Builder::new(Vec::new());
    for (path, contents) in files {
        let mut header = tar::Header::new_gnu();
        header.set_size(contents.len() as u64);
        header.set_mode(0o644);
        header.set_uid(0);
        header.set_gid(0);
        header.set_mtime(1_700_000_000);
        builder
            .append_data(&mut header, path, contents.as_bytes())
            .unwrap();
    }
    builder.into_inner().unwrap()
}

#[test]
fn build_reads_a_tar_context_from_stdin() {
    let (c, base) = with_busybox();
    let tar = tar_of(&[
        (
            "Containerfile",
            &format!("FROM {base}\nCOPY hello.txt /\nCMD cat /hello.txt\n"),
        ),
        ("Dockerfile", "FROM nothing-to-see\n"),
        ("hello.txt", "from stdin\n"),
    ]);
    let mut cmd = c.command(["build", "-q", "-t", "stdin-image", "-"]);
    cmd.stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().unwrap();
    child.stdin.take().unwrap().write_all(&tar).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "{out:?}");
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert_eq!(stdout.trim().len(), 64, "-q prints only the ID: {stdout:?}");
    c.run(["run", "--rm", "stdin-image"])
        .success()
        .stdout_eq("from stdin\n");
}

#[test]
fn build_add_copy_options_and_output_flags() {
    let (c, base) = with_busybox();
    let dir = context(
        &c,
        "ctx",
        &[
            (
                "build.Dockerfile",
                &format!(
                    "FROM {base}\nADD archive.tar /unpacked/\nADD plain.txt /plain.txt\n\
                     COPY --chown=1000:1000 --chmod=750 plain.txt /owned\n\
                     COPY --chown=nobody plain.txt /nobody-owned\n\
                     COPY *.txt /globbed/\n\
                     CMD cat /unpacked/inside.txt && stat -c '%u:%g %a' /owned && stat -c '%U' /nobody-owned && ls /globbed\n"
                ),
            ),
            ("plain.txt", "plain\n"),
            ("other.txt", "other\n"),
        ],
    );
    std::fs::write(
        dir.join("archive.tar"),
        tar_of(&[("inside.txt", "extracted\n")]),
    )
    .unwrap();
    give_to_user(&c, &dir);
    let iid = c.dir().join("iid");
    let out = build(
        &c,
        &[
            "-f",
            dir.join("build.Dockerfile").to_str().unwrap(),
            "--label",
            "built.by=test",
            "--iidfile",
            iid.to_str().unwrap(),
            "-t",
            "options",
            dir.to_str().unwrap(),
        ],
    );
    let id = built_id(&out);
    out.stdout_contains("Successfully tagged");
    assert_eq!(
        std::fs::read_to_string(&iid).unwrap(),
        format!("sha256:{id}")
    );
    c.run(["run", "--rm", "options"])
        .success()
        .stdout_eq("extracted\n1000:1000 750\nnobody\nother.txt\nplain.txt\n");
    assert_eq!(
        inspect(&c, "options")["Config"]["Labels"]["built.by"],
        "test"
    );
}

#[test]
fn build_add_downloads_a_url() {
    let (c, base) = with_busybox();
    let layer = &anon().images.busybox_v2s2.layers[0].digest;
    let url = format!("http://{}/v2/busybox/blobs/{layer}", anon().registry.addr());
    let hex = layer.trim_start_matches("sha256:");
    let dir = dockerfile_only(
        &c,
        "ctx",
        &format!(
            "FROM {base}\nADD {url} /downloads/\n\
                 CMD sha256sum /downloads/{layer} && stat -c %a /downloads/{layer}\n"
        ),
    );
    built_id(&build(&c, &["-t", "downloaded", dir.to_str().unwrap()]));
    c.run(["run", "--rm", "downloaded"])
        .success()
        .stdout_contains(hex)
        .stdout_contains("\n600\n");
}
