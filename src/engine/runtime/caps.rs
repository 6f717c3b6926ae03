//! Capabilities: Podman's default set, adjusted by --cap-add/--cap-drop.

use super::RuntimeError;
use oci_spec::runtime::Capability;
use std::str::FromStr;

/// Podman's default set (containers.conf): enough for package managers and daemons
/// that drop privileges, without NET_RAW, MKNOD or AUDIT_WRITE.
pub const DEFAULT: [&str; 11] = [
    "CAP_CHOWN",
    "CAP_DAC_OVERRIDE",
    "CAP_FOWNER",
    "CAP_FSETID",
    "CAP_KILL",
    "CAP_NET_BIND_SERVICE",
    "CAP_SETFCAP",
    "CAP_SETGID",
    "CAP_SETPCAP",
    "CAP_SETUID",
    "CAP_SYS_CHROOT",
];

/// The same, each at its number (bit) in a capability mask.
pub const BY_NUMBER: [&str; 41] = [
    "CAP_CHOWN",
    "CAP_DAC_OVERRIDE",
    "CAP_DAC_READ_SEARCH",
    "CAP_FOWNER",
    "CAP_FSETID",
    "CAP_KILL",
    "CAP_SETGID",
    "CAP_SETUID",
    "CAP_SETPCAP",
    "CAP_LINUX_IMMUTABLE",
    "CAP_NET_BIND_SERVICE",
    "CAP_NET_BROADCAST",
    "CAP_NET_ADMIN",
    "CAP_NET_RAW",
    "CAP_IPC_LOCK",
    "CAP_IPC_OWNER",
    "CAP_SYS_MODULE",
    "CAP_SYS_RAWIO",
    "CAP_SYS_CHROOT",
    "CAP_SYS_PTRACE",
    "CAP_SYS_PACCT",
    "CAP_SYS_ADMIN",
    "CAP_SYS_BOOT",
    "CAP_SYS_NICE",
    "CAP_SYS_RESOURCE",
    "CAP_SYS_TIME",
    "CAP_SYS_TTY_CONFIG",
    "CAP_MKNOD",
    "CAP_LEASE",
    "CAP_AUDIT_WRITE",
    "CAP_AUDIT_CONTROL",
    "CAP_SETFCAP",
    "CAP_MAC_OVERRIDE",
    "CAP_MAC_ADMIN",
    "CAP_SYSLOG",
    "CAP_WAKE_ALARM",
    "CAP_BLOCK_SUSPEND",
    "CAP_AUDIT_READ",
    "CAP_PERFMON",
    "CAP_BPF",
    "CAP_CHECKPOINT_RESTORE",
];

/// Every capability the kernel knows, for `ALL` and `--privileged`.
pub const ALL: [&str; 41] = [
    "CAP_AUDIT_CONTROL",
    "CAP_AUDIT_READ",
    "CAP_AUDIT_WRITE",
    "CAP_BLOCK_SUSPEND",
    "CAP_BPF",
    "CAP_CHECKPOINT_RESTORE",
    "CAP_CHOWN",
    "CAP_DAC_OVERRIDE",
    "CAP_DAC_READ_SEARCH",
    "CAP_FOWNER",
    "CAP_FSETID",
    "CAP_IPC_LOCK",
    "CAP_IPC_OWNER",
    "CAP_KILL",
    "CAP_LEASE",
    "CAP_LINUX_IMMUTABLE",
    "CAP_MAC_ADMIN",
    "CAP_MAC_OVERRIDE",
    "CAP_MKNOD",
    "CAP_NET_ADMIN",
    "CAP_NET_BIND_SERVICE",
    "CAP_NET_BROADCAST",
    "CAP_NET_RAW",
    "CAP_PERFMON",
    "CAP_SETFCAP",
    "CAP_SETGID",
    "CAP_SETPCAP",
    "CAP_SETUID",
    "CAP_SYS_ADMIN",
    "CAP_SYS_BOOT",
    "CAP_SYS_CHROOT",
    "CAP_SYS_MODULE",
    "CAP_SYS_NICE",
    "CAP_SYS_PACCT",
    "CAP_SYS_PTRACE",
    "CAP_SYS_RAWIO",
    "CAP_SYS_RESOURCE",
    "CAP_SYS_TIME",
    "CAP_SYS_TTY_CONFIG",
    "CAP_SYSLOG",
    "CAP_WAKE_ALARM",
];

/// The set after `add` and `drop` (names with or without CAP_, any case, or ALL),
/// applied Docker's way: drops first, then adds, so `--cap-drop ALL --cap-add X`
/// leaves exactly X.
pub fn effective_set(
    privileged: bool,
    add: &[String],
    drop: &[String],
) -> Result<Vec<String>, RuntimeError> {
    let base: &[&str] = if privileged { &ALL } else { &DEFAULT };
    let add = normalize(add)?;
    let drop = normalize(drop)?;
    let mut set: Vec<String> = if drop.iter().any(|d| d == "ALL") {
        Vec::new()
    } else {
        base.iter()
            .map(|c| c.to_string())
            .filter(|c| !drop.contains(c))
            .collect()
    };
    for cap in add {
        if cap == "ALL" {
            set = ALL.iter().map(|c| c.to_string()).collect();
        } else if !set.contains(&cap) {
            set.push(cap);
        }
    }
    set.sort();
    Ok(set)
}

fn normalize(names: &[String]) -> Result<Vec<String>, RuntimeError> {
    names
        .iter()
        .map(|n| {
            let upper = n.trim().to_ascii_uppercase();
            if upper == "ALL" {
                return Ok(upper);
            }
            let bare = upper.strip_prefix("CAP_").unwrap_or(&upper);
            Capability::from_str(bare)
                .map(|_| format!("CAP_{bare}"))
                .map_err(|_| {
                    RuntimeError::Invalid(format!(
                        "unknown capability {n:?}: use a name from capabilities(7), such as NET_ADMIN, or ALL"
                    ))
                })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(items: &[&str]) -> Vec<String> {
        items.iter().map(|x| x.to_string()).collect()
    }

    #[test]
    fn numbered_capabilities_are_all_of_them() {
        let (mut numbered, mut all) = (BY_NUMBER.to_vec(), ALL.to_vec());
        numbered.sort_unstable();
        all.sort_unstable();
        assert_eq!(numbered, all);
    }

    #[test]
    fn default_set_is_podmans() {
        let set = effective_set(false, &[], &[]).unwrap();
        assert_eq!(set.len(), 11);
        assert!(!set.contains(&"CAP_NET_RAW".to_owned()));
    }

    #[test]
    fn add_and_drop_accept_any_spelling() {
        let set = effective_set(false, &s(&["net_admin"]), &s(&["CAP_CHOWN", "kill"])).unwrap();
        assert!(set.contains(&"CAP_NET_ADMIN".to_owned()));
        assert!(!set.contains(&"CAP_CHOWN".to_owned()));
        assert!(!set.contains(&"CAP_KILL".to_owned()));
        assert_eq!(set.len(), 10);
    }

    #[test]
    fn drop_all_then_add() {
        assert_eq!(
            effective_set(false, &s(&["SYS_ADMIN"]), &s(&["all"])).unwrap(),
            s(&["CAP_SYS_ADMIN"])
        );
        assert_eq!(effective_set(true, &[], &[]).unwrap().len(), ALL.len());
    }

    #[test]
    fn unknown_names_are_refused() {
        assert!(effective_set(false, &s(&["FLY"]), &[]).is_err());
    }
}
