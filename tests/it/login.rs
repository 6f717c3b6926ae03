//! `coracle login` and `logout`: credentials checked, saved 0600, never printed.

use crate::common::*;
use coracle_testkit::{Coracle, Output, Registry};
use std::io::Write;
use std::os::unix::fs::PermissionsExt;
use std::process::Stdio;

fn auth_json(c: &Coracle) -> std::path::PathBuf {
    c.runtime_dir().join("containers/auth.json")
}

fn login_stdin(c: &Coracle, reg: &Registry, user: &str, pass: &str) -> Output {
    let mut cmd = c.command(["login", "-u", user, "--password-stdin", &reg.addr()]);
    cmd.stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().unwrap();
    writeln!(child.stdin.take().unwrap(), "{pass}").unwrap();
    coracle_testkit::runner::wait_output(
        child,
        vec!["login".into()],
        std::time::Duration::from_secs(120),
    )
}

#[track_caller]
fn no_secret(out: &Output, secret: &str) {
    assert!(
        !out.stdout.contains(secret) && !out.stderr.contains(secret),
        "the password was printed\n{out}"
    );
}

#[test]
fn login_basic_saves_0600_and_pulls_then_logout_forgets() {
    let reg = basic();
    let c = coracle();
    let out = c.run(["login", "-u", BASIC_USER, "-p", BASIC_PASS, &reg.addr()]);
    out.success().stdout_contains("Login Succeeded");
    no_secret(&out, BASIC_PASS);
    let mode = std::fs::metadata(auth_json(&c))
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o600);
    pull_ok(
        &c,
        &reg.image("private/busybox:latest"),
        &anon().images.busybox_v2s2,
    );
    // Logged in already: the saved credentials are checked, nothing is asked.
    c.run(["login", &reg.addr()])
        .success()
        .stdout_contains("Login Succeeded");
    c.run(["login", "--get-login", &reg.addr()])
        .success()
        .stdout_eq(BASIC_USER);
    c.run(["logout", &reg.addr()])
        .success()
        .stdout_contains(&format!("Removed login credentials for {}", reg.addr()));
    c.run(["login", "--get-login", &reg.addr()])
        .code(125)
        .stderr_contains("not logged into");
    c.run(["logout", &reg.addr()])
        .code(125)
        .stderr_contains(&format!("not logged into {}", reg.addr()));
}

#[test]
fn login_token_with_password_stdin() {
    let reg = token();
    let c = coracle();
    let out = login_stdin(&c, reg, TOKEN_USER, TOKEN_PASS);
    out.success();
    no_secret(&out, TOKEN_PASS);
    pull_ok(
        &c,
        &reg.image("private/busybox:latest"),
        &anon().images.busybox_oci_gzip,
    );
}

#[test]
fn wrong_password_is_refused_and_nothing_saved() {
    for reg in [basic(), token()] {
        let c = coracle();
        let out = login_stdin(&c, reg, "mallory", "not-the-password");
        out.code(125)
            .stderr_contains("unauthorized")
            .stderr_contains(&reg.addr());
        no_secret(&out, "not-the-password");
        assert!(
            !auth_json(&c).exists(),
            "{:?} saved bad credentials",
            reg.auth()
        );
    }
}

#[test]
fn logout_all_keeps_nothing() {
    let c = coracle();
    c.run(["login", "-u", BASIC_USER, "-p", BASIC_PASS, &basic().addr()])
        .success();
    login_stdin(&c, token(), TOKEN_USER, TOKEN_PASS).success();
    c.run(["logout", "-a"])
        .success()
        .stdout_contains("all registries");
    for reg in [basic(), token()] {
        c.run(["login", "--get-login", &reg.addr()]).code(125);
    }
}

#[test]
fn login_to_a_registry_without_auth_succeeds() {
    let c = coracle();
    c.run(["login", "-u", "any", "-p", "thing", &anon().registry.addr()])
        .success();
}
