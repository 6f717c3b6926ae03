//! What pull reads from a registry (manifests, indexes, image configs) and what
//! `manifest` keeps of a list, from bytes a registry or a file could hold.

use crate::engine::images::config;
use crate::engine::images::pull::manifest::{self, Parsed};
use crate::engine::manifests::doc::ListDoc;
use crate::engine::net::ports;
use crate::engine::oci::platform::{self, Platform};
use crate::engine::runtime::process::ImageProcess;

/// The media types a registry may declare, and none (a blob read by digest).
const MEDIA_TYPES: [&str; 5] = [
    "",
    "application/vnd.oci.image.index.v1+json",
    "application/vnd.docker.distribution.manifest.list.v2+json",
    "application/vnd.oci.image.manifest.v1+json",
    "application/vnd.docker.distribution.manifest.v2+json",
];

pub fn manifest(data: &[u8]) {
    for media_type in MEDIA_TYPES {
        match manifest::parse("fuzz", data, media_type) {
            Ok(Parsed::Index(index)) => {
                for want in ["linux/amd64", "linux/arm64", "linux/arm/v6"] {
                    let want = Platform::parse(want).expect("a valid platform");
                    let _ = platform::select(&index, &want);
                }
            }
            Ok(Parsed::Manifest(m)) => {
                let _ = m.layers().iter().map(|l| l.size()).sum::<u64>();
            }
            Err(_) => {}
        }
    }
    let _ = manifest::diff_ids("fuzz", data);
    let _ = manifest::created(data);
    // What `run` takes from an image's config.
    if let Ok(value) = serde_json::from_slice(data) {
        let _ = config::labels(&value);
        let _ = ImageProcess::from_config(&value);
        let _ = ports::image_exposed(&value);
    }
    if let Ok(text) = std::str::from_utf8(data) {
        if let Ok(doc) = ListDoc::parse("fuzz", text) {
            let _ = doc.to_json();
            let _ = doc.inspect_json();
        }
    }
}
