//! The parts of the spec that Podman's run flags decide (containers/settings.rs):
//! namespaces, umask, sysctls, personality, annotations, /dev/shm, devices,
//! the read-only tmpfs dirs and the chroot dirs' name files.

use super::namespaces::{Kind, NamespaceMode};
use crate::engine::containers::settings::{Settings, DEFAULT_SHM_SIZE};
use serde_json::{json, Map, Value};
use std::path::Path;

/// The namespaces the container gets of its own. One shared with another
/// container is joined by the monitor before the runtime runs, so that the
/// runtime creates none (as with `--network container:X`).
pub fn namespaces(settings: &Settings) -> Vec<Value> {
    let cgroup = settings.cgroupns.clone().unwrap_or(NamespaceMode::Host);
    let modes = [
        (Kind::Pid, &settings.pid),
        (Kind::Ipc, &settings.ipc),
        (Kind::Uts, &settings.uts),
    ];
    let mut out: Vec<Value> = modes
        .into_iter()
        .filter(|(_, mode)| mode.unshared())
        .map(|(kind, _)| json!({"type": kind.oci()}))
        .collect();
    out.push(json!({"type": "mount"}));
    if cgroup.unshared() {
        out.push(json!({"type": "cgroup"}));
    }
    out
}

/// umask, sysctls and personality into `process` and `linux`; annotations.
pub fn apply(
    settings: &Settings,
    without_net: bool,
    linux: &mut Value,
    process: &mut Value,
    annotations: &mut Map<String, Value>,
) {
    if let Some(umask) = settings.umask {
        process["user"]["umask"] = json!(umask);
    }
    let sysctls: Map<String, Value> = settings
        .sysctls
        .iter()
        .filter(|(k, _)| !(without_net && k.starts_with("net.")))
        .map(|(k, v)| (k.clone(), json!(v)))
        .collect();
    if !sysctls.is_empty() {
        linux["sysctl"] = Value::Object(sysctls);
    }
    if let Some(domain) = &settings.personality {
        linux["personality"] = json!({ "domain": domain });
    }
    for (key, value) in &settings.annotations {
        annotations.insert(key.clone(), json!(value));
    }
}

/// /dev/shm and /dev/mqueue: a tmpfs of `--shm-size` and the IPC namespace's
/// mqueue; with `--ipc host` the host's, bound as Podman binds them (an mqueue
/// can only be mounted by its IPC namespace's owner); no /dev/shm with
/// `--ipc none`.
pub fn ipc_mounts(settings: &Settings) -> Vec<Value> {
    let bind = |dir: &str| {
        json!({"destination": dir, "type": "bind", "source": dir,
            "options": ["rbind", "nosuid", "noexec", "nodev"]})
    };
    let size = settings.shm_size.unwrap_or(DEFAULT_SHM_SIZE);
    let shm = json!({"destination": "/dev/shm", "type": "tmpfs", "source": "shm",
        "options": ["nosuid", "noexec", "nodev", "mode=1777", format!("size={size}")]});
    let mqueue = json!({"destination": "/dev/mqueue", "type": "mqueue", "source": "mqueue",
        "options": ["nosuid", "noexec", "nodev"]});
    match settings.ipc {
        NamespaceMode::None => vec![mqueue],
        NamespaceMode::Host => std::iter::once(bind("/dev/shm"))
            .chain(
                Path::new("/dev/mqueue")
                    .is_dir()
                    .then(|| bind("/dev/mqueue")),
            )
            .collect(),
        _ => vec![shm, mqueue],
    }
}

/// Devices, the writable tmpfs dirs of a read-only root, and the chroot dirs'
/// copies of /etc/hosts and /etc/resolv.conf.
pub fn mounts(settings: &Settings, read_only: bool, userdata: &Path) -> Vec<Value> {
    let mut out: Vec<Value> = settings.devices.iter().map(|d| d.mount()).collect();
    if read_only && settings.read_only_tmpfs {
        out.extend(["/run", "/tmp", "/var/tmp"].map(|dir| {
            json!({"destination": dir, "type": "tmpfs", "source": "tmpfs",
                "options": ["rw", "nosuid", "nodev"]})
        }));
    }
    for dir in &settings.chrootdirs {
        for file in ["hosts", "resolv.conf"] {
            out.push(json!({
                "destination": format!("{}/etc/{file}", dir.trim_end_matches('/')),
                "type": "bind",
                "source": userdata.join(file),
                "options": ["bind", "rprivate"],
            }));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shared_namespaces_are_left_out_and_private_cgroup_added() {
        let settings = Settings {
            pid: NamespaceMode::Host,
            uts: NamespaceMode::Container("x".into()),
            cgroupns: Some(NamespaceMode::Private),
            ..Default::default()
        };
        let kinds: Vec<Value> = namespaces(&settings)
            .into_iter()
            .map(|n| n["type"].clone())
            .collect();
        assert_eq!(kinds, [json!("ipc"), json!("mount"), json!("cgroup")]);
    }

    #[test]
    fn shm_follows_ipc_and_size() {
        let mut settings = Settings {
            shm_size: Some(1 << 20),
            ..Default::default()
        };
        assert_eq!(ipc_mounts(&settings)[0]["options"][4], "size=1048576");
        settings.ipc = NamespaceMode::None;
        assert_eq!(ipc_mounts(&settings)[0]["destination"], "/dev/mqueue");
        settings.ipc = NamespaceMode::Host;
        assert_eq!(ipc_mounts(&settings)[0]["source"], "/dev/shm");
    }

    #[test]
    fn read_only_tmpfs_only_with_read_only() {
        let settings = Settings {
            read_only_tmpfs: true,
            chrootdirs: vec!["/c/".into()],
            ..Default::default()
        };
        let dests = |ro| -> Vec<Value> {
            mounts(&settings, ro, Path::new("/u"))
                .into_iter()
                .map(|m| m["destination"].clone())
                .collect()
        };
        assert_eq!(
            dests(false),
            [json!("/c/etc/hosts"), json!("/c/etc/resolv.conf")]
        );
        assert_eq!(dests(true).len(), 5);
    }
}
