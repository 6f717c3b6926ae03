//! build: Podman's flags beyond the Dockerfile, each seen in what RUN steps get
//! or in the image that comes out; flags refused, and bad values, fail before
//! anything is built.

use crate::build::{
    build, built_id, context, dockerfile_only, give_to_user, inspect, with_busybox,
};
use crate::common::*;
use serde_json::Value;

fn run_out(c: &coracle_testkit::Coracle, image: &str, script: &str) -> String {
    let out = c.run(["run", "--rm", image, "sh", "-c", script]);
    out.success();
    out.stdout.clone()
}

#[test]
fn build_flags_shape_what_run_steps_see() {
    let (c, base) = with_busybox();
    let shared = c.dir().join("shared");
    std::fs::create_dir_all(&shared).unwrap();
    std::fs::write(shared.join("data"), "from the host\n").unwrap();
    give_to_user(&c, &shared);
    let dir = dockerfile_only(
        &c,
        "runsee",
        &format!(
            "FROM {base}\nRUN grep foo.example /etc/hosts > /hosts; cat /etc/resolv.conf > /resolv; \
             grep CapEff /proc/self/status > /caps; ulimit -n > /nofile; \
             cat /mnt/in/data > /fromvol\n"
        ),
    );
    let volume = format!("{}:/mnt/in:ro", shared.display());
    let out = build(
        &c,
        &[
            "--add-host",
            "foo.example:10.1.2.3",
            "--dns",
            "10.9.9.9",
            "--dns-search",
            "example.org",
            "--dns-option",
            "ndots:3",
            "--cap-drop",
            "all",
            "--ulimit",
            "nofile=1234:1234",
            "--security-opt",
            "no-new-privileges",
            "-v",
            &volume,
            "-t",
            "runsee",
            dir.to_str().unwrap(),
        ],
    );
    built_id(&out);
    let got = run_out(
        &c,
        "runsee",
        "cat /hosts /resolv /caps /nofile /fromvol; if test -e /mnt/in; then echo mount-point-kept; fi",
    );
    assert!(
        got.contains("10.1.2.3\tfoo.example") || got.contains("10.1.2.3 foo.example"),
        "{got}"
    );
    assert!(got.contains("nameserver 10.9.9.9"), "{got}");
    assert!(got.contains("search example.org"), "{got}");
    assert!(got.contains("options ndots:3"), "{got}");
    assert!(got.contains("CapEff:\t0000000000000000"), "{got}");
    assert!(got.contains("1234\n"), "{got}");
    assert!(got.contains("from the host\n"), "{got}");
    assert!(!got.contains("mount-point-kept"), "{got}");
}

#[test]
fn build_flags_shape_the_image() {
    let (c, base) = with_busybox();
    // --from replaces the first FROM; --env and --unsetenv change the result's Env.
    let dir = dockerfile_only(
        &c,
        "shaped",
        "FROM nothing-here:never\nENV GONE=1 KEPT=2\nRUN echo ran\n",
    );
    let ctx = dir.to_str().unwrap();
    let out = build(
        &c,
        &[
            "--from",
            &base,
            "--env",
            "ADDED=yes",
            "--unsetenv",
            "GONE",
            "--timestamp",
            "0",
            "--omit-history",
            "--format",
            "docker",
            "-t",
            "shaped",
            ctx,
        ],
    );
    built_id(&out);
    assert!(
        out.stdout.contains(&format!("STEP 1/3: FROM {base}")),
        "{out}"
    );
    let image = inspect(&c, "shaped");
    let env: Vec<&str> = image["Config"]["Env"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e.as_str().unwrap())
        .collect();
    assert!(
        env.contains(&"ADDED=yes") && env.contains(&"KEPT=2"),
        "{env:?}"
    );
    assert!(!env.iter().any(|e| e.starts_with("GONE=")), "{env:?}");
    assert_eq!(image["Created"], "1970-01-01T00:00:00Z");
    assert!(image["History"].is_null(), "{}", image["History"]);
    assert_eq!(
        image["ManifestType"],
        "application/vnd.docker.distribution.manifest.v2+json"
    );
    let manifest = manifest_of(&c, &image);
    assert_eq!(
        manifest["config"]["mediaType"],
        "application/vnd.docker.container.image.v1+json"
    );
    assert!(manifest["layers"]
        .as_array()
        .unwrap()
        .iter()
        .all(|l| l["mediaType"]
            .as_str()
            .unwrap()
            .starts_with("application/vnd.docker.")));
    c.run([
        "run",
        "--rm",
        "shaped",
        "sh",
        "-c",
        "echo $ADDED-$GONE-$KEPT",
    ])
    .success()
    .stdout_eq("yes--2\n");

    // The default: OCI, with the annotations asked for, and a history.
    let out = build(
        &c,
        &[
            "--annotation",
            "org.example.a=b",
            "-t",
            "annotated",
            &format!("--from={base}"),
            ctx,
        ],
    );
    built_id(&out);
    let image = inspect(&c, "annotated");
    assert_eq!(
        image["ManifestType"],
        "application/vnd.oci.image.manifest.v1+json"
    );
    assert_eq!(manifest_of(&c, &image)["annotations"]["org.example.a"], "b");
    assert!(image["History"].as_array().is_some_and(|h| !h.is_empty()));
}

/// The image's manifest, read from the store.
fn manifest_of(c: &coracle_testkit::Coracle, image: &Value) -> Value {
    let digest = image["Digest"].as_str().unwrap();
    serde_json::from_slice(&std::fs::read(blob_path(c, digest)).unwrap()).unwrap()
}

#[test]
fn build_ignorefile_and_layers() {
    let (c, base) = with_busybox();
    let dir = context(
        &c,
        "ignoring",
        &[
            (
                "Dockerfile",
                &format!("FROM {base}\nCOPY . /ctx/\nRUN ls /ctx > /listing\n"),
            ),
            ("kept.txt", "k"),
            ("dropped.txt", "d"),
            (".dockerignore", "kept.txt\n"),
        ],
    );
    let ignorefile = c.dir().join("my.ignore");
    std::fs::write(&ignorefile, "dropped.txt\n").unwrap();
    give_to_user(&c, &ignorefile);
    let ctx = dir.to_str().unwrap();
    let first = build(
        &c,
        &[
            "--ignorefile",
            ignorefile.to_str().unwrap(),
            "-t",
            "ign",
            ctx,
        ],
    );
    built_id(&first);
    let listing = run_out(&c, "ign", "cat /listing");
    assert!(
        listing.contains("kept.txt") && !listing.contains("dropped.txt"),
        "{listing}"
    );
    build(&c, &["--ignorefile", "/nonexistent/ignore", ctx])
        .code(125)
        .stderr_contains("cannot read the ignore file /nonexistent/ignore");

    // --layers=false: the cache is neither read nor written.
    let uncached = build(&c, &["--layers=false", "-t", "ign2", ctx]);
    built_id(&uncached);
    assert!(!uncached.stdout.contains("Using cache"), "{uncached}");
    let again = build(&c, &["--layers=false", "-t", "ign2", ctx]);
    assert!(!again.stdout.contains("Using cache"), "{again}");
    let cached = build(
        &c,
        &[
            "--ignorefile",
            ignorefile.to_str().unwrap(),
            "-t",
            "ign",
            ctx,
        ],
    );
    assert!(cached.stdout.contains("Using cache"), "{cached}");
}

#[test]
fn build_accepts_podmans_flags_that_change_nothing_here() {
    let (c, base) = with_busybox();
    let dir = dockerfile_only(&c, "ignored", &format!("FROM {base}\nRUN echo ran\n"));
    let out = c.run([
        "--log-level",
        "debug",
        "build",
        "--force-rm",
        "--rm=false",
        "--jobs",
        "2",
        "--cache-from",
        "example.org/cache",
        "--cache-to",
        "example.org/cache",
        "--cache-ttl",
        "1h",
        "--retry",
        "2",
        "--retry-delay",
        "1s",
        "--isolation",
        "chroot",
        "--identity-label=false",
        "--compress",
        "-D",
        "--pid",
        "private",
        "--ipc",
        "private",
        "--uts",
        "private",
        "--cgroupns",
        "host",
        "--userns",
        "host",
        "--stdin",
        "--skip-unused-stages=false",
        "--runtime-flag",
        "debug",
        "--hooks-dir",
        "/nonexistent",
        "--shm-size",
        "128m",
        "--os-feature",
        "f",
        "--os-version",
        "1",
        "--http-proxy=false",
        "--disable-content-trust",
        "-t",
        "ignored",
        dir.to_str().unwrap(),
    ]);
    built_id(&out);
    out.stderr_contains("build --rm=false accepted and ignored");
    // Those ignored whatever their value say so through unsupported.rs.
    for flag in ["--jobs", "--cache-from", "--shm-size", "--isolation"] {
        out.stderr_contains(&format!("ignoring {flag}: "));
    }
}

#[test]
fn build_refuses_bad_values_and_unsupported_flags_before_building() {
    let (c, base) = with_busybox();
    let dir = dockerfile_only(&c, "refused", &format!("FROM {base}\nRUN echo ran\n"));
    let ctx = dir.to_str().unwrap();
    let cases: &[(&[&str], &str)] = &[
        (&["--format", "xml"], "invalid value 'xml'"),
        (&["--timestamp", "soon"], "invalid value 'soon'"),
        (&["--ulimit", "bogus"], "ulimit"),
        (&["--dns", "not-an-ip"], "--dns \"not-an-ip\""),
        (&["--add-host", "nocolon"], "nocolon"),
        (&["--security-opt", "bogus"], "unknown --security-opt"),
        (&["--shm-size", "lots"], "invalid --shm-size"),
        (&["--isolation", "vm"], "invalid value 'vm'"),
        (&["--pid", "host"], "coracle does not support --pid=host"),
        (
            &["--userns", "container"],
            "coracle does not support --userns=container",
        ),
        (&["--squash", "--squash-all"], "cannot be used with"),
        (
            &["--all-platforms"],
            "coracle does not support --all-platforms:",
        ),
        (
            &["--sign-by", "ABCD"],
            "coracle does not support --sign-by:",
        ),
        (
            &["--decryption-key", "k"],
            "coracle does not support --decryption-key:",
        ),
        (
            &["--cpp-flag", "-DX"],
            "coracle does not support --cpp-flag:",
        ),
        (
            &["--output", "type=zip,dest=out"],
            "type must be local or tar",
        ),
        (
            &["--platform", "linux/arm64", "--arch", "amd64"],
            "cannot be used together",
        ),
    ];
    for (flags, message) in cases {
        let out = build(&c, &[flags, &["-t", "refused", ctx][..]].concat());
        out.code(125).stderr_contains(message);
        assert!(!out.stdout.contains("STEP"), "{flags:?} built: {out}");
    }
    c.run(["image", "inspect", "refused"]).code(125);
}

#[test]
fn build_output_writes_the_result_files() {
    let (c, base) = with_busybox();
    let dir = dockerfile_only(
        &c,
        "outctx",
        &format!(
            "FROM {base}\nRUN echo hi > /hello && rm /bin/vi\nRUN mkdir /d && echo x > /d/f\n"
        ),
    );
    let ctx = dir.to_str().unwrap();
    let outs = c.dir().join("outs");
    std::fs::create_dir_all(&outs).unwrap();
    give_to_user(&c, &outs);
    let local = outs.join("local");
    let out = build(
        &c,
        &[
            "-o",
            &format!("type=local,dest={}", local.display()),
            "-t",
            "outimg",
            ctx,
        ],
    );
    built_id(&out);
    assert_eq!(
        std::fs::read_to_string(local.join("hello")).unwrap(),
        "hi\n"
    );
    assert_eq!(std::fs::read_to_string(local.join("d/f")).unwrap(), "x\n");
    assert!(local.join("bin/sh").exists());
    assert!(
        !local.join("bin/vi").exists(),
        "a whiteout hides the base image's file"
    );

    // A lone directory is type=local; type=tar writes one tar of the same files.
    let plain = outs.join("plain");
    built_id(&build(&c, &["-o", plain.to_str().unwrap(), ctx]));
    assert!(plain.join("hello").is_file());
    let tar = outs.join("out.tar");
    built_id(&build(
        &c,
        &["--output", &format!("type=tar,dest={}", tar.display()), ctx],
    ));
    let listing = std::process::Command::new("tar")
        .arg("-tf")
        .arg(&tar)
        .output()
        .unwrap();
    let names = String::from_utf8(listing.stdout).unwrap();
    assert!(
        names.lines().any(|l| l == "hello") && names.lines().any(|l| l == "d/f"),
        "{names}"
    );
    assert!(!names.lines().any(|l| l == "bin/vi"), "{names}");
}

#[test]
fn build_squash_and_squash_all_make_one_layer() {
    let (c, base) = with_busybox();
    let dir = dockerfile_only(
        &c,
        "squashctx",
        &format!("FROM {base}\nRUN echo one > /one && rm /bin/vi\nRUN echo two > /two\n"),
    );
    let ctx = dir.to_str().unwrap();
    let base_layers = inspect(&c, &base)["RootFS"]["Layers"]
        .as_array()
        .unwrap()
        .len();
    let layers = |name: &str| {
        inspect(&c, name)["RootFS"]["Layers"]
            .as_array()
            .unwrap()
            .len()
    };
    built_id(&build(&c, &["-t", "unsquashed", ctx]));
    assert_eq!(layers("unsquashed"), base_layers + 2);
    built_id(&build(&c, &["--squash", "-t", "squashed", ctx]));
    assert_eq!(layers("squashed"), base_layers + 1);
    built_id(&build(&c, &["--squash-all", "-t", "flat", ctx]));
    assert_eq!(layers("flat"), 1);
    for image in ["squashed", "flat"] {
        let got = run_out(
            &c,
            image,
            "cat /one /two; test -e /bin/vi && echo vi-back; echo ok",
        );
        assert_eq!(got, "one\ntwo\nok\n", "{image}");
    }
}

#[test]
fn build_stdin_and_logfile() {
    let (c, base) = with_busybox();
    let dir = dockerfile_only(
        &c,
        "stdinctx",
        &format!("FROM {base}\nRUN cat > /got && echo ran\n"),
    );
    let ctx = dir.to_str().unwrap();
    with_stdin(&c, &["build", "--stdin", "-t", "fed", ctx], "piped in\n").success();
    assert_eq!(run_out(&c, "fed", "cat /got"), "piped in\n");
    // Without --stdin, RUN steps read nothing.
    with_stdin(
        &c,
        &["build", "--no-cache", "-t", "unfed", ctx],
        "piped in\n",
    )
    .success();
    assert_eq!(run_out(&c, "unfed", "cat /got"), "");

    let logs = c.dir().join("logs");
    std::fs::create_dir_all(&logs).unwrap();
    give_to_user(&c, &logs);
    let logfile = logs.join("build.log");
    let out = build(
        &c,
        &["--no-cache", "--logfile", logfile.to_str().unwrap(), ctx],
    );
    out.success();
    assert_eq!(out.stdout, "", "{out}");
    let logged = std::fs::read_to_string(&logfile).unwrap();
    assert!(
        logged.contains("STEP 2/2: RUN cat > /got && echo ran\nran\n"),
        "{logged}"
    );
    let id = logged.lines().last().unwrap();
    c.run(["image", "inspect", id]).success();
}

#[test]
fn build_creds_pull_the_base_image() {
    let reg = basic();
    let c = coracle();
    let base = reg.image("private/busybox:latest");
    let dir = dockerfile_only(&c, "credsctx", &format!("FROM {base}\nRUN echo ran\n"));
    let ctx = dir.to_str().unwrap();
    build(&c, &[ctx]).code(125);
    let creds = format!("{BASIC_USER}:{BASIC_PASS}");
    built_id(&build(&c, &["--creds", &creds, "-t", "withcreds", ctx]));
    build(&c, &["--creds", "nopassword", ctx])
        .code(125)
        .stderr_contains("--creds must be USERNAME:PASSWORD");
}

#[test]
fn build_context_names_more_sources() {
    let (c, base) = with_busybox();
    let extra = context(&c, "extra", &[("note.txt", "from elsewhere\n")]);
    let dir = dockerfile_only(
        &c,
        "namedctx",
        "FROM baseimg\nCOPY --from=extra note.txt /note.txt\nCOPY --from=tools /bin/busybox /bb\n",
    );
    let ctx = dir.to_str().unwrap();
    let out = build(
        &c,
        &[
            "--build-context",
            &format!("extra={}", extra.display()),
            "--build-context",
            &format!("baseimg=docker-image://{base}"),
            "--build-context",
            &format!("tools=container-image://{base}"),
            "-t",
            "named",
            ctx,
        ],
    );
    built_id(&out);
    assert_eq!(
        run_out(&c, "named", "cat /note.txt; test -x /bb && echo bb"),
        "from elsewhere\nbb\n"
    );
    // A changed file in the named context is a cache miss, as in the main one.
    std::fs::write(extra.join("note.txt"), "changed\n").unwrap();
    let again = build(
        &c,
        &[
            "--build-context",
            &format!("extra={}", extra.display()),
            "--build-context",
            &format!("baseimg=docker-image://{base}"),
            "--build-context",
            &format!("tools=container-image://{base}"),
            "-t",
            "named",
            ctx,
        ],
    );
    built_id(&again);
    assert_eq!(run_out(&c, "named", "cat /note.txt"), "changed\n");
    build(&c, &["--build-context", "x=/nonexistent/dir", ctx])
        .code(125)
        .stderr_contains("/nonexistent/dir is not a directory");
    build(&c, &["--build-context", "x=https://example.org/c.tar", ctx])
        .code(125)
        .stderr_contains("coracle takes a directory");
}

#[test]
fn build_os_version_and_features_reach_the_config() {
    let (c, base) = with_busybox();
    let dir = dockerfile_only(&c, "osctx", &format!("FROM {base}\nLABEL a=b\n"));
    let out = build(
        &c,
        &[
            "--os-version",
            "10.0.1",
            "--os-feature",
            "win32k",
            "--os-feature",
            "sse4",
            "--os-feature",
            "sse4-",
            "-t",
            "osimg",
            dir.to_str().unwrap(),
        ],
    );
    built_id(&out);
    let id = inspect(&c, "osimg")["Id"].as_str().unwrap().to_owned();
    let config: Value =
        serde_json::from_slice(&std::fs::read(blob_path(&c, &id)).unwrap()).unwrap();
    assert_eq!(config["os.version"], "10.0.1");
    assert_eq!(config["os.features"], serde_json::json!(["win32k"]));
}
