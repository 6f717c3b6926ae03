//! The default seccomp profile, rootless and rootful: an allowlist with Docker's
//! rules, so namespaces, mounts, keyrings, io_uring, bpf and perf are refused in a
//! default container, and `--security-opt seccomp=unconfined` lets them through.

use crate::common::{anon_ref, pull, with_busybox, BIN};
use crate::probe::{probe_volume, IN_CONTAINER};
use coracle_testkit::{Coracle, Output};

fn rootful() -> Option<(Coracle, String)> {
    let c = Coracle::rootful(BIN)?;
    let image = anon_ref("busybox:latest");
    pull(&c, &image).success();
    Some((c, image))
}

/// `run --rm [OPTS] -v PROBE image CMD...`.
fn run(c: &Coracle, image: &str, opts: &[&str], cmd: &[&str]) -> Output {
    let volume = probe_volume();
    let mut args = vec!["run", "--rm", "-v", &volume];
    args.extend(opts);
    args.push(image);
    args.extend(cmd);
    c.run(args)
}

/// Each call is refused with EPERM, the filter's answer (the kernel's own would
/// differ: EINVAL for an empty bpf, ENOENT for a perf event without a PMU...).
fn refused_by_default(c: &Coracle, image: &str) {
    for call in ["keyctl", "bpf", "perf_event_open", "io_uring"] {
        run(c, image, &[], &[IN_CONTAINER, call])
            .code(1)
            .stdout_contains(&format!("{call}: Operation not permitted"));
    }
    // clone3 answers ENOSYS, so that libc falls back to clone, whose flags the
    // filter sees; clone with a namespace flag gets Docker's EPERM.
    run(c, image, &[], &[IN_CONTAINER, "clone3"])
        .code(1)
        .stdout_contains("clone3: Function not implemented");
    run(c, image, &[], &[IN_CONTAINER, "clone_newuser"])
        .code(1)
        .stdout_contains("clone_newuser: Operation not permitted");
    run(c, image, &[], &["unshare", "-U", "true"])
        .failure()
        .stderr_contains("Operation not permitted");
    // busybox's words for EPERM from mount.
    run(c, image, &[], &["mount", "-t", "tmpfs", "t", "/mnt"])
        .failure()
        .stderr_contains("permission denied");
    run(c, image, &[], &["umount", "/etc/hosts"])
        .failure()
        .stderr_contains("Operation not permitted");
    // clone without namespace flags still makes processes.
    run(c, image, &[], &["sh", "-c", "sleep 0 & wait"]).success();
}

fn allowed_unconfined(c: &Coracle, image: &str) {
    let unconfined = ["--security-opt", "seccomp=unconfined"];
    for call in ["keyctl", "io_uring", "clone3"] {
        run(c, image, &unconfined, &[IN_CONTAINER, call])
            .success()
            .stdout_contains(&format!("{call} ok"));
    }
    run(c, image, &unconfined, &["unshare", "-U", "true"]).success();
}

#[test]
fn default_profile_refuses_escape_calls_rootless() {
    let (c, image) = with_busybox();
    refused_by_default(&c, &image);
    allowed_unconfined(&c, &image);
}

#[test]
fn default_profile_refuses_escape_calls_rootful() {
    let Some((c, image)) = rootful() else {
        return;
    };
    refused_by_default(&c, &image);
    allowed_unconfined(&c, &image);
}

#[test]
fn cap_sys_admin_unlocks_namespaces_but_not_keyrings() {
    let (c, image) = with_busybox();
    let admin = ["--cap-add", "SYS_ADMIN"];
    run(&c, &image, &admin, &["unshare", "-U", "true"]).success();
    run(&c, &image, &admin, &[IN_CONTAINER, "clone3"])
        .success()
        .stdout_contains("clone3 ok");
    run(&c, &image, &admin, &[IN_CONTAINER, "keyctl"])
        .code(1)
        .stdout_contains("keyctl: Operation not permitted");
}

#[test]
fn containers_conf_names_the_default_profile() {
    let (mut c, image) = with_busybox();
    let profile = c.dir().join("mkdir-refused.json");
    c.write_user_file(
        &profile,
        br#"{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [
            {"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 1}]}"#,
    );
    let conf = c.dir().join("containers.conf");
    let text = format!(
        "[containers]\nseccomp_profile = \"{}\"\n",
        profile.display()
    );
    c.write_user_file(&conf, text.as_bytes());
    c.env("CONTAINERS_CONF", &conf.display().to_string());
    run(&c, &image, &[], &["mkdir", "/x"])
        .failure()
        .stderr_contains("Operation not permitted");
    // That profile allows what the built-in one refuses.
    run(&c, &image, &[], &["unshare", "-U", "true"]).success();
    let missing = format!(
        "[containers]\nseccomp_profile = \"{}\"\n",
        c.dir().join("no.json").display()
    );
    c.write_user_file(&conf, missing.as_bytes());
    run(&c, &image, &[], &["true"])
        .code(125)
        .stderr_contains("cannot read the seccomp profile");
}

/// The kept filters: (compiled BPF, OCI objects) under the run root.
fn kept(c: &Coracle) -> (Vec<std::path::PathBuf>, Vec<std::path::PathBuf>) {
    let entries = std::fs::read_dir(c.runroot().join("seccomp")).unwrap();
    let paths: Vec<_> = entries.map(|e| e.unwrap().path()).collect();
    paths
        .into_iter()
        .partition(|p| p.extension().is_none_or(|e| e != "json"))
}

/// The filter is compiled once and kept under the run root: a second start loads
/// it as it is, and a damaged copy is never loaded but made again.
#[test]
fn a_second_start_uses_the_kept_filter() {
    let (c, image) = with_busybox();
    run(&c, &image, &[], &["true"]).success();
    let (filters, objects) = kept(&c);
    assert_eq!(
        (filters.len(), objects.len()),
        (1, 1),
        "{filters:?} {objects:?}"
    );
    let (filter, object) = (filters[0].clone(), objects[0].clone());
    let compiled = std::fs::read(&filter).unwrap();
    let modified = |p: &std::path::Path| std::fs::metadata(p).unwrap().modified().unwrap();
    let (filter_time, object_time) = (modified(&filter), modified(&object));
    run(&c, &image, &[], &["true"]).success();
    assert_eq!(kept(&c), (filters.clone(), objects.clone()));
    assert_eq!(
        (modified(&filter), modified(&object)),
        (filter_time, object_time)
    );
    for damaged in [&filter, &object] {
        let whole = std::fs::read(damaged).unwrap();
        c.write_user_file(damaged, &whole[..whole.len() / 2]);
    }
    run(&c, &image, &[], &["unshare", "-U", "true"])
        .failure()
        .stderr_contains("Operation not permitted");
    assert_eq!(std::fs::read(&filter).unwrap(), compiled);
}
