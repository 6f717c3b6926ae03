//! build: multi-stage builds, COPY --from, and the instructions and forms beyond
//! the everyday ones (heredocs, SHELL, ONBUILD, ARG before FROM, scratch).

use crate::build::{build, built_id, context, dockerfile_only, inspect, with_busybox};
use serde_json::json;

#[test]
fn build_multi_stage_copies_from_stages_and_skips_unneeded_ones() {
    let (c, base) = with_busybox();
    let dir = dockerfile_only(
        &c,
        "ctx",
            &format!(
                "ARG BASE={base}\n\
                 FROM $BASE AS builder\nRUN mkdir /out && echo compiled > /out/bin && echo in-builder\n\
                 FROM ${{BASE}} AS unused\nRUN echo SHOULD-NOT-RUN\n\
                 FROM builder AS tester\nRUN echo tested > /out/test-ok\n\
                 FROM scratch\nCOPY --from=builder /out/bin /app/bin\n\
                 COPY --from=2 /out/test-ok /app/\nCOPY --from={base} /bin/busybox /bin/busybox\n\
                 CMD [\"/bin/busybox\", \"cat\", \"/app/bin\", \"/app/test-ok\"]\n"
            ),
    );
    let out = build(&c, &["-t", "multi", dir.to_str().unwrap()]);
    built_id(&out);
    out.stdout_contains("[1/3] STEP 1/2: FROM $BASE AS builder")
        .stdout_contains("[3/3] STEP 1/5: FROM scratch");
    assert!(!out.stdout_lines().contains(&"SHOULD-NOT-RUN"), "{out}");
    c.run(["run", "--rm", "multi"])
        .success()
        .stdout_eq("compiled\ntested\n");
    let history = inspect(&c, "multi")["RootFS"]["Layers"]
        .as_array()
        .unwrap()
        .len();
    assert_eq!(history, 3, "scratch plus three COPY layers");

    let target = build(
        &c,
        &[
            "--target",
            "unused",
            "-t",
            "only-unused",
            dir.to_str().unwrap(),
        ],
    );
    built_id(&target);
    assert!(
        target.stdout_lines().contains(&"SHOULD-NOT-RUN"),
        "{target}"
    );
    assert!(!target.stdout.contains("in-builder"), "{target}");
    build(&c, &["--target", "nope", dir.to_str().unwrap()])
        .code(125)
        .stderr_contains("nope");
}

#[test]
fn build_heredocs_shell_and_exec_forms() {
    let (c, base) = with_busybox();
    let dir = dockerfile_only(
        &c,
        "ctx",
            &format!(
                "FROM --platform=$BUILDPLATFORM {base}\nENV WHO=world\nARG TARGETOS\n\
                 RUN <<EOF\necho script line one > /heredoc\necho \"hello $WHO\" >> /heredoc\nEOF\n\
                 RUN cat <<'RAW' > /raw && cat <<-TABS > /tabs\n$WHO stays\nRAW\n\tindented\n\tTABS\n\
                 COPY <<CONF /etc/app.conf\nname=$WHO\nCONF\n\
                 RUN [\"/bin/sh\", \"-c\", \"echo exec form > /exec\"]\n\
                 SHELL [\"/bin/sh\", \"-c\", \"-e\"]\nRUN echo shell-set $TARGETOS > /shell\n\
                 CMD cat /heredoc /raw /tabs /etc/app.conf /exec /shell\n"
            ),
    );
    let out = build(&c, &["-t", "forms", dir.to_str().unwrap()]);
    built_id(&out);
    c.run(["run", "--rm", "forms"]).success().stdout_eq(
        "script line one\nhello world\n$WHO stays\nindented\nname=world\nexec form\nshell-set linux\n",
    );
    assert_eq!(
        inspect(&c, "forms")["Config"]["Shell"],
        json!(["/bin/sh", "-c", "-e"])
    );
}

#[test]
fn build_onbuild_triggers_run_in_the_child_build() {
    let (c, base) = with_busybox();
    let parent = dockerfile_only(
        &c,
        "parent",
        &format!("FROM {base}\nONBUILD RUN echo triggered > /from-trigger\n"),
    );
    built_id(&build(
        &c,
        &["-t", "parent-image", parent.to_str().unwrap()],
    ));
    assert_eq!(
        inspect(&c, "parent-image")["Config"]["OnBuild"],
        json!(["RUN echo triggered > /from-trigger"])
    );
    let child = context(
        &c,
        "child",
        &[("Dockerfile", "FROM parent-image\nCMD cat /from-trigger\n")],
    );
    built_id(&build(&c, &["-t", "child-image", child.to_str().unwrap()]));
    c.run(["run", "--rm", "child-image"])
        .success()
        .stdout_eq("triggered\n");
    assert!(inspect(&c, "child-image")["Config"]["OnBuild"].is_null());
}

#[test]
fn build_bad_dockerfiles_are_clear_errors() {
    let (c, base) = with_busybox();
    let cases: [(&str, String, &str); 5] = [
        (
            "unknown",
            format!("FROM {base}\nFROOB x\n"),
            "Dockerfile:2: unknown instruction: FROOB",
        ),
        ("nofrom", "RUN true\n".to_owned(), "Dockerfile:1"),
        (
            "missing",
            format!("FROM {base}\nCOPY nothere /x\n"),
            "\"nothere\" not found",
        ),
        (
            "outside",
            format!("FROM {base}\nCOPY ../etc/passwd /x\n"),
            "outside the build context",
        ),
        (
            "badstage",
            format!("FROM {base}\nCOPY --from=nostage /x /x\n"),
            "nostage",
        ),
    ];
    for (name, dockerfile, message) in cases {
        let dir = context(&c, name, &[("Dockerfile", &dockerfile)]);
        build(&c, &["-t", "bad", dir.to_str().unwrap()])
            .code(125)
            .stderr_contains(message);
    }
    let empty = context(&c, "empty", &[("README", "no dockerfile")]);
    build(&c, &[empty.to_str().unwrap()])
        .code(125)
        .stderr_contains("no Containerfile or Dockerfile");
    c.run(["image", "inspect", "bad"]).code(125);
}
