//! `ps` (and `container ls`): Docker's columns, status words, filters and formats.

use crate::common::*;
use coracle_testkit::Coracle;

/// Three containers: created, exited with 3 (label x=1), running (label x=2).
fn three(c: &Coracle, image: &str) -> [String; 3] {
    let created = c
        .run(["create", "--name", "made", image, "true"])
        .success()
        .stdout_trim()
        .to_owned();
    let exited = run_detached(
        c,
        &[
            "--name", "ended", "--label", "x=1", image, "sh", "-c", "exit 3",
        ],
    );
    c.run(["wait", &exited]).success().stdout_eq("3\n");
    let running = run_detached(
        c,
        &[
            "--name",
            "busy",
            "--label",
            "x=2",
            image,
            "sh",
            "-c",
            "sleep 1000; echo never",
        ],
    );
    [created, exited, running]
}

fn cells(line: &str) -> Vec<&str> {
    line.split("  ")
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .collect()
}

#[test]
fn ps_shows_dockers_columns_and_status_words() {
    let (c, image) = with_busybox();
    let [created, exited, running] = three(&c, &image);
    let out = c.run(["ps"]);
    let lines = out.success().stdout_lines();
    assert_eq!(
        cells(lines[0]),
        [
            "CONTAINER ID",
            "IMAGE",
            "COMMAND",
            "CREATED",
            "STATUS",
            "PORTS",
            "NAMES"
        ]
    );
    assert_eq!(lines.len(), 2, "only the running one\n{out}");
    let row = cells(lines[1]);
    assert_eq!(row[0], &running[..12]);
    assert_eq!(row[1], image);
    assert_eq!(row[2], "sh -c sleep 1000;...");
    assert!(row[3].ends_with(" ago"), "{row:?}");
    assert!(row[4].starts_with("Up "), "{row:?}");
    assert_eq!(row[5], "busy");

    let out = c.run(["ps", "-a", "--format", "{{.ID}} {{.Status}}"]);
    let lines = out.success().stdout_lines();
    assert_eq!(lines.len(), 3, "{out}");
    assert!(lines[0].starts_with(&format!("{} Up ", &running[..12])));
    assert!(lines[1].starts_with(&format!("{} Exited (3) ", &exited[..12])));
    assert!(lines[1].ends_with(" ago"));
    assert_eq!(lines[2], format!("{} Created", &created[..12]));

    c.run(["ps", "-a", "-q"]).success().stdout_eq(&format!(
        "{}\n{}\n{}\n",
        &running[..12],
        &exited[..12],
        &created[..12]
    ));
    c.run(["ps", "-q", "--no-trunc"])
        .success()
        .stdout_eq(&format!("{running}\n"));
    c.run(["ps", "-l", "-q"])
        .success()
        .stdout_eq(&running[..12]);
    c.run(["ps", "-n", "2", "-q"]).success().stdout_eq(&format!(
        "{}\n{}\n",
        &running[..12],
        &exited[..12]
    ));
    c.run(["ps", "--no-trunc", "--format", "{{.Command}}"])
        .success()
        .stdout_eq("sh -c sleep 1000; echo never\n");
    c.run(["rm", "-f", &running]).success();
}

#[test]
fn filters_or_within_a_key_and_and_across_keys() {
    let (c, image) = with_busybox();
    let [created, exited, running] = three(&c, &image);
    let ids = |filters: &[&str]| {
        let mut args = vec!["ps", "-a", "-q", "--no-trunc"];
        for f in filters {
            args.extend(["--filter", f]);
        }
        c.run(args)
            .success()
            .stdout_lines()
            .iter()
            .map(|s| s.to_string())
            .collect::<Vec<_>>()
    };
    assert_eq!(ids(&["status=exited"]), [exited.as_str()]);
    assert_eq!(ids(&["status=created"]), [created.as_str()]);
    assert_eq!(
        ids(&["status=exited", "status=created"]),
        [exited.clone(), created.clone()]
    );
    assert_eq!(ids(&["name=bus"]), [running.as_str()]);
    assert_eq!(ids(&[&format!("id={}", &created[..8])]), [created.as_str()]);
    assert_eq!(ids(&["label=x"]), [running.as_str(), exited.as_str()]);
    assert_eq!(ids(&["label=x=1"]), [exited.as_str()]);
    assert_eq!(ids(&["label=x", "status=running"]), [running.as_str()]);
    assert_eq!(ids(&[&format!("ancestor={image}")]).len(), 3);
    assert!(ids(&["ancestor=no-such-image"]).is_empty());
    assert_eq!(ids(&["exited=3"]), [exited.as_str()]);
    assert!(ids(&["exited=0"]).is_empty());
    // A filter on a stopped state needs no -a, as in Docker.
    c.run(["ps", "-q", "--no-trunc", "-f", "status=exited"])
        .success()
        .stdout_eq(&exited);
    c.run(["ps", "--filter", "colour=red"])
        .code(125)
        .stderr_contains("invalid filter");
    c.run(["ps", "--filter", "status=sleeping"])
        .code(125)
        .stderr_contains("status=sleeping");
    c.run(["rm", "-f", &running]).success();
}

#[test]
fn formats_json_templates_and_sizes() {
    let (c, image) = with_busybox();
    let id = run_detached(
        &c,
        &[
            "--label",
            "a=b",
            &image,
            "sh",
            "-c",
            "echo hello > /file; sleep 1000",
        ],
    );
    let out = c.run(["ps", "--format", "json"]);
    let rows = out.success().json();
    let rows = rows.as_array().expect("a JSON array");
    assert_eq!(rows.len(), 1);
    let row = &rows[0];
    // Podman's ListContainer, not the template's row.
    for key in [
        "Id",
        "Image",
        "ImageID",
        "Command",
        "Created",
        "CreatedAt",
        "StartedAt",
        "Status",
        "State",
        "Names",
        "Labels",
        "Ports",
        "Mounts",
        "Networks",
        "Pid",
        "ExitCode",
        "Exited",
        "AutoRemove",
    ] {
        assert!(row.get(key).is_some(), "no {key} in {row}");
    }
    assert_eq!(row["Id"], id);
    assert_eq!(row["State"], "running");
    assert_eq!(row["Labels"]["a"], "b");
    assert_eq!(row["Command"][0], "sh");
    assert!(row["Names"].is_array(), "{row}");
    assert!(row["Created"].is_i64(), "{row}");
    assert!(row["Pid"].as_i64().unwrap() > 0, "{row}");
    let created_at = c.run(["ps", "--format", "{{.CreatedAt}}"]);
    assert!(created_at.success().stdout_trim().ends_with(" +0000 UTC"));
    let out = c.run(["ps", "--format", "table {{.ID}}\\t{{.State}}"]);
    let lines = out.success().stdout_lines();
    assert_eq!(cells(lines[0]), ["CONTAINER ID", "STATE"]);
    assert_eq!(cells(lines[1]), [&id[..12], "running"]);
    eventually("the file in the upper dir", || {
        let out = c.run(["ps", "-s", "--format", "{{.Size}}"]);
        out.success().stdout_trim().starts_with("6B (virtual ")
    });
    let out = c.run(["ps", "-s"]);
    assert!(out.success().stdout_lines()[0].ends_with("SIZE"), "{out}");
    c.run(["container", "ls", "-q"])
        .success()
        .stdout_eq(&id[..12]);
    c.run(["container", "list", "-q"])
        .success()
        .stdout_eq(&id[..12]);
    c.run(["container", "ps", "-q"])
        .success()
        .stdout_eq(&id[..12]);
    c.run(["container", "rm", "-f", &id]).success();
    c.run(["container", "ls", "-a", "-q"])
        .success()
        .stdout_eq("");
}

#[test]
fn ps_after_a_killed_monitor_shows_exited_137() {
    let (c, image) = with_busybox();
    let id = run_detached(&c, &[&image, "sleep", "1000"]);
    let monitor: i32 = inspect_field(&c, &id, "{{.State.ConmonPid}}")
        .parse()
        .unwrap();
    // SAFETY: kill has no memory-safety preconditions.
    unsafe { libc::kill(monitor, libc::SIGKILL) };
    eventually("ps to notice", || {
        let out = c.run(["ps", "-a", "--format", "{{.Status}}"]);
        out.success().stdout_trim().starts_with("Exited (137) ")
    });
    c.run(["ps", "-q"]).success().stdout_eq("");
    c.run(["rm", &id]).success();
}
