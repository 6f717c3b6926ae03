//! build: Dockerfiles exercising each instruction, checked by running the image
//! and by inspecting its config.

use crate::common::*;
use coracle_testkit::{Coracle, Output};
use serde_json::{json, Value};
use std::os::unix::fs::chown;
use std::path::{Path, PathBuf};

/// A coracle with busybox:latest pulled, and the Dockerfile preamble naming it.
pub fn with_busybox() -> (Coracle, String) {
    let c = coracle();
    let image = anon_ref("busybox:latest");
    pull(&c, &image).success();
    (c, image)
}

/// Writes a build context (path -> contents; a trailing `/` makes a directory)
/// owned by the test user, and returns its directory.
pub fn context(c: &Coracle, name: &str, files: &[(&str, &str)]) -> PathBuf {
    let dir = c.dir().join(name);
    std::fs::create_dir_all(&dir).unwrap();
    for (path, contents) in files {
        let full = dir.join(path);
        if path.ends_with('/') {
            std::fs::create_dir_all(&full).unwrap();
        } else {
            std::fs::create_dir_all(full.parent().unwrap()).unwrap();
            std::fs::write(&full, contents).unwrap();
        }
    }
    give_to_user(c, &dir);
    dir
}

/// A context holding only a Dockerfile.
pub fn dockerfile_only(c: &Coracle, name: &str, dockerfile: &str) -> PathBuf {
    context(c, name, &[("Dockerfile", dockerfile)])
}

pub fn give_to_user(c: &Coracle, dir: &Path) {
    let user = c.user();
    for path in walk(dir).into_iter().chain([dir.to_path_buf()]) {
        chown(&path, Some(user.uid), Some(user.gid)).unwrap();
    }
}

pub fn build(c: &Coracle, args: &[&str]) -> Output {
    c.run(["build"].iter().chain(args))
}

/// The image ID a successful build printed last.
#[track_caller]
pub fn built_id(out: &Output) -> String {
    out.success();
    out.stdout_lines()
        .last()
        .map(|l| l.trim().to_owned())
        .unwrap_or_default()
}

pub fn inspect(c: &Coracle, image: &str) -> Value {
    let out = c.run(["image", "inspect", image]);
    out.success();
    let v = out.json();
    match v {
        Value::Array(mut a) => a.remove(0),
        v => v,
    }
}

fn run_out(c: &Coracle, image: &str, cmd: &[&str]) -> String {
    let out = c.run(["run", "--rm", image].iter().chain(cmd));
    out.success();
    out.stdout.clone()
}

#[test]
fn build_makes_an_image_that_runs_with_its_config() {
    let (c, base) = with_busybox();
    let dir = context(
        &c,
        "ctx",
        &[
            (
                "Dockerfile",
                &format!(
                    "# a comment\nFROM {base}\nARG GREETING=hello\n\
                     ENV APP=/app\nENV LEGACY value with spaces\n\
                     RUN mkdir -p $APP && echo \"$GREETING\" > $APP/greeting \\\n    && echo built\n\
                     WORKDIR $APP/sub\nCOPY file.txt ./\nCOPY dir /app/dir/\n\
                     LABEL org.example.a=\"one two\" b=2\nEXPOSE 8080 53/udp\nUSER 1000:1000\n\
                     VOLUME /data\nSTOPSIGNAL SIGINT\n\
                     HEALTHCHECK --interval=30s CMD true\n\
                     ENTRYPOINT [\"/bin/sh\", \"-c\"]\nCMD [\"cat /app/greeting; pwd; id -u; cat file.txt\"]\n"
                ),
            ),
            ("file.txt", "file contents\n"),
            ("dir/a", "a\n"),
            ("dir/nested/b", "b\n"),
        ],
    );
    let out = build(
        &c,
        &["-t", "myimage:1", "-t", "other", dir.to_str().unwrap()],
    );
    let id = built_id(&out);
    out.stdout_contains("STEP 1/16: FROM")
        .stdout_contains("STEP 5/16: RUN mkdir")
        .stdout_contains("built\n");
    assert_eq!(id.len(), 64, "{out}");

    assert_eq!(
        run_out(&c, "myimage:1", &[]),
        "hello\n/app/sub\n1000\nfile contents\n"
    );
    assert_eq!(
        run_out(&c, "other", &["cat /app/dir/a /app/dir/nested/b"]),
        "a\nb\n"
    );
    let config = &inspect(&c, "myimage:1")["Config"];
    let env: Vec<&str> = config["Env"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    assert!(env.contains(&"APP=/app"), "{env:?}");
    assert!(env.contains(&"LEGACY=value with spaces"), "{env:?}");
    assert!(!env.iter().any(|e| e.starts_with("GREETING")), "{env:?}");
    assert_eq!(config["WorkingDir"], "/app/sub");
    assert_eq!(config["User"], "1000:1000");
    assert_eq!(config["Labels"]["org.example.a"], "one two");
    assert_eq!(config["Labels"]["b"], "2");
    assert_eq!(
        config["ExposedPorts"],
        json!({"8080/tcp": {}, "53/udp": {}})
    );
    assert_eq!(config["Volumes"], json!({"/data": {}}));
    assert_eq!(config["StopSignal"], "SIGINT");
    assert_eq!(config["Entrypoint"], json!(["/bin/sh", "-c"]));
    assert_eq!(config["Healthcheck"]["Test"], json!(["CMD-SHELL", "true"]));
    c.run(["history", "--no-trunc", "myimage:1"])
        .success()
        .stdout_contains("#(nop) ENV APP=/app")
        .stdout_contains("COPY file.txt ./");
}

#[test]
fn build_run_layer_blobs_carry_whiteouts_and_times() {
    let (c, base) = with_busybox();
    let dir = dockerfile_only(
        &c,
        "ctx",
        &format!(
            "FROM {base}\nRUN rm /etc/group && rm -rf /root && mkdir /root && \
             touch -d '2001-02-03 04:05:06' /root/old\n"
        ),
    );
    built_id(&build(&c, &["-t", "whiteouts", dir.to_str().unwrap()]));
    let image = inspect(&c, "whiteouts");
    let layers = image["RootFS"]["Layers"].as_array().unwrap();
    let diff_id = layers.last().unwrap().as_str().unwrap();
    let blob = std::fs::File::open(blob_path(&c, diff_id)).unwrap();
    let mut names = Vec::new();
    let mut old_mtime = 0;
    for entry in tar::Archive::new(blob).entries().unwrap() {
        let entry = entry.unwrap();
        let name = entry.path().unwrap().display().to_string();
        if name == "root/old" {
            old_mtime = entry.header().mtime().unwrap();
        }
        names.push(name);
    }
    assert!(names.contains(&"etc/.wh.group".to_owned()), "{names:?}");
    assert!(names.contains(&"root/.wh..wh..opq".to_owned()), "{names:?}");
    assert!(
        !names
            .iter()
            .any(|n| n.starts_with("proc") || n == "etc/hosts"),
        "{names:?}"
    );
    assert_eq!(old_mtime, 981_173_106, "2001-02-03 04:05:06 UTC");
    c.run([
        "run",
        "--rm",
        "whiteouts",
        "sh",
        "-c",
        "test ! -e /etc/group && ls /root",
    ])
    .success()
    .stdout_eq("old\n");
}

#[test]
fn build_proxy_args_reach_run_but_not_the_image() {
    let (c, base) = with_busybox();
    let dir = dockerfile_only(
        &c,
        "ctx",
        &format!("FROM {base}\nRUN echo \"$HTTP_PROXY\" > /proxy\nCMD cat /proxy\n"),
    );
    let out = build(
        &c,
        &[
            "--build-arg",
            "HTTP_PROXY=http://proxy.example:3128",
            "--build-arg",
            "UNUSED=1",
            "-t",
            "proxied",
            dir.to_str().unwrap(),
        ],
    );
    built_id(&out);
    out.stderr_contains("[UNUSED] were not consumed");
    c.run(["run", "--rm", "proxied"])
        .success()
        .stdout_eq("http://proxy.example:3128\n");
    let image = inspect(&c, "proxied");
    assert!(!image.to_string().contains("proxy.example"), "{image}");
}

/// Two RUN steps that change nothing make the same (empty) layer twice; a third
/// step's container must still mount (overlay refuses a lower dir named twice).
#[test]
fn build_runs_over_the_same_layer_twice() {
    let (c, base) = with_busybox();
    let dir = dockerfile_only(
        &c,
        "same-layer",
        &format!("FROM {base}\nRUN true\nRUN true\nRUN echo third > /third\n"),
    );
    let id = built_id(&build(&c, &["-q", dir.to_str().unwrap()]));
    c.run(["run", "--rm", &id, "cat", "/third"])
        .success()
        .stdout_eq("third\n");
}
