//! Podman commands and flags that were missing: `images --history` (with
//! NamesHistory in `image inspect`), `image mount`/`unmount`, `container clone`
//! and `search`.

use crate::common::*;
use serde_json::Value;

/// Podman's order: the names an image has now, the latest given first, then the
/// ones it lost; a name another image took stays in the old image's history.
#[test]
fn images_history_lists_every_name_an_image_had() {
    let (c, image) = with_busybox();
    c.run(["tag", &image, "localhost/foo:1"]).success();
    c.run(["tag", "localhost/foo:1", "localhost/foo:2"])
        .success();
    c.run(["untag", "localhost/foo:1", "localhost/foo:1"])
        .success();
    let history = format!("localhost/foo:2, {image}, localhost/foo:1");
    c.run(["images", "--history", "--format", "{{.History}}"])
        .success()
        .stdout_eq(&format!("{history}\n{history}\n"));
    let table = c.run([
        "images",
        "--history",
        "--noheading",
        "--filter",
        "reference=localhost/foo",
    ]);
    let line = table.success().stdout_trim().to_owned();
    assert!(line.starts_with("localhost/foo  "), "{line}");
    assert!(line.ends_with(&format!("  {history}")), "{line}");
    let header = c.run(["images", "--history"]);
    let first = header.success().stdout_lines()[0].to_owned();
    assert!(first.ends_with("SIZE        HISTORY"), "{first}");
    let json: Value =
        serde_json::from_str(&c.run(["images", "--format", "json"]).success().stdout).unwrap();
    let want = serde_json::json!(["localhost/foo:2", image, "localhost/foo:1"]);
    assert_eq!(json[0]["History"], want, "{json}");
    c.run([
        "image",
        "inspect",
        "--format",
        "{{json .NamesHistory}}",
        "localhost/foo:2",
    ])
    .success()
    .stdout_eq(&format!("{want}\n"));
    // Another image takes foo:2; the first keeps it in its history.
    c.run(["import", "/dev/null", "localhost/foo:2"]).success();
    c.run([
        "image",
        "inspect",
        "--format",
        "{{json .NamesHistory}}",
        &image,
    ])
    .success()
    .stdout_eq(&format!("{want}\n"));
}
