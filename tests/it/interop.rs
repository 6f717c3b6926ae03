//! Podman and skopeo read what coracle writes, and coracle reads what they write:
//! through the registry and through archives.

use crate::common::*;
use crate::peers::{podman, skopeo};
use coracle_testkit::Coracle;

/// A one-layer image made by `coracle import` from busybox, named `name`.
fn imported(c: &Coracle, name: &str) {
    let rootfs = c.dir().join("rootfs.tar");
    let mut tar = tar::Builder::new(Vec::new());
    tar.append_path_with_name("/bin/busybox", "bin/busybox")
        .unwrap();
    c.write_user_file(&rootfs, &tar.into_inner().unwrap());
    c.run([
        "import",
        "--change",
        r#"CMD ["/bin/busybox", "echo", "made by coracle"]"#,
        rootfs.to_str().unwrap(),
        name,
    ])
    .success();
}

#[test]
fn podman_and_skopeo_read_what_coracle_pushed() {
    let c = coracle();
    let name = anon_ref("interop/imported:1");
    imported(&c, &name);
    let digestfile = c.dir().join("digest");
    c.run(["push", "--digestfile", digestfile.to_str().unwrap(), &name])
        .success();
    let digest = std::fs::read_to_string(&digestfile).unwrap();
    let out = skopeo(
        &c,
        &["inspect", "--tls-verify=false", &format!("docker://{name}")],
    );
    assert_eq!(out.success().json()["Digest"], digest);
    podman(&c, &["pull", "--tls-verify=false", &name]).success();
    podman(&c, &["run", "--rm", "--network", "none", &name])
        .success()
        .stdout_contains("made by coracle");
}

#[test]
fn coracle_reads_what_podman_pushed() {
    let c = coracle();
    let source = anon_ref("busybox:latest");
    let dest = anon_ref("interop/from-podman:1");
    podman(&c, &["pull", "--tls-verify=false", &source]).success();
    podman(&c, &["push", "--tls-verify=false", &source, &dest]).success();
    c.run(["pull", "-q", &dest]).success();
    c.run([
        "run",
        "--rm",
        &dest,
        "/bin/busybox",
        "echo",
        "made by podman",
    ])
    .success()
    .stdout_contains("made by podman");
    let inspected = c.run(["manifest", "inspect", &dest]);
    let manifest = inspected.success().json();
    assert_eq!(
        manifest["config"]["digest"],
        anon().images.busybox_v2s2.config_digest()
    );
}

#[test]
fn podman_loads_coracle_archives() {
    let c = coracle();
    let name = anon_ref("interop/saved:1");
    imported(&c, &name);
    for format in ["docker-archive", "oci-archive"] {
        let archive = c.dir().join(format!("{format}.tar"));
        c.run([
            "save",
            "--format",
            format,
            "-o",
            archive.to_str().unwrap(),
            &name,
        ])
        .success();
        podman(&c, &["load", "-i", archive.to_str().unwrap()]).success();
        podman(&c, &["run", "--rm", "--network", "none", &name])
            .success()
            .stdout_contains("made by coracle");
        podman(&c, &["rmi", &name]).success();
    }
}

#[test]
fn coracle_loads_podman_archives() {
    let c = coracle();
    let source = anon_ref("multilayer:latest");
    podman(&c, &["pull", "--tls-verify=false", &source]).success();
    for format in ["docker-archive", "oci-archive"] {
        let archive = c.dir().join(format!("podman-{format}.tar"));
        podman(
            &c,
            &[
                "save",
                "--format",
                format,
                "-o",
                archive.to_str().unwrap(),
                &source,
            ],
        )
        .success();
        let fresh = coracle();
        fresh
            .run(["load", "-i", archive.to_str().unwrap()])
            .success()
            .stdout_contains(&source);
        fresh
            .run(["run", "--rm", &source, "/bin/busybox", "echo", format])
            .success()
            .stdout_contains(format);
    }
}

#[test]
fn skopeo_copies_between_repositories_and_coracle_pulls() {
    let c = coracle();
    let dest = anon_ref("interop/skopeo-copied:1");
    skopeo(
        &c,
        &[
            "copy",
            "--src-tls-verify=false",
            "--dest-tls-verify=false",
            &format!("docker://{}", anon_ref("multilayer:zstd")),
            &format!("docker://{dest}"),
        ],
    )
    .success();
    pull_ok(&c, &dest, &anon().images.multilayer_zstd);
}
