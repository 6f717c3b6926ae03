//! A volume's record, as the store keeps it and `volume inspect` shows it.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Podman's only volume driver, and coracle's.
pub const LOCAL_DRIVER: &str = "local";

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VolumeRecord {
    pub name: String,
    pub driver: String,
    pub created: DateTime<Utc>,
    pub labels: BTreeMap<String, String>,
    /// `-o` as given: type=, o=, device=.
    pub options: BTreeMap<String, String>,
    /// Made for one container (`-v /ctr`, an image's VOLUME): `rm -v` and
    /// `run --rm` remove it with the container.
    pub anonymous: bool,
    /// The first container to mount it empty fills it with what its image
    /// has there. Kept in its own column (the store's), so that exactly one
    /// container claims the copy.
    #[serde(skip)]
    pub needs_copy_up: bool,
    /// Where its files are (`volumes/NAME/_data`), as the store says.
    #[serde(skip)]
    pub mountpoint: std::path::PathBuf,
}

impl VolumeRecord {
    /// A new volume's record: empty, waiting for its copy-up.
    pub fn new(name: String, anonymous: bool) -> VolumeRecord {
        VolumeRecord {
            name,
            driver: LOCAL_DRIVER.into(),
            created: Utc::now(),
            labels: BTreeMap::new(),
            options: BTreeMap::new(),
            anonymous,
            needs_copy_up: true,
            mountpoint: Default::default(),
        }
    }

    /// `-o type=tmpfs`: each container gets a tmpfs of its own here, with the
    /// volume's `o=` options (no process outlives a container to keep one
    /// mounted between them).
    pub fn is_tmpfs(&self) -> bool {
        self.options.get("type").is_some_and(|t| t == "tmpfs")
    }

    /// `-o device=PATH` (with type=none|bind): the volume is that host
    /// directory, bound.
    pub fn device(&self) -> Option<&str> {
        match self.options.get("type").map(String::as_str) {
            None | Some("none" | "bind") => self.options.get("device").map(String::as_str),
            _ => None,
        }
    }

    /// `o=`'s comma-separated mount options.
    pub fn mount_options(&self) -> Vec<String> {
        self.options
            .get("o")
            .map(|o| {
                o.split(',')
                    .filter(|s| !s.is_empty())
                    .map(str::to_owned)
                    .collect()
            })
            .unwrap_or_default()
    }
}
