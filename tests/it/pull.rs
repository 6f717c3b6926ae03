//! `coracle pull`: every manifest kind and compression, platforms, digests, errors.

use crate::common::*;
use coracle_testkit::{Image, Platform};

fn pulls_and_unpacks(name: &str, image: &Image) {
    let c = coracle();
    pull_ok(&c, &anon_ref(name), image);
    for diff_id in &image.diff_ids {
        assert!(
            layer_dir(&c, diff_id).is_dir(),
            "layer {diff_id} not unpacked"
        );
    }
    assert!(layer_dir(&c, &image.diff_ids[0])
        .join("bin/busybox")
        .is_file());
    let images = images_json(&c);
    assert_eq!(images.len(), 1, "{images:?}");
    let (repo, tag) = name.split_once(':').unwrap();
    assert_eq!(images[0]["Repository"], anon_ref(repo));
    assert_eq!(images[0]["Tag"], tag);
}

#[test]
fn pull_docker_v2s2() {
    pulls_and_unpacks("busybox:v2s2", &anon().images.busybox_v2s2);
}

#[test]
fn pull_oci_gzip() {
    pulls_and_unpacks("busybox:oci-gzip", &anon().images.busybox_oci_gzip);
}

#[test]
fn pull_oci_zstd() {
    pulls_and_unpacks("busybox:oci-zstd", &anon().images.busybox_oci_zstd);
}

#[test]
fn pull_oci_uncompressed() {
    pulls_and_unpacks("busybox:oci-tar", &anon().images.busybox_oci_tar);
}

#[test]
fn pull_multilayer_each_form() {
    let i = &anon().images;
    for (name, image) in [
        ("multilayer:latest", &i.multilayer),
        ("multilayer:v2s2", &i.multilayer_v2s2),
        ("multilayer:zstd", &i.multilayer_zstd),
    ] {
        let c = coracle();
        pull_ok(&c, &anon_ref(name), image);
        for diff_id in &image.diff_ids {
            assert!(
                layer_dir(&c, diff_id).is_dir(),
                "{name}: layer {diff_id} not unpacked"
            );
        }
    }
}

#[test]
fn pull_quiet_prints_only_the_id() {
    let c = coracle();
    let out = c.run(["pull", "-q", &anon_ref("busybox:latest")]);
    out.success().stdout_eq(&anon().images.busybox_v2s2.id());
    assert!(
        out.stderr.trim().is_empty(),
        "-q must print no progress\n{out}"
    );
}

#[test]
fn pull_with_tls_verify_false() {
    let c = coracle();
    let out = c.run(["pull", "--tls-verify=false", &anon_ref("busybox:latest")]);
    out.success().stdout_eq(&anon().images.busybox_v2s2.id());
}

#[test]
fn same_config_in_two_formats_is_one_image() {
    let c = coracle();
    let i = &anon().images;
    pull_ok(&c, &anon_ref("busybox:v2s2"), &i.busybox_v2s2);
    pull_ok(&c, &anon_ref("busybox:oci-zstd"), &i.busybox_oci_zstd);
    let out = c.run(["image", "inspect", &i.busybox_v2s2.id()]);
    let tags = out.success().json()[0]["RepoTags"].clone();
    for tag in ["busybox:v2s2", "busybox:oci-zstd"] {
        assert!(
            tags.as_array().unwrap().iter().any(|t| t == &anon_ref(tag)),
            "{tag} not in {tags}"
        );
    }
}

#[test]
fn pull_again_is_a_no_op() {
    let c = coracle();
    pull_ok(
        &c,
        &anon_ref("multilayer:latest"),
        &anon().images.multilayer,
    );
    pull_ok(
        &c,
        &anon_ref("multilayer:latest"),
        &anon().images.multilayer,
    );
    assert_eq!(images_json(&c).len(), 1);
}

fn index_picks(name: &str, index: &coracle_testkit::Index) {
    let host = if host_arch() == "arm64" {
        Platform::linux_arm64_v8()
    } else {
        Platform::linux_amd64()
    };
    let c = coracle();
    let default = index.image(&host);
    pull_ok(&c, &anon_ref(name), default);
    let marker = layer_dir(&c, &default.diff_ids[1]).join("etc/coracle-arch");
    assert_eq!(std::fs::read_to_string(marker).unwrap().trim(), host_arch());

    let c = coracle();
    let arm = index.image(&Platform::linux_arm64_v8());
    let out = c.run(["pull", "--platform", "linux/arm64", &anon_ref(name)]);
    out.success().stdout_eq(&arm.id());
    let inspect = c.run(["image", "inspect", &arm.id()]);
    assert_eq!(inspect.success().json()[0]["Architecture"], "arm64");
    let marker = layer_dir(&c, &arm.diff_ids[1]).join("etc/coracle-arch");
    assert_eq!(std::fs::read_to_string(marker).unwrap().trim(), "arm64");

    let c = coracle();
    c.run(["pull", "--platform", "linux/arm64/v8", &anon_ref(name)])
        .success()
        .stdout_eq(&arm.id());
}

#[test]
fn pull_oci_index() {
    index_picks("multi:oci", &anon().images.multi_oci);
}

#[test]
fn pull_docker_manifest_list() {
    index_picks("multi:docker", &anon().images.multi_docker);
}

#[test]
fn pull_unknown_platform_lists_the_available_ones() {
    let c = coracle();
    let out = c.run(["pull", "--platform", "linux/s390x", &anon_ref("multi:oci")]);
    out.code(125)
        .stderr_contains("platform")
        .stderr_contains("linux/amd64")
        .stderr_contains("linux/arm64/v8")
        .stderr_contains("multi");
    assert!(out.stdout.trim().is_empty(), "{out}");
    assert!(image_ids(&c).is_empty());
}

#[test]
fn pull_by_digest() {
    let c = coracle();
    let image = &anon().images.multilayer;
    let reference = anon_ref(&format!("multilayer@{}", image.manifest_digest));
    pull_ok(&c, &reference, image);
    let inspect = c.run(["image", "inspect", &image.id()]);
    let digests = inspect.success().json()[0]["RepoDigests"].clone();
    assert!(
        digests.as_array().unwrap().iter().any(|d| d == &reference),
        "{reference} not in {digests}"
    );
}

/// `name:tag@digest` pulls by the digest and names the image `name:tag`.
#[test]
fn pull_by_tag_and_digest_keeps_the_tag() {
    let c = coracle();
    let image = &anon().images.multilayer;
    let reference = anon_ref(&format!("multilayer:pinned@{}", image.manifest_digest));
    pull_ok(&c, &reference, image);
    let tags = c.run(["image", "inspect", &image.id()]).success().json()[0]["RepoTags"].clone();
    assert_eq!(
        tags,
        serde_json::json!([anon_ref("multilayer:pinned")]),
        "{tags}"
    );
}

#[test]
fn pull_index_by_digest() {
    let c = coracle();
    let index = &anon().images.multi_oci;
    let reference = anon_ref(&format!("multi@{}", index.digest));
    c.run(["pull", "--platform", "linux/arm64", &reference])
        .success()
        .stdout_eq(&index.image(&Platform::linux_arm64_v8()).id());
}

#[test]
fn pull_missing_tag() {
    let c = coracle();
    let reference = anon_ref("busybox:no-such-tag");
    let out = pull(&c, &reference);
    out.code(125)
        .stderr_contains("not found")
        .stderr_contains("busybox");
    let errors: Vec<&str> = out
        .stderr
        .lines()
        .filter(|l| l.starts_with("Error:"))
        .collect();
    assert_eq!(errors.len(), 1, "one-line error\n{out}");
    assert!(
        out.stderr.trim_end().ends_with(errors[0]),
        "the error comes last\n{out}"
    );
}

#[test]
fn pull_missing_repository() {
    let c = coracle();
    pull(&c, &anon_ref("no/such/image:latest"))
        .code(125)
        .stderr_contains("not found")
        .stderr_contains("no/such/image");
}

#[test]
fn pull_missing_digest() {
    let c = coracle();
    let digest = format!("sha256:{}", "0".repeat(64));
    pull(&c, &anon_ref(&format!("busybox@{digest}")))
        .code(125)
        .stderr_contains("not found");
}

#[test]
fn pull_from_unreachable_registry() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let c = coracle();
    let reference = format!("127.0.0.1:{port}/busybox:latest");
    let out = pull(&c, &reference);
    out.code(125).stderr_contains(&format!("127.0.0.1:{port}"));
    out.stderr_contains_any(&["unreachable", "connect", "refused"]);
}

#[test]
fn pull_invalid_reference() {
    let c = coracle();
    pull(&c, "UPPER/Case:bad tag").code(125);
}

/// On a terminal, each layer gets a bar with bytes and speed (stderr is a pty here).
#[test]
fn pull_draws_progress_bars_on_a_terminal() {
    use nix::fcntl::{fcntl, FcntlArg, FdFlag, OFlag};
    use std::io::Read;
    use std::os::fd::AsRawFd;
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::Arc;

    let c = coracle();
    let pty = nix::pty::openpty(None, None).expect("openpty");
    // Processes other tests start must not inherit the pty, or it never closes.
    for fd in [pty.master.as_raw_fd(), pty.slave.as_raw_fd()] {
        fcntl(fd, FcntlArg::F_SETFD(FdFlag::FD_CLOEXEC)).expect("cloexec");
    }
    fcntl(pty.master.as_raw_fd(), FcntlArg::F_SETFL(OFlag::O_NONBLOCK)).expect("nonblock");
    let mut cmd = c.command(["pull", &anon_ref("multilayer:latest")]);
    cmd.stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::from(pty.slave));
    let child = cmd.spawn().expect("start coracle");
    drop(cmd);
    let exited = Arc::new(AtomicBool::new(false));
    let done = exited.clone();
    let screen = std::thread::spawn(move || {
        let (mut master, mut bytes, mut buf) =
            (std::fs::File::from(pty.master), Vec::new(), [0u8; 4096]);
        loop {
            match master.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => bytes.extend_from_slice(&buf[..n]),
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {
                    if done.load(Ordering::SeqCst) {
                        break;
                    }
                    std::thread::sleep(std::time::Duration::from_millis(10));
                }
                Err(_) => break,
            }
        }
        String::from_utf8_lossy(&bytes).into_owned()
    });
    let out = child.wait_with_output().expect("wait for coracle");
    exited.store(true, Ordering::SeqCst);
    assert!(out.status.success(), "pull failed: {out:?}");
    let screen = screen.join().unwrap();
    assert!(screen.contains("Copying blob"), "no layer lines:\n{screen}");
    assert!(screen.contains("[=="), "no progress bar:\n{screen}");
    assert!(screen.contains("/s"), "no speed:\n{screen}");
}
