//! Secrets: `coracle secret` as Podman's (create, ls, inspect, rm, exists) and
//! `run --secret` as a file or an environment variable. Rootless.

use crate::common::*;
use coracle_testkit::Coracle;
use std::os::unix::fs::PermissionsExt;

fn create(c: &Coracle, name: &str, data: &str) -> String {
    let out = with_stdin(c, &["secret", "create", name, "-"], data);
    let id = out.success().stdout_trim().to_owned();
    assert_eq!(id.len(), 25, "{out}");
    id
}

#[test]
fn secret_create_ls_inspect_rm_as_podman() {
    let c = coracle();
    let id = create(&c, "db", "s3cret");
    let file = c.dir().join("pw");
    c.write_user_file(&file, b"other");
    c.run([
        "secret",
        "create",
        "--label",
        "team=a",
        "web",
        file.to_str().unwrap(),
    ])
    .success();
    c.run(["secret", "create", "db", file.to_str().unwrap()])
        .code(125)
        .stderr_contains("Error: db: secret name in use");
    c.run(["secret", "create", "bad/name", file.to_str().unwrap()])
        .code(125)
        .stderr_contains("invalid secret name");
    c.run(["secret", "create", "empty", "/dev/null"])
        .code(125)
        .stderr_contains("secret data must be larger than 0");

    let ls = c.run(["secret", "ls"]);
    let lines = ls.success().stdout_lines();
    assert!(lines[0].starts_with("ID "), "{ls}");
    assert!(
        lines[0].contains("NAME") && lines[0].contains("UPDATED"),
        "{ls}"
    );
    assert_eq!(lines.len(), 3, "{ls}");
    c.run(["secret", "ls", "--noheading", "--filter", "name=db"])
        .success()
        .stdout_contains(&id);
    assert_eq!(
        c.run([
            "secret",
            "ls",
            "--noheading",
            "--filter",
            "label=team=a",
            "--format",
            "{{.Name}}"
        ])
        .success()
        .stdout_lines(),
        ["web"]
    );
    c.run(["secret", "ls", "--filter", "bogus=1"])
        .code(125)
        .stderr_contains("invalid filter \"bogus\"");
    let quiet = c.run(["secret", "ls", "-q"]);
    assert!(quiet.success().stdout_lines().contains(&id.as_str()));

    // inspect never shows the data.
    let inspect = c.run(["secret", "inspect", "db"]);
    let doc = inspect.success().json();
    assert_eq!(doc[0]["ID"], id.as_str());
    assert_eq!(doc[0]["Spec"]["Name"], "db");
    assert_eq!(doc[0]["Spec"]["Driver"]["Name"], "file");
    assert!(!inspect.stdout.contains("s3cret"), "{inspect}");
    c.run(["secret", "inspect", "--format", "{{.Spec.Name}}", &id[..12]])
        .success()
        .stdout_eq("db\n");
    c.run(["secret", "inspect", "--pretty", "web"])
        .success()
        .stdout_contains("Name:              web\nLabels:\n - team=a\n");
    c.run(["secret", "inspect", "nope"])
        .code(125)
        .stderr_contains(
            "Error: inspecting secret: no secret with name or id \"nope\": no such secret",
        );

    c.run(["secret", "exists", "db"]).success();
    c.run(["secret", "exists", "nope"]).code(1);

    c.run(["secret", "rm", "nope"])
        .code(125)
        .stderr_contains("no such secret");
    c.run(["secret", "rm", "-i", "nope"]).success();
    c.run(["secret", "rm", "db"])
        .success()
        .stdout_eq(&format!("{id}\n"));
    c.run(["secret", "rm"])
        .code(125)
        .stderr_contains("requires one argument, or the --all flag");
    c.run(["secret", "rm", "-a"]).success();
    assert!(c
        .run(["secret", "ls", "-q"])
        .success()
        .stdout_lines()
        .is_empty());
}

#[test]
fn secret_data_is_readable_by_its_owner_alone() {
    let c = coracle();
    create(&c, "private", "hush");
    let dir = c.root().join("secrets");
    let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&dir), 0o700);
    let data = dir.join("filedriver");
    for entry in std::fs::read_dir(&data).unwrap() {
        assert_eq!(mode(&entry.unwrap().path()), 0o600);
    }
}

#[test]
fn secret_create_from_env() {
    let mut c = coracle();
    c.env("MY_SECRET_VALUE", "from-env");
    c.run(["secret", "create", "--env", "fromenv", "MY_SECRET_VALUE"])
        .success();
    c.run(["secret", "create", "--env", "unset", "NOT_SET_ANYWHERE"])
        .code(125)
        .stderr_contains("environment variable NOT_SET_ANYWHERE is not set");
}

#[test]
fn run_secret_mounts_a_read_only_file() {
    let (c, image) = with_busybox();
    create(&c, "db", "s3cret");
    c.run([
        "run",
        "--rm",
        "--secret",
        "db",
        &image,
        "cat",
        "/run/secrets/db",
    ])
    .success()
    .stdout_eq("s3cret");
    c.run([
        "run",
        "--rm",
        "--secret",
        "db,target=/etc/pw,uid=5,gid=6,mode=0400",
        &image,
        "sh",
        "-c",
        "stat -c '%u %g %a' /etc/pw; cat /etc/pw",
    ])
    .success()
    .stdout_eq("5 6 400\ns3cret");
    c.run([
        "run",
        "--rm",
        "--secret",
        "db,target=short",
        &image,
        "cat",
        "/run/secrets/short",
    ])
    .success()
    .stdout_eq("s3cret");
    c.run([
        "run",
        "--rm",
        "--secret",
        "db",
        &image,
        "sh",
        "-c",
        "echo x > /run/secrets/db",
    ])
    .failure();
    let id = c
        .run(["create", "--secret", "db", &image, "true"])
        .success()
        .stdout_trim()
        .to_owned();
    let secrets = inspect_field(&c, &id, "{{json .Config.Secrets}}");
    // Podman's order: Name, ID, UID, GID, Mode.
    assert!(secrets.starts_with(r#"[{"Name":"db","ID":""#), "{secrets}");
    assert!(
        secrets.ends_with(r#""UID":0,"GID":0,"Mode":292}]"#),
        "{secrets}"
    );
}

#[test]
fn run_secret_as_env_stays_out_of_inspect() {
    let (c, image) = with_busybox();
    create(&c, "token", "t0k3n");
    c.run([
        "run",
        "--rm",
        "--secret",
        "token,type=env,target=TOKEN",
        &image,
        "sh",
        "-c",
        "echo $TOKEN",
    ])
    .success()
    .stdout_eq("t0k3n\n");
    let id = c
        .run(["create", "--secret", "token,type=env", &image, "true"])
        .success()
        .stdout_trim()
        .to_owned();
    let env = inspect_field(&c, &id, "{{json .Config.Env}}");
    assert!(!env.contains("t0k3n"), "{env}");
}

#[test]
fn run_secret_bad_requests_fail_before_create() {
    let (c, image) = with_busybox();
    create(&c, "db", "s3cret");
    c.run(["run", "--rm", "--secret", "nope", &image, "true"])
        .code(125)
        .stderr_contains("no secret with name or id \"nope\": no such secret");
    c.run(["run", "--rm", "--secret", "db,type=bogus", &image, "true"])
        .code(125)
        .stderr_contains("type bogus is invalid: parsing secret");
    c.run([
        "run",
        "--rm",
        "--secret",
        "db,type=env,uid=4",
        &image,
        "true",
    ])
    .code(125)
    .stderr_contains("UID, GID, Mode options cannot be set with secret type env");
    assert!(c.run(["ps", "-aq"]).success().stdout_lines().is_empty());
}
