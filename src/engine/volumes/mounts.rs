//! A container's mounts as decided at create: kept in its record (for the
//! monitor's copy-up, for inspect, for `--volumes-from`) and written into its
//! OCI spec. libcontainer resolves every destination inside the container's
//! root (openat2 RESOLVE_IN_ROOT), so an image's symlink cannot send a mount
//! out of it.

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use std::path::PathBuf;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MountKind {
    Bind,
    Volume,
    Tmpfs,
    Image,
}

impl MountKind {
    pub fn as_str(&self) -> &'static str {
        match self {
            MountKind::Bind => "bind",
            MountKind::Volume => "volume",
            MountKind::Tmpfs => "tmpfs",
            MountKind::Image => "image",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Mount {
    pub kind: MountKind,
    /// The volume's name, or the image's ID.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// On the host: the bind source, a volume's `_data`; empty for a tmpfs;
    /// an image's layers, topmost first, are in `layers`.
    pub source: PathBuf,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub layers: Vec<PathBuf>,
    pub destination: String,
    pub read_only: bool,
    /// Options besides ro: [r]bind, propagation, [no]exec|suid|dev, size=...
    pub options: Vec<String>,
    /// Mounted as a tmpfs (`--tmpfs`, a `-o type=tmpfs` volume).
    #[serde(default)]
    pub tmpfs: bool,
    /// Fill the volume from the image if it is new and empty.
    #[serde(default)]
    pub copy_up: bool,
    /// `U`: the source is given to this uid:gid before the container starts.
    #[serde(default)]
    pub chown: Option<(u32, u32)>,
    /// `O`: where the overlay over the source keeps its writes (`upper/`) and
    /// its work dir (`work/`), in the container's directory; made empty at
    /// each start.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub overlay: Option<PathBuf>,
}

/// The mount propagation options, as `-v` and `--mount` spell them.
pub(super) const PROPAGATION: [&str; 8] = [
    "shared",
    "rshared",
    "slave",
    "rslave",
    "private",
    "rprivate",
    "unbindable",
    "runbindable",
];

impl Mount {
    /// The propagation given, else Podman's rprivate.
    pub fn propagation(&self) -> &str {
        self.options
            .iter()
            .find(|o| PROPAGATION.contains(&o.as_str()))
            .map_or("rprivate", String::as_str)
    }

    /// The entry in the OCI spec's `mounts`.
    pub fn spec(&self) -> Value {
        let mut options = self.options.clone();
        if self.read_only {
            options.push("ro".into());
        }
        if self.tmpfs {
            return json!({"destination": self.destination, "type": "tmpfs",
                "source": "tmpfs", "options": options});
        }
        if let Some(dir) = &self.overlay {
            options.extend([
                format!("lowerdir={}", self.source.display()),
                format!("upperdir={}", dir.join("upper").display()),
                format!("workdir={}", dir.join("work").display()),
                "userxattr".into(),
            ]);
            return json!({"destination": self.destination, "type": "overlay",
                "source": "overlay", "options": options});
        }
        if self.kind == MountKind::Image && self.layers.len() > 1 {
            // Overlay needs two lower dirs without an upper one; a single
            // layer is bound instead.
            let lower: Vec<String> = self
                .layers
                .iter()
                .map(|l| l.display().to_string())
                .collect();
            options.push(format!("lowerdir={}", lower.join(":")));
            options.push("userxattr".into());
            return json!({"destination": self.destination, "type": "overlay",
                "source": "overlay", "options": options});
        }
        if !options.iter().any(|o| o == "bind" || o == "rbind") {
            options.push("rbind".into());
        }
        if !options.iter().any(|o| PROPAGATION.contains(&o.as_str())) {
            options.push("rprivate".into());
        }
        json!({"destination": self.destination, "type": "bind",
            "source": self.source, "options": options})
    }

    /// Podman's entry in `inspect`'s `Mounts` (a tmpfs is not one there).
    pub fn inspect(&self) -> Option<Value> {
        if self.kind == MountKind::Tmpfs {
            return None;
        }
        let mut options: Vec<&str> = self
            .options
            .iter()
            .map(String::as_str)
            .filter(|o| !PROPAGATION.contains(o))
            .collect();
        if !options.iter().any(|o| *o == "bind" || *o == "rbind") {
            options.push("rbind");
        }
        let mut entry = json!({
            "Type": self.kind.as_str(),
            "Source": self.source,
            "Destination": self.destination,
            "Driver": if self.kind == MountKind::Volume { "local" } else { "" },
            "Mode": "",
            "Options": options,
            "RW": !self.read_only,
            "Propagation": self.propagation(),
        });
        if let Some(name) = &self.name {
            entry["Name"] = json!(name);
        }
        Some(entry)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mount(kind: MountKind) -> Mount {
        Mount {
            kind,
            name: None,
            source: "/srv".into(),
            layers: vec![],
            destination: "/data".into(),
            read_only: true,
            options: vec!["nodev".into()],
            tmpfs: false,
            copy_up: false,
            chown: None,
            overlay: None,
        }
    }

    #[test]
    fn an_overlay_mount_is_an_overlay_over_its_source() {
        let m = Mount {
            overlay: Some("/c/overlay-mounts/0".into()),
            read_only: false,
            ..mount(MountKind::Bind)
        };
        let spec = m.spec();
        assert_eq!(spec["type"], "overlay");
        let options = spec["options"].to_string();
        assert!(options.contains("lowerdir=/srv"), "{options}");
        assert!(
            options.contains("upperdir=/c/overlay-mounts/0/upper"),
            "{options}"
        );
        assert!(
            options.contains("workdir=/c/overlay-mounts/0/work"),
            "{options}"
        );
    }

    #[test]
    fn binds_are_recursive_and_private_unless_told() {
        let spec = mount(MountKind::Bind).spec();
        assert_eq!(spec["type"], "bind");
        assert_eq!(spec["options"], json!(["nodev", "ro", "rbind", "rprivate"]));
        let mut shared = mount(MountKind::Bind);
        shared.options = vec!["bind".into(), "shared".into()];
        assert_eq!(shared.spec()["options"], json!(["bind", "shared", "ro"]));
        assert_eq!(shared.inspect().unwrap()["Propagation"], "shared");
    }

    #[test]
    fn tmpfs_and_image_mounts() {
        let mut t = mount(MountKind::Tmpfs);
        t.tmpfs = true;
        assert_eq!(t.spec()["type"], "tmpfs");
        assert!(t.inspect().is_none());
        let mut image = mount(MountKind::Image);
        image.layers = vec!["/l/2".into(), "/l/1".into()];
        let spec = image.spec();
        assert_eq!(spec["type"], "overlay");
        assert!(spec["options"]
            .as_array()
            .unwrap()
            .contains(&json!("lowerdir=/l/2:/l/1")));
    }
}
