//! `coracle manifest inspect`: what the registry serves, without pulling.

use crate::common::*;

#[test]
fn inspect_shows_manifests_and_lists_as_served() {
    let c = coracle();
    let out = c.run(["manifest", "inspect", &anon_ref("multi:oci")]);
    let index = out.success().json();
    assert_eq!(index["manifests"].as_array().unwrap().len(), 2);
    let out = c.run(["manifest", "inspect", &anon_ref("busybox:v2s2")]);
    let manifest = out.success().json();
    assert_eq!(
        manifest["mediaType"],
        "application/vnd.docker.distribution.manifest.v2+json"
    );
    assert_eq!(
        manifest["config"]["digest"],
        anon().images.busybox_v2s2.config_digest()
    );
    assert!(image_ids(&c).is_empty(), "inspect must not pull");
}

#[test]
fn inspect_with_auth_and_missing_images() {
    let c = coracle();
    let private = basic().image("private/busybox:latest");
    c.run(["manifest", "inspect", &private])
        .code(125)
        .stderr_contains_any(&["authentication required", "unauthorized"]);
    c.write_auth_json(&basic().addr(), BASIC_USER, BASIC_PASS);
    c.run(["manifest", "inspect", &private]).success();
    c.run(["manifest", "inspect", &anon_ref("no/such:image")])
        .code(125)
        .stderr_contains("not found");
}

/// The multi:oci entry this host's platform picks.
fn host_entry() -> &'static coracle_testkit::Image {
    let multi = &anon().images.multi_oci;
    multi
        .images
        .iter()
        .find(|i| i.platform.architecture == host_arch())
        .expect("multi:oci has this host's platform")
}

fn arm64_entry() -> &'static coracle_testkit::Image {
    let multi = &anon().images.multi_oci;
    multi
        .images
        .iter()
        .find(|i| i.platform.architecture == "arm64")
        .expect("multi:oci has arm64")
}

/// The digests a local list's `manifest inspect` shows, in order.
fn entry_digests(c: &coracle_testkit::Coracle, list: &str) -> Vec<String> {
    let index = c.run(["manifest", "inspect", list]).success().json();
    index["manifests"]
        .as_array()
        .map(|m| {
            m.iter()
                .map(|e| e["digest"].as_str().unwrap().to_owned())
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn create_and_add_local_and_registry_images_without_pulling() {
    let (c, busybox) = with_busybox();
    let id = c
        .run(["manifest", "create", "mylist"])
        .success()
        .stdout_trim()
        .to_owned();
    assert_eq!(id.len(), 64, "create prints the list's ID");
    let empty = c.run(["manifest", "inspect", "mylist"]).success().json();
    assert_eq!(
        empty["mediaType"],
        "application/vnd.docker.distribution.manifest.list.v2+json"
    );
    assert!(empty["manifests"].is_null(), "{empty}");

    c.run(["manifest", "add", "mylist", &busybox])
        .success()
        .stdout_eq(&format!("{id}\n"));
    let remote = format!("docker://{}", anon_ref("multi:oci"));
    c.run(["manifest", "add", "mylist", &remote])
        .success()
        .stdout_eq(&format!("{id}\n"));
    assert_eq!(
        entry_digests(&c, "localhost/mylist:latest"),
        [
            anon().images.busybox_v2s2.manifest_digest.clone(),
            host_entry().manifest_digest.clone()
        ]
    );
    let index = c.run(["manifest", "inspect", "mylist"]).success().json();
    assert_eq!(
        index["manifests"][0]["platform"]["architecture"],
        host_arch()
    );
    assert_eq!(index["manifests"][0]["platform"]["os"], "linux");
    let ids = image_ids(&c);
    assert!(
        !ids.contains(&host_entry().short_id()),
        "adding a registry image must not pull it: {ids:?}"
    );

    let all = c.run(["manifest", "create", "--all", "every", &remote]);
    let every = all.success().stdout_trim().to_owned();
    assert_ne!(every, id);
    assert_eq!(entry_digests(&c, "every").len(), 2);
    c.run(["manifest", "create", "--amend", "every", &busybox])
        .success()
        .stdout_eq(&format!("{every}\n"));
    assert_eq!(entry_digests(&c, "every").len(), 3);
}

#[test]
fn annotate_and_remove_show_in_inspect() {
    let c = coracle();
    let remote = format!("docker://{}", anon_ref("multi:oci"));
    c.run(["manifest", "create", "--all", "annotated", &remote])
        .success();
    let arm = &arm64_entry().manifest_digest;
    c.run([
        "manifest",
        "annotate",
        "--annotation",
        "team=infra",
        "--os-version",
        "10.1",
        "--features",
        "sse4,avx",
        "annotated",
        arm,
    ])
    .success();
    let index = c.run(["manifest", "inspect", "annotated"]).success().json();
    let entry = index["manifests"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| &e["digest"] == arm)
        .unwrap()
        .clone();
    assert_eq!(entry["annotations"]["team"], "infra");
    assert_eq!(entry["platform"]["os.version"], "10.1");
    assert_eq!(
        entry["platform"]["features"],
        serde_json::json!(["sse4", "avx"])
    );
    assert_eq!(entry["platform"]["variant"], "v8");

    c.run(["manifest", "remove", "annotated", arm]).success();
    assert_eq!(
        entry_digests(&c, "annotated"),
        [host_entry().manifest_digest.clone()]
    );
    c.run(["manifest", "remove", "annotated", arm])
        .code(125)
        .stderr_contains(&format!(
            "removing from manifest list annotated: no instance matching digest \"{arm}\" found in manifest list"
        ));
}

#[test]
fn push_sends_the_index_and_every_image_it_names() {
    let (c, busybox) = with_busybox();
    let remote = format!("docker://{}", anon_ref("multi:oci"));
    c.run(["manifest", "create", "--all", "topush", &remote, &busybox])
        .success();
    let destination = anon_ref("manifest-push/all:v1");
    let digestfile = c.dir().join("digest");
    c.run([
        "manifest",
        "push",
        "--rm",
        "--digestfile",
        digestfile.to_str().unwrap(),
        "topush",
        &format!("docker://{destination}"),
    ])
    .success();
    c.run(["manifest", "exists", "topush"]).code(1);
    assert_eq!(
        image_ids(&c).len(),
        1,
        "--rm removes the list, not its images"
    );

    let fresh = coracle();
    let pushed = fresh
        .run(["manifest", "inspect", &destination])
        .success()
        .json();
    let digests: Vec<&str> = pushed["manifests"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["digest"].as_str().unwrap())
        .collect();
    assert_eq!(
        digests,
        [
            anon().images.multi_oci.images[0].manifest_digest.as_str(),
            anon().images.multi_oci.images[1].manifest_digest.as_str(),
            anon().images.busybox_v2s2.manifest_digest.as_str()
        ]
    );
    let written = std::fs::read_to_string(&digestfile).unwrap();
    assert!(written.starts_with("sha256:"), "{written}");
    // The entries' blobs went with the index: each pulls from the new repository.
    pull_ok(
        &fresh,
        &format!(
            "{destination}@{}",
            anon().images.busybox_v2s2.manifest_digest
        ),
        &anon().images.busybox_v2s2,
    );
    let arm = fresh.run(["pull", "--platform", "linux/arm64", &destination]);
    assert_eq!(arm.success().stdout_trim(), arm64_entry().id());
}

#[test]
fn rm_removes_the_list_and_exists_says_so() {
    let (c, _) = with_busybox();
    let id = c
        .run(["manifest", "create", "gone"])
        .success()
        .stdout_trim()
        .to_owned();
    c.run(["manifest", "exists", "gone"]).success();
    c.run(["manifest", "exists", "nolist"]).code(1);
    c.run(["manifest", "rm", "gone"])
        .success()
        .stdout_eq(&format!("Untagged: localhost/gone:latest\nDeleted: {id}\n"));
    c.run(["manifest", "exists", "gone"]).code(1);
    c.run(["manifest", "rm", "gone"])
        .code(1)
        .stderr_contains("gone: image not known");
    assert_eq!(image_ids(&c).len(), 1);
}

#[test]
fn bad_input_is_refused_in_podmans_words() {
    let (c, busybox) = with_busybox();
    let remote = format!("docker://{}", anon_ref("multi:oci"));
    c.run(["manifest", "add", "nolist", &remote])
        .code(125)
        .stderr_contains("Error: nolist: image not known");
    c.run(["manifest", "add", &busybox, &remote])
        .code(125)
        .stderr_contains(&format!("{busybox}: image is not a manifest list"));
    c.run(["manifest", "exists", &busybox])
        .code(125)
        .stderr_contains("image is not a manifest list");
    c.run(["manifest", "create", &busybox])
        .code(125)
        .stderr_contains("that name is already in use");

    c.run(["manifest", "create", "list"]).success();
    c.run(["manifest", "create", "list"])
        .code(125)
        .stderr_contains("image name \"localhost/list:latest\" is already associated with image");
    c.run(["manifest", "annotate", "--arch", "arm", "list", "bogus"])
        .code(125)
        .stderr_contains("invalid image digest \"bogus\": invalid checksum digest format");
    let unknown = format!("sha256:{}", "0".repeat(64));
    c.run(["manifest", "annotate", "--arch", "arm", "list", &unknown])
        .code(125)
        .stderr_contains(&format!(
            "no Docker manifest matching digest \"{unknown}\" was found in list"
        ));
    c.run([
        "manifest",
        "add",
        "--annotation",
        "novalue",
        "list",
        &remote,
    ])
    .code(125)
    .stderr_contains("no value given for annotation \"novalue\"");
    c.run(["manifest", "push", "list"]).code(125);

    let missing = format!("docker://{}", anon_ref("no/such:image"));
    c.run(["manifest", "create", "never", &missing])
        .code(125)
        .stderr_contains("not found");
    c.run(["manifest", "exists", "never"]).code(1);
}

#[test]
fn push_to_another_registry_copies_registry_images_blob_by_blob() {
    let c = coracle();
    let remote = format!("docker://{}", anon_ref("multi:oci"));
    c.run(["manifest", "create", "across", &remote]).success();
    let destination = basic().image("manifest-push/across:v1");
    let creds = format!("{BASIC_USER}:{BASIC_PASS}");
    c.run([
        "manifest",
        "push",
        "--creds",
        &creds,
        "across",
        &destination,
    ])
    .success();
    c.write_auth_json(&basic().addr(), BASIC_USER, BASIC_PASS);
    let pushed = c
        .run(["manifest", "inspect", &destination])
        .success()
        .json();
    assert_eq!(
        pushed["manifests"][0]["digest"],
        host_entry().manifest_digest
    );
    let pulled = c.run(["pull", &destination]);
    assert_eq!(pulled.success().stdout_trim(), host_entry().id());
}

#[test]
fn images_shows_a_list_and_rmi_removes_it() {
    let (c, _) = with_busybox();
    let id = c
        .run(["manifest", "create", "shown"])
        .success()
        .stdout_trim()
        .to_owned();
    let rows = c.run(["images", "--format", "json"]).success().json();
    let row = rows
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["Repository"] == "localhost/shown")
        .unwrap_or_else(|| panic!("images shows the list: {rows}"))
        .clone();
    assert_eq!(row["Tag"], "latest");
    assert_eq!(row["ID"], id[..12]);
    c.run(["images", "--filter", "dangling=true", "-q"])
        .success()
        .stdout_eq("");
    c.run(["rmi", "shown"]).success().stdout_eq(&format!(
        "Untagged: localhost/shown:latest\nDeleted: {id}\n"
    ));
    c.run(["manifest", "exists", "shown"]).code(1);
    assert_eq!(image_ids(&c), [anon().images.busybox_v2s2.short_id()]);

    let id = c
        .run(["manifest", "create", "byid"])
        .success()
        .stdout_trim()
        .to_owned();
    c.run(["manifest", "inspect", &id[..12]]).success();
    c.run(["rmi", "-a"]).success();
    c.run(["manifest", "exists", "byid"]).code(1);
    assert!(image_ids(&c).is_empty());
}
