//! `--format` as Podman reads it on every listing and inspect command: Go
//! templates with Podman's functions, `table` headers, `--format json` arrays,
//! `--noheading` and `--sort`.

use crate::common::*;
use coracle_testkit::Coracle;
use serde_json::Value;
use std::io::{BufRead, BufReader};

fn lines(c: &Coracle, args: &[&str]) -> Vec<String> {
    let out = c.run(args);
    out.success();
    out.stdout_lines().iter().map(|l| l.to_string()).collect()
}

fn json_array(c: &Coracle, args: &[&str]) -> Vec<Value> {
    let out = c.run(args);
    match out.success().json() {
        Value::Array(items) => items,
        other => panic!("{args:?} printed no JSON array: {other}"),
    }
}

/// Two containers, `alpha` made before `zeta`, both only created.
fn two_containers() -> (Coracle, String) {
    let (c, image) = with_busybox();
    for (name, label) in [("alpha", "team=red"), ("zeta", "team=blue")] {
        c.run(["create", "--name", name, "--label", label, &image, "true"])
            .success();
        // Creation times are whole seconds: keep the two apart.
        std::thread::sleep(std::time::Duration::from_millis(1100));
    }
    (c, image)
}

#[test]
fn ps_templates_tables_json_sort_and_noheading() {
    let (c, _image) = two_containers();
    let names = |extra: &[&str]| {
        let mut args = vec!["ps", "-a", "--format", "{{.Names}}"];
        args.extend(extra);
        lines(&c, &args)
    };
    assert_eq!(names(&[]), ["zeta", "alpha"], "newest first by default");
    assert_eq!(names(&["--sort", "names"]), ["alpha", "zeta"]);
    assert_eq!(names(&["--sort", "created"]), ["zeta", "alpha"]);
    assert_eq!(
        lines(
            &c,
            &[
                "ps",
                "-a",
                "--sort=names",
                "--format",
                r#"{{upper .Names}} {{.Labels.team}} {{printf "%-7s|" .State}}{{if eq .State "created"}} new{{end}}"#
            ]
        ),
        ["ALPHA red created| new", "ZETA blue created| new"]
    );
    let table = lines(
        &c,
        &[
            "ps",
            "-a",
            "--sort",
            "names",
            "--format",
            "table {{.Names}} {{title .State}}",
        ],
    );
    assert_eq!(
        table,
        [
            "NAMES       STATE",
            "alpha       Created",
            "zeta        Created"
        ]
    );
    let plain = lines(&c, &["ps", "-a", "--noheading"]);
    assert_eq!(plain.len(), 2, "{plain:?}");
    assert!(
        plain.iter().all(|l| !l.contains("CONTAINER ID")),
        "{plain:?}"
    );
    let header = &lines(&c, &["ps", "-a"])[0];
    assert!(header.starts_with("CONTAINER ID  IMAGE "), "{header}");
    let rows = json_array(&c, &["ps", "-a", "--format", "json"]);
    assert_eq!(rows.len(), 2);
    let out = c.run(["ps", "-a", "--format", "json"]);
    assert!(out.stdout.starts_with("[\n  {"), "pretty printed\n{out}");
    c.run(["ps", "--sort", "bogus"]).code(125);
    assert_eq!(
        lines(&c, &["ps", "-a", "--sync", "--external", "-q"]).len(),
        2
    );
    c.run(["ps", "--format", "{{.Nope"])
        .code(125)
        .stderr_contains("template");
    c.run(["ps", "-a", "--format", "{{nosuch .ID}}"])
        .code(125)
        .stderr_contains("\"nosuch\" not defined");
}

#[test]
fn ps_ns_shows_the_namespaces_of_running_containers() {
    let (c, image) = with_busybox();
    let id = run_detached(&c, &["--name", "nsbox", &image, "sleep", "1000"]);
    let out = lines(&c, &["ps", "--ns"]);
    let header: Vec<&str> = out[0].split_whitespace().collect();
    assert_eq!(
        header,
        [
            "CONTAINER",
            "ID",
            "NAMES",
            "PID",
            "CGROUPNS",
            "IPC",
            "MNT",
            "NET",
            "PIDNS",
            "USERNS",
            "UTS"
        ]
    );
    let row: Vec<&str> = out[1].split_whitespace().collect();
    assert_eq!(row[..2], [&id[..12], "nsbox"]);
    assert_eq!(row.len(), 10, "{out:?}");
    assert!(row[2..].iter().all(|n| n.parse::<u64>().is_ok()), "{out:?}");
    let net = lines(&c, &["ps", "--ns", "--format", "{{.Namespaces.NET}}"]);
    assert_eq!(net, [row[6]]);
    c.run(["rm", "-f", &id]).success();
}

#[test]
fn ps_watch_prints_again() {
    let (c, _image) = two_containers();
    let mut child = c.spawn(["ps", "-a", "-w", "1", "--format", "{{.Names}}"]);
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut seen = Vec::new();
    for _ in 0..4 {
        let mut line = String::new();
        stdout.read_line(&mut line).unwrap();
        seen.push(line.trim().to_owned());
    }
    let _ = child.kill();
    let _ = child.wait();
    assert_eq!(seen, ["zeta", "alpha", "zeta", "alpha"]);
}

#[test]
fn images_templates_json_sort_and_noheading() {
    let (c, image) = with_busybox();
    c.run(["tag", &image, "localhost/aaa:zz"]).success();
    let refs = |extra: &[&str]| {
        let mut args = vec!["images", "--format", "{{.Repository}}:{{.Tag}}"];
        args.extend(extra);
        lines(&c, &args)
    };
    let both = [image.clone(), "localhost/aaa:zz".to_owned()];
    assert_eq!(refs(&["--sort", "repository"]), both);
    assert_eq!(refs(&["--sort", "tag"]), both, "latest before zz");
    assert_eq!(
        lines(
            &c,
            &[
                "images",
                "--sort",
                "repository",
                "--format",
                r#"{{truncate (lower .Repository) 3}}|{{pad .Tag 1 1}}|{{len .ID}}"#
            ]
        )[1],
        "loc| zz |12"
    );
    let table = lines(
        &c,
        &[
            "images",
            "--format",
            "table {{.ID}} {{.Tag}}",
            "--sort",
            "tag",
        ],
    );
    assert!(table[0].starts_with("IMAGE ID      TAG"), "{table:?}");
    let plain = lines(&c, &["images", "-n"]);
    assert_eq!(plain.len(), 2, "{plain:?}");
    assert!(!plain[0].contains("REPOSITORY"));
    let out = c.run(["images", "--format", "json"]);
    assert!(
        out.success().stdout.starts_with("[\n    {"),
        "Podman indents by four\n{out}"
    );
    assert_eq!(json_array(&c, &["images", "--format", "json"]).len(), 2);
    c.run(["images", "--sort", "bogus"]).code(125);
}

#[test]
fn volumes_and_networks_list_with_templates_json_and_noheading() {
    let c = coracle();
    for v in ["vol-b", "vol-a"] {
        c.run(["volume", "create", "--label", &format!("n={v}"), v])
            .success();
    }
    assert_eq!(
        lines(
            &c,
            &[
                "volume",
                "ls",
                "--format",
                r#"{{title .Name}} {{index .Labels "n"}} {{json .Driver}}"#
            ]
        ),
        ["Vol-A vol-a \"local\"", "Vol-B vol-b \"local\""]
    );
    assert_eq!(
        lines(&c, &["volume", "ls"]),
        [
            "DRIVER      VOLUME NAME",
            "local       vol-a",
            "local       vol-b"
        ]
    );
    assert_eq!(
        lines(&c, &["volume", "ls", "--noheading"]),
        ["local       vol-a", "local       vol-b"]
    );
    assert_eq!(
        json_array(&c, &["volume", "ls", "--format", "json"]).len(),
        2
    );

    c.run(["network", "create", "fmtnet"]).success();
    let names = lines(
        &c,
        &[
            "network",
            "ls",
            "--format",
            r#"{{.Name}}|{{join (split .Name "t") "+"}}"#,
        ],
    );
    assert!(names.contains(&"fmtnet|fm+ne+".to_owned()), "{names:?}");
    let table = lines(&c, &["network", "ls"]);
    assert!(table[0].starts_with("NETWORK ID    NAME"), "{table:?}");
    let plain = lines(&c, &["network", "ls", "--noheading"]);
    assert_eq!(plain.len(), table.len() - 1);
    let nets = json_array(&c, &["network", "ls", "--format", "json"]);
    assert!(nets.iter().any(|n| n["name"] == "fmtnet"), "{nets:?}");
    c.run(["network", "rm", "fmtnet"]).success();
}

#[test]
fn history_templates_and_one_line_json() {
    let (c, image) = with_busybox();
    let ids = lines(
        &c,
        &[
            "history",
            "--format",
            "{{truncate .ID 5}}|{{printf \"%.3s\" .Size}}",
            &image,
        ],
    );
    assert!(!ids.is_empty());
    assert!(
        ids.iter().all(|l| l.len() <= 9 && l.contains('|')),
        "{ids:?}"
    );
    let table = lines(&c, &["history", &image]);
    assert!(table[0].starts_with("ID            CREATED"), "{table:?}");
    let out = c.run(["history", "--format", "json", &image]);
    assert_eq!(
        out.success().stdout_lines().len(),
        1,
        "Podman prints one line\n{out}"
    );
    assert!(out.json().is_array());
}

#[test]
fn inspect_templates_for_each_kind() {
    let (c, image) = two_containers();
    assert_eq!(
        lines(
            &c,
            &[
                "inspect",
                "--format",
                r#"{{.State.Status}} {{index .Config.Labels "team"}} {{json .Config.Labels}} {{range $k, $v := .Config.Labels}}{{$k}}={{$v}};{{end}}"#,
                "alpha"
            ]
        ),
        [r#"created red {"team":"red"} team=red;"#]
    );
    let both = lines(
        &c,
        &[
            "container",
            "inspect",
            "--format",
            r#"{{upper (index .Config.Labels "team")}}"#,
            "alpha",
            "zeta",
        ],
    );
    assert_eq!(both, ["RED", "BLUE"]);
    assert_eq!(
        json_array(&c, &["inspect", "--format", "json", "alpha", "zeta"]).len(),
        2
    );
    let tags = lines(
        &c,
        &[
            "image",
            "inspect",
            "--format",
            "{{len .RepoTags}} {{with .Config}}{{.Cmd}}{{end}}",
            &image,
        ],
    );
    assert!(tags[0].starts_with("1 ["), "{tags:?}");
    c.run(["volume", "create", "vol"]).success();
    assert_eq!(
        lines(
            &c,
            &[
                "volume",
                "inspect",
                "--format",
                "{{upper .Name}}-{{.Driver}}",
                "vol"
            ]
        ),
        ["VOL-local"]
    );
    c.run(["network", "create", "insnet"]).success();
    assert_eq!(
        lines(
            &c,
            &[
                "network",
                "inspect",
                "--format",
                "{{.Name}} {{if .Internal}}internal{{else}}external{{end}}",
                "insnet"
            ]
        ),
        ["insnet external"]
    );
    c.run(["network", "rm", "insnet"]).success();
}

#[test]
fn events_df_info_and_version_templates() {
    let (c, _image) = two_containers();
    let events = lines(
        &c,
        &[
            "events",
            "--stream=false",
            "--filter",
            "event=create",
            "--format",
            "{{upper .Status}} {{.Name}}",
        ],
    );
    assert_eq!(events, ["CREATE alpha", "CREATE zeta"]);
    let out = c.run([
        "events",
        "--stream=false",
        "--filter",
        "event=create",
        "--format",
        "json",
    ]);
    assert_eq!(
        out.success().json_lines().len(),
        2,
        "one JSON object a line, as Podman"
    );
    assert_eq!(
        lines(&c, &["system", "df", "--format", "{{upper .Type}}"]),
        ["IMAGES", "CONTAINERS", "LOCAL VOLUMES"]
    );
    let df = lines(
        &c,
        &["system", "df", "--format", "table {{.Type}} {{.Total}}"],
    );
    assert_eq!(df[0], "TYPE           TOTAL");
    assert_eq!(df[2], "Containers     2");
    // Podman's templates name Go's fields, not the JSON's keys.
    let info = lines(
        &c,
        &[
            "info",
            "--format",
            "{{.Host.Arch}} {{.Store.GraphRoot}} {{.Host.CgroupManager}}",
        ],
    );
    let root = c.root().display().to_string();
    assert_eq!(info, [format!("{} {root} cgroupfs", host_arch())]);
    let version = c.run(["version", "--format", "json"]);
    assert_eq!(
        version.success().json()["Client"]["Version"],
        env!("CARGO_PKG_VERSION")
    );
    assert_eq!(
        lines(
            &c,
            &[
                "version",
                "--format",
                "{{.Client.Version}} {{upper .Client.Os}}"
            ]
        ),
        [format!("{} LINUX", env!("CARGO_PKG_VERSION"))]
    );
}
