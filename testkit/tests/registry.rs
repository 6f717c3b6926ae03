//! The harness checks itself against skopeo: what the uploader pushes to each
//! kind of registry must be a valid image that a real client can copy.

use coracle_testkit::{Auth, Catalog, Compression, Format, Pushable, Registry, Throttle};
use serde_json::Value;
use std::process::Command;

fn skopeo(args: &[&str]) -> std::process::Output {
    let out = Command::new("skopeo")
        .arg("--insecure-policy")
        .args(args)
        .output()
        .expect("run skopeo (apt-get install skopeo)");
    assert!(
        out.status.success(),
        "skopeo {args:?} failed:\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

fn inspect(reg: &Registry, name: &str, extra: &[&str]) -> Value {
    let src = format!("docker://{}", reg.image(name));
    let mut args = vec!["inspect", "--tls-verify=false"];
    args.extend_from_slice(extra);
    args.push(&src);
    serde_json::from_slice(&skopeo(&args).stdout).unwrap()
}

fn copy(reg: &Registry, name: &str, extra: &[&str]) {
    let dest = tempfile::tempdir().unwrap();
    let src = format!("docker://{}", reg.image(name));
    let dst = format!("oci:{}:x", dest.path().display());
    let mut args = vec!["copy", "--src-tls-verify=false", "-q"];
    args.extend_from_slice(extra);
    args.push(&src);
    args.push(&dst);
    skopeo(&args);
}

#[test]
fn anonymous_registry_serves_every_image_kind() {
    let reg = Registry::start(Auth::None).unwrap();
    let images = [
        (
            "busybox:v2s2",
            Catalog::busybox(Format::Docker, Compression::Gzip),
        ),
        (
            "busybox:oci-gzip",
            Catalog::busybox(Format::Oci, Compression::Gzip),
        ),
        (
            "busybox:oci-zstd",
            Catalog::busybox(Format::Oci, Compression::Zstd),
        ),
        (
            "busybox:oci-tar",
            Catalog::busybox(Format::Oci, Compression::None),
        ),
        (
            "multilayer:latest",
            Catalog::multilayer(Format::Oci, Compression::Gzip),
        ),
        (
            "multilayer:v2s2",
            Catalog::multilayer(Format::Docker, Compression::Gzip),
        ),
    ];
    for (name, image) in &images {
        reg.push(name, image).unwrap();
        let info = inspect(&reg, name, &[]);
        assert_eq!(info["Digest"], image.manifest_digest.as_str(), "{name}");
        assert_eq!(info["Architecture"], "amd64");
        assert!(!info["Labels"]["org.coracle.test"]
            .as_str()
            .unwrap()
            .is_empty());
        let layers: Vec<&str> = info["Layers"]
            .as_array()
            .unwrap()
            .iter()
            .map(|l| l.as_str().unwrap())
            .collect();
        let want: Vec<&str> = image.layers.iter().map(|b| b.digest.as_str()).collect();
        assert_eq!(layers, want, "{name}");
        copy(&reg, name, &[]);
    }
    // By digest, too.
    let (_, bb) = &images[0];
    inspect(&reg, &format!("busybox@{}", bb.manifest_digest), &[]);
}

#[test]
fn indexes_and_manifest_lists() {
    let reg = Registry::start(Auth::None).unwrap();
    for (name, format) in [("multi:oci", Format::Oci), ("multi:docker", Format::Docker)] {
        let index = Catalog::multiplatform(format);
        reg.push(name, &index).unwrap();
        let raw = inspect(&reg, name, &["--raw"]);
        assert_eq!(raw["manifests"].as_array().unwrap().len(), 2);
        let (_, media_type, digest) = index.top();
        assert_eq!(raw["mediaType"], media_type);
        let amd = inspect(&reg, name, &[]);
        assert_eq!(amd["Architecture"], "amd64");
        let arm = inspect(
            &reg,
            name,
            &["--override-arch", "arm64", "--override-variant", "v8"],
        );
        assert_eq!(arm["Architecture"], "arm64");
        // skopeo reports the index's digest; the children differ in their marker layer.
        assert_eq!(amd["Digest"], digest);
        assert_ne!(amd["Layers"], arm["Layers"]);
        let want: Vec<&str> = index.images[1]
            .layers
            .iter()
            .map(|b| b.digest.as_str())
            .collect();
        assert_eq!(arm["Layers"], serde_json::json!(want));
        copy(&reg, name, &["--all"]);
        inspect(&reg, &format!("multi@{digest}"), &["--raw"]);
    }
}

#[test]
fn basic_auth_registry() {
    let reg = Registry::start(Auth::basic("alice", "s3cret")).unwrap();
    reg.push(
        "private/busybox:latest",
        &Catalog::busybox(Format::Docker, Compression::Gzip),
    )
    .unwrap();
    let src = format!("docker://{}", reg.image("private/busybox:latest"));
    skopeo(&[
        "inspect",
        "--tls-verify=false",
        "--creds",
        "alice:s3cret",
        &src,
    ]);
    let denied = Command::new("skopeo")
        .args(["inspect", "--tls-verify=false", &src])
        .output()
        .unwrap();
    assert!(
        !denied.status.success(),
        "anonymous inspect must be refused"
    );
    let wrong = Command::new("skopeo")
        .args([
            "inspect",
            "--tls-verify=false",
            "--creds",
            "alice:nope",
            &src,
        ])
        .output()
        .unwrap();
    assert!(!wrong.status.success(), "wrong password must be refused");
}

#[test]
fn token_auth_registry() {
    let reg = Registry::start(Auth::token("bob", "t0ken")).unwrap();
    let image = Catalog::busybox(Format::Oci, Compression::Zstd);
    reg.push("private/busybox:latest", &image).unwrap();
    reg.push("public/busybox:latest", &image).unwrap();
    let private = format!("docker://{}", reg.image("private/busybox:latest"));
    let public = format!("docker://{}", reg.image("public/busybox:latest"));
    skopeo(&[
        "inspect",
        "--tls-verify=false",
        "--creds",
        "bob:t0ken",
        &private,
    ]);
    skopeo(&["inspect", "--tls-verify=false", &public]);
    let dest = tempfile::tempdir().unwrap();
    skopeo(&[
        "copy",
        "-q",
        "--src-tls-verify=false",
        &public,
        &format!("dir:{}", dest.path().display()),
    ]);
    for (creds, what) in [(None, "anonymous"), (Some("bob:wrong"), "wrong password")] {
        let mut cmd = Command::new("skopeo");
        cmd.args(["inspect", "--tls-verify=false"]);
        if let Some(c) = creds {
            cmd.args(["--creds", c]);
        }
        let out = cmd.arg(&private).output().unwrap();
        assert!(
            !out.status.success(),
            "{what} inspect of a private repository must be refused"
        );
    }
}

#[test]
fn tampered_blob_is_served_tampered() {
    let reg = Registry::start(Auth::None).unwrap();
    let image = Catalog::tamperable();
    reg.push("tampered:latest", &image).unwrap();
    reg.tamper_blob(&image.layers[0].digest).unwrap();
    let dest = tempfile::tempdir().unwrap();
    let out = Command::new("skopeo")
        .args(["--insecure-policy", "copy", "-q", "--src-tls-verify=false"])
        .arg(format!("docker://{}", reg.image("tampered:latest")))
        .arg(format!("dir:{}", dest.path().display()))
        .output()
        .unwrap();
    assert!(
        !out.status.success(),
        "skopeo must refuse the tampered blob"
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.to_lowercase().contains("digest"), "{err}");
}

#[test]
fn throttle_proxies_slowly() {
    let reg = Registry::start(Auth::None).unwrap();
    let big = Catalog::big(2, 1, Compression::None);
    reg.push("big:latest", &big).unwrap();
    let proxy = Throttle::start(&reg.addr(), 1024 * 1024).unwrap();
    let url = format!(
        "http://{}/v2/big/blobs/{}",
        proxy.addr(),
        big.layers[0].digest
    );
    let start = std::time::Instant::now();
    let mut body = Vec::new();
    std::io::Read::read_to_end(
        &mut ureq::get(&url).call().unwrap().into_reader(),
        &mut body,
    )
    .unwrap();
    assert_eq!(body, big.layers[0].data);
    assert!(
        start.elapsed().as_secs_f64() > 1.0,
        "2 MiB at 1 MiB/s took {:?}",
        start.elapsed()
    );
    proxy.set_rate(0);
}
