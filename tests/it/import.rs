//! `coracle import`: tarballs (plain, gzip, stdin), `--change`, hostile tars.

use crate::common::*;
use coracle_testkit::Coracle;
use std::io::Write;

/// A tar of /bin/busybox as bin/busybox.
fn rootfs_tar() -> Vec<u8> {
    let mut tar = tar::Builder::new(Vec::new());
    tar.append_path_with_name("/bin/busybox", "bin/busybox")
        .unwrap();
    tar.into_inner().unwrap()
}

fn write(c: &Coracle, name: &str, bytes: &[u8]) -> String {
    let path = c.dir().join(name);
    c.write_user_file(&path, bytes);
    path.to_str().unwrap().to_owned()
}

#[test]
fn import_with_changes_runs_and_inspects() {
    let c = coracle();
    let file = write(&c, "rootfs.tar", &rootfs_tar());
    let name = anon_ref("imported/changes:1");
    let out = c.run([
        "import",
        "-c",
        r#"ENTRYPOINT ["/bin/busybox"]"#,
        "-c",
        "CMD [\"sh\", \"-c\", \"echo $GREETING from $(pwd)\"]",
        "-c",
        "ENV GREETING=hello",
        "--change",
        "WORKDIR /srv",
        "-c",
        "USER 0:0",
        "-c",
        "EXPOSE 8080",
        "-c",
        "LABEL made.by=coracle",
        "-m",
        "a message",
        &file,
        &name,
    ]);
    let id = out.success().stdout_trim().to_owned();
    assert_eq!(id.len(), 64, "{out}");
    let config = &c.run(["image", "inspect", &name]).success().json()[0]["Config"];
    assert_eq!(config["Entrypoint"][0], "/bin/busybox");
    assert_eq!(config["WorkingDir"], "/srv");
    assert_eq!(config["User"], "0:0");
    assert_eq!(config["Labels"]["made.by"], "coracle");
    assert!(config["ExposedPorts"]["8080/tcp"].is_object(), "{config}");
    c.run(["run", "--rm", &name])
        .success()
        .stdout_contains("hello from /srv");
}

#[test]
fn gzipped_from_stdin_without_a_name_then_pushed_and_pulled() {
    let c = coracle();
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(&rootfs_tar()).unwrap();
    let file = write(&c, "rootfs.tar.gz", &gz.finish().unwrap());
    let mut cmd = c.command(["import", "-"]);
    cmd.stdin(std::fs::File::open(&file).unwrap());
    let out = c.run_command(cmd);
    let id = out.success().stdout_trim().to_owned();
    let images = images_json(&c);
    assert_eq!(images.len(), 1);
    assert_eq!(images[0]["Repository"], "<none>");
    let dest = anon_ref("imported/pushed:1");
    c.run(["tag", &id, &dest]).success();
    c.run(["push", &dest]).success();
    let other = coracle();
    other.run(["pull", "-q", &dest]).success().stdout_eq(&id);
}

#[test]
fn bad_change_and_hostile_tar_store_nothing() {
    let c = coracle();
    let file = write(&c, "rootfs.tar", &rootfs_tar());
    c.run(["import", "-c", "RUN rm -rf /", &file, "x:1"])
        .code(125)
        .stderr_contains("RUN rm -rf /");
    // A tar whose entry climbs out of the layer.
    let mut header = tar::Header::new_gnu();
    header.as_gnu_mut().unwrap().name[..9].copy_from_slice(b"../escape");
    header.set_size(4);
    header.set_mode(0o644);
    header.set_entry_type(tar::EntryType::Regular);
    header.set_cksum();
    let mut hostile = header.as_bytes().to_vec();
    hostile.extend_from_slice(b"evil");
    hostile.resize(hostile.len() + 508 + 1024, 0);
    let file = write(&c, "hostile.tar", &hostile);
    c.run(["import", &file, "hostile:1"])
        .code(125)
        .stderr_contains("outside");
    assert!(image_ids(&c).is_empty());
    assert!(!c.dir().join("escape").exists());
    c.run(["import", "/nonexistent.tar"])
        .code(125)
        .stderr_contains("/nonexistent.tar");
}
