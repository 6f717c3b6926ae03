//! system df: the space images, containers and volumes take, as Podman's table
//! and json.

use crate::build::inspect;
use crate::common::*;
use serde_json::Value;

/// The summary row of `kind` from `system df --format json`.
fn summary(rows: &Value, kind: &str) -> Value {
    rows.as_array()
        .unwrap()
        .iter()
        .find(|r| r["Type"] == kind)
        .unwrap_or_else(|| panic!("no {kind} in {rows}"))
        .clone()
}

#[test]
fn system_df_totals_the_images_and_containers_present() {
    let (c, image) = with_busybox();
    let unused = anon_ref("multilayer:latest");
    pull(&c, &unused).success();
    c.run(["volume", "create", "spare"]).success();
    c.run([
        "run",
        "--name",
        "writer",
        "-v",
        "kept:/data",
        &image,
        "sh",
        "-c",
        "head -c 5000 /dev/zero > /blob; head -c 3000 /dev/zero > /data/v",
    ])
    .success();
    c.run(["create", "--name", "idle", &image, "true"])
        .success();
    let rows = c.run(["system", "df", "--format", "json"]).success().json();
    let images = summary(&rows, "Images");
    let used = inspect(&c, &image)["Size"].as_u64().unwrap();
    let spare = inspect(&c, &unused)["Size"].as_u64().unwrap();
    assert_eq!(images["Total"], 2, "{rows}");
    assert_eq!(images["Active"], 1, "{rows}");
    assert_eq!(images["RawSize"], used + spare, "{rows}");
    assert_eq!(images["RawReclaimable"], spare, "{rows}");
    let containers = summary(&rows, "Containers");
    assert_eq!(containers["Total"], 2, "{rows}");
    assert_eq!(containers["Active"], 0, "{rows}");
    let written = containers["RawSize"].as_u64().unwrap();
    assert!((5000..6000).contains(&written), "{rows}");
    assert_eq!(containers["RawReclaimable"], written, "{rows}");
    let volumes = summary(&rows, "Local Volumes");
    assert_eq!(volumes["Total"], 2, "{rows}");
    assert_eq!(volumes["Active"], 1, "{rows}");
    assert_eq!(volumes["RawSize"], 3000, "{rows}");

    let out = c.run(["system", "df"]);
    let lines = out.success().stdout_lines();
    assert_eq!(
        lines[0].split_whitespace().collect::<Vec<_>>(),
        ["TYPE", "TOTAL", "ACTIVE", "SIZE", "RECLAIMABLE"],
        "{out}"
    );
    assert!(
        lines[1].starts_with("Images") && lines[2].starts_with("Containers"),
        "{out}"
    );
    assert!(lines[3].starts_with("Local Volumes"), "{out}");
}

#[test]
fn system_df_verbose_lists_each_image_and_container() {
    let (c, image) = with_busybox();
    let id = run_detached(&c, &["--name", "sleeper", &image, "sleep", "60"]);
    let image_id = inspect(&c, &image)["Id"]
        .as_str()
        .unwrap()
        .trim_start_matches("sha256:")
        .to_owned();
    let out = c.run(["system", "df", "-v"]);
    out.success()
        .stdout_contains("Images space usage:")
        .stdout_contains("Containers space usage:")
        .stdout_contains("Local Volumes space usage:");
    let image_row = out
        .stdout_lines()
        .into_iter()
        .find(|l| l.contains(&image_id[..12]))
        .unwrap_or_else(|| panic!("no image row\n{out}"));
    assert!(image_row.ends_with(" 1"), "one container uses it\n{out}");
    let row = out
        .stdout_lines()
        .into_iter()
        .find(|l| l.starts_with(&id[..12]))
        .unwrap_or_else(|| panic!("no container row\n{out}"));
    assert!(
        row.contains("sleep 60") && row.contains("running") && row.ends_with("sleeper"),
        "{out}"
    );
    let rows = c.run(["system", "df", "--format", "json"]).success().json();
    assert_eq!(summary(&rows, "Containers")["Active"], 1, "{rows}");
    c.run(["rm", "-f", "sleeper"]).success();
}
