//! `--device HOST[:CONTAINER][:PERMISSIONS]`: the host's device node, bound
//! into the container. Rootless, that is all a user namespace allows (mknod is
//! denied there), and it is what Podman does; as root the same bind gives the
//! same node without a second code path.

use super::RuntimeError;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use std::os::unix::fs::FileTypeExt;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Device {
    pub host: String,
    pub container: String,
    /// Some of r, w and m; without w the node is bound read-only.
    pub permissions: String,
}

impl Device {
    /// Parses the flag and checks that the host path is a device node.
    pub fn parse(flag: &str) -> Result<Device, RuntimeError> {
        let parts: Vec<&str> = flag.split(':').collect();
        let perms = |p: &str| !p.is_empty() && p.chars().all(|c| "rwm".contains(c));
        let (host, container, permissions) = match parts[..] {
            [host] => (host, host, "rwm"),
            [host, p] if perms(p) => (host, host, p),
            [host, ctr] => (host, ctr, "rwm"),
            [host, ctr, p] if perms(p) => (host, ctr, p),
            _ => return Err(invalid(flag)),
        };
        if !host.starts_with('/') || !container.starts_with('/') {
            return Err(invalid(flag));
        }
        let meta = std::fs::metadata(host)
            .map_err(|e| RuntimeError::Invalid(format!("stat {host}: {e}")))?;
        let kind = meta.file_type();
        if !(kind.is_char_device() || kind.is_block_device()) {
            return Err(RuntimeError::Invalid(format!(
                "{host} is not a device: --device takes a character or block device node"
            )));
        }
        Ok(Device {
            host: host.to_owned(),
            container: container.to_owned(),
            permissions: permissions.to_owned(),
        })
    }

    /// The bind mount that puts the node in the container.
    pub fn mount(&self) -> Value {
        let access = match self.permissions.contains('w') {
            true => "rw",
            false => "ro",
        };
        json!({"destination": self.container, "type": "bind", "source": self.host,
            "options": ["bind", "nosuid", "noexec", access, "rprivate"]})
    }

    /// As inspect shows it (Docker's HostConfig.Devices).
    pub fn inspect(&self) -> Value {
        json!({"PathOnHost": self.host, "PathInContainer": self.container,
            "CgroupPermissions": self.permissions})
    }
}

fn invalid(flag: &str) -> RuntimeError {
    RuntimeError::Invalid(format!(
        "invalid device specification {flag:?}: use HOST-PATH[:CONTAINER-PATH][:PERMISSIONS], permissions of r, w and m"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn device_flags_parse() {
        let d = Device::parse("/dev/null").unwrap();
        assert_eq!(
            (d.container.as_str(), d.permissions.as_str()),
            ("/dev/null", "rwm")
        );
        let d = Device::parse("/dev/null:/dev/mine:r").unwrap();
        assert_eq!(d.container, "/dev/mine");
        assert_eq!(d.mount()["options"][3], "ro");
        assert_eq!(Device::parse("/dev/null:r").unwrap().permissions, "r");
        assert!(Device::parse("/dev/null:/a:x").is_err());
        assert!(Device::parse("/etc/hostname").is_err());
        assert!(Device::parse("/dev/nonexistent-device").is_err());
    }
}
