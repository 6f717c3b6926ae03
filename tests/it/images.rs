//! images, image inspect, tag, rmi, image prune, image history.

use crate::common::*;

fn pulled(names: &[&str]) -> coracle_testkit::Coracle {
    let c = coracle();
    for n in names {
        pull(&c, &anon_ref(n)).success();
    }
    c
}

#[test]
fn images_table_has_dockers_columns() {
    let c = pulled(&["busybox:v2s2"]);
    let out = c.run(["images"]);
    out.success();
    let lines = out.stdout_lines();
    let header = lines[0];
    let cols = ["REPOSITORY", "TAG", "IMAGE ID", "CREATED", "SIZE"];
    let pos: Vec<usize> = cols
        .iter()
        .map(|c| {
            header
                .find(c)
                .unwrap_or_else(|| panic!("no {c} column\n{out}"))
        })
        .collect();
    assert!(
        pos.windows(2).all(|w| w[0] < w[1]),
        "columns out of order\n{out}"
    );
    assert_eq!(lines.len(), 2, "{out}");
    let row = lines[1];
    assert!(row.starts_with(&anon_ref("busybox")), "{out}");
    out.stdout_contains("v2s2")
        .stdout_contains(&anon().images.busybox_v2s2.short_id());
}

#[test]
fn images_empty_store_prints_the_header() {
    let c = coracle();
    let out = c.run(["images"]);
    out.success().stdout_contains("REPOSITORY");
    assert_eq!(out.stdout_lines().len(), 1, "{out}");
    c.run(["image", "ls"])
        .success()
        .stdout_contains("REPOSITORY");
}

#[test]
fn images_quiet_no_trunc_and_digests() {
    let c = pulled(&["busybox:v2s2"]);
    let image = &anon().images.busybox_v2s2;
    assert_eq!(image_ids(&c), [image.short_id()]);
    c.run(["images", "--no-trunc"])
        .success()
        .stdout_contains(&format!("sha256:{}", image.id()));
    let out = c.run(["images", "--digests"]);
    out.success()
        .stdout_contains("DIGEST")
        .stdout_contains(&image.manifest_digest);
}

#[test]
fn images_json_has_dockers_keys() {
    let c = pulled(&["busybox:v2s2"]);
    let image = &anon().images.busybox_v2s2;
    let rows = images_json(&c);
    assert_eq!(rows.len(), 1);
    let row = &rows[0];
    for key in [
        "ID",
        "Repository",
        "Tag",
        "Digest",
        "CreatedAt",
        "CreatedSince",
        "Size",
    ] {
        assert!(row.get(key).is_some(), "key {key} missing from {row}");
    }
    assert_eq!(row["Repository"], anon_ref("busybox"));
    assert_eq!(row["Tag"], "v2s2");
    assert_eq!(row["Digest"], image.manifest_digest.as_str());
    let id = row["ID"].as_str().unwrap().trim_start_matches("sha256:");
    assert!(image.id().starts_with(id) && id.len() >= 12, "{row}");
}

#[test]
fn images_filters() {
    let c = pulled(&["busybox:v2s2", "multilayer:latest"]);
    let i = &anon().images;
    let ids = |filter: &str| {
        let out = c.run(["images", "-q", "-f", filter]);
        out.success();
        out.stdout_lines()
            .iter()
            .map(|s| s.to_string())
            .collect::<Vec<_>>()
    };
    assert_eq!(
        ids("label=org.coracle.test=multilayer"),
        [i.multilayer.short_id()]
    );
    assert_eq!(
        ids(&format!("reference={}", anon_ref("busybox"))),
        [i.busybox_v2s2.short_id()]
    );
    assert_eq!(
        ids(&format!("reference={}", anon_ref("busybox:v2s2"))),
        [i.busybox_v2s2.short_id()]
    );
    assert!(ids("dangling=true").is_empty());
    assert_eq!(ids("dangling=false").len(), 2);
}

#[test]
fn dangling_images_and_prune() {
    // Retag a repository to another image so the first one loses its only tag.
    let reg = &anon().registry;
    let i = &anon().images;
    let repo = format!("dangle-{}", std::process::id());
    reg.push(&format!("{repo}:latest"), &i.busybox_oci_gzip)
        .unwrap();
    let c = coracle();
    pull(&c, &reg.image(&format!("{repo}:latest"))).success();
    reg.push(&format!("{repo}:latest"), &i.multilayer).unwrap();
    pull(&c, &reg.image(&format!("{repo}:latest"))).success();
    let out = c.run(["images", "-q", "-f", "dangling=true"]);
    out.success();
    assert_eq!(out.stdout_lines(), [i.busybox_oci_gzip.short_id()], "{out}");
    c.run(["images"]).success().stdout_contains("<none>");

    c.run(["image", "prune", "-f"]).success();
    assert_eq!(image_ids(&c), [i.multilayer.short_id()]);
    // The busybox layer is still used by multilayer.
    assert!(layer_dir(&c, &i.busybox_oci_gzip.diff_ids[0]).is_dir());
}

#[test]
fn image_prune_all() {
    let c = pulled(&["busybox:v2s2", "multilayer:latest"]);
    assert_eq!(image_ids(&c).len(), 2);
    c.run(["image", "prune", "-a", "-f"]).success();
    assert!(image_ids(&c).is_empty());
    for diff_id in &anon().images.multilayer.diff_ids {
        assert!(
            !layer_dir(&c, diff_id).exists(),
            "layer {diff_id} left after prune -a"
        );
    }
}

#[test]
fn image_inspect() {
    let c = pulled(&["busybox:v2s2"]);
    let image = &anon().images.busybox_v2s2;
    let out = c.run(["image", "inspect", &anon_ref("busybox:v2s2")]);
    let doc = out.success().json();
    let arr = doc.as_array().expect("a JSON array");
    assert_eq!(arr.len(), 1);
    let i = &arr[0];
    assert_eq!(i["Id"], image.id());
    assert_eq!(i["RepoTags"], serde_json::json!([anon_ref("busybox:v2s2")]));
    assert_eq!(
        i["RepoDigests"],
        serde_json::json!([anon_ref(&format!("busybox@{}", image.manifest_digest))])
    );
    assert_eq!(i["Architecture"], "amd64");
    assert_eq!(i["Os"], "linux");
    assert_eq!(i["Config"]["Cmd"], serde_json::json!(["sh"]));
    assert_eq!(i["Config"]["Labels"]["org.coracle.test"], "busybox");
    let env = i["Config"]["Env"].as_array().unwrap();
    assert!(env
        .iter()
        .any(|e| e == "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"));
    assert_eq!(i["RootFS"]["Layers"], serde_json::json!(image.diff_ids));
    // By ID, by short ID.
    c.run(["image", "inspect", &image.id()]).success();
    c.run(["image", "inspect", &image.short_id()]).success();
}

#[test]
fn image_inspect_unknown_image() {
    let c = coracle();
    c.run(["image", "inspect", "nothere:latest"])
        .code(125)
        .stderr_contains("nothere");
}

#[test]
fn tag_then_rmi_by_tag_only_untags() {
    let c = pulled(&["busybox:v2s2"]);
    let image = &anon().images.busybox_v2s2;
    let new = anon_ref("retagged:1");
    c.run(["tag", &anon_ref("busybox:v2s2"), &new]).success();
    let rows = images_json(&c);
    assert_eq!(rows.len(), 2, "{rows:?}");
    assert!(rows
        .iter()
        .any(|r| r["Repository"] == anon_ref("retagged") && r["Tag"] == "1"));
    let out = c.run(["rmi", &new]);
    out.success().stdout_contains(&format!("Untagged: {new}"));
    assert!(!out.stdout.contains("Deleted:"), "{out}");
    assert_eq!(image_ids(&c), [image.short_id()]);
    c.run(["image", "inspect", &anon_ref("busybox:v2s2")])
        .success();
}

#[test]
fn rmi_keeps_shared_layers() {
    let c = pulled(&["busybox:oci-gzip", "multilayer:latest"]);
    let i = &anon().images;
    let out = c.run(["rmi", &anon_ref("multilayer:latest")]);
    out.success()
        .stdout_contains(&format!("Untagged: {}", anon_ref("multilayer:latest")))
        .stdout_contains(&format!("Deleted: sha256:{}", i.multilayer.id()));
    let shared = &i.busybox_oci_gzip.diff_ids[0];
    assert!(
        layer_dir(&c, shared).is_dir(),
        "the layer busybox still uses was removed"
    );
    assert!(blob_path(&c, &i.busybox_oci_gzip.layers[0].digest).exists());
    for diff_id in &i.multilayer.diff_ids[1..] {
        assert!(
            !layer_dir(&c, diff_id).exists(),
            "unshared layer {diff_id} kept"
        );
    }
    for blob in &i.multilayer.layers[1..] {
        assert!(
            !blob_path(&c, &blob.digest).exists(),
            "unshared blob {} kept",
            blob.digest
        );
    }
    assert_eq!(image_ids(&c), [i.busybox_oci_gzip.short_id()]);
    c.run(["image", "rm", &anon_ref("busybox:oci-gzip")])
        .success()
        .stdout_contains("Deleted:");
    assert!(!layer_dir(&c, shared).exists());
    assert!(image_ids(&c).is_empty());
}

#[test]
fn rmi_by_id_with_several_tags_needs_force() {
    let c = pulled(&["busybox:v2s2", "busybox:latest"]);
    let image = &anon().images.busybox_v2s2;
    c.run(["rmi", &image.short_id()]).failure();
    let out = c.run(["rmi", "-f", &image.short_id()]);
    out.success()
        .stdout_contains("Untagged:")
        .stdout_contains(&format!("Deleted: sha256:{}", image.id()));
    assert!(image_ids(&c).is_empty());
}

#[test]
fn rmi_unknown_image() {
    let c = coracle();
    // Podman's documented code (and Docker's) for an unknown image.
    c.run(["rmi", "nothere:latest"])
        .code(1)
        .stderr_contains("nothere");
}

#[test]
fn image_history() {
    let c = pulled(&["busybox:v2s2"]);
    let out = c.run(["image", "history", &anon_ref("busybox:v2s2")]);
    out.success();
    let lines = out.stdout_lines();
    for col in ["ID", "CREATED", "CREATED BY", "SIZE"] {
        assert!(lines[0].contains(col), "no {col} column\n{out}");
    }
    let history = anon().images.busybox_v2s2.config_json()["history"]
        .as_array()
        .unwrap()
        .len();
    assert_eq!(lines.len() - 1, history, "one row per history entry\n{out}");
    out.stdout_contains("LABEL");
}
