//! `ps --ns`: the namespaces a running container's init is in, as the inode
//! numbers the kernel names them by (`/proc/PID/ns/net -> net:[4026532256]`).

use super::lookup::lookup;
use super::{state, ContainersError};
use crate::engine::store::Store;
use serde::Serialize;

/// Podman's ListContainerNamespaces: each an inode number, as text.
#[derive(Debug, Default, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Namespaces {
    /// The init's pid, which `ps` shows beside them, not among them.
    #[serde(skip)]
    pub pid: i32,
    pub cgroup: String,
    #[serde(rename = "IPC")]
    pub ipc: String,
    #[serde(rename = "MNT")]
    pub mnt: String,
    #[serde(rename = "NET")]
    pub net: String,
    #[serde(rename = "PIDNS")]
    pub pidns: String,
    pub user: String,
    #[serde(rename = "UTS")]
    pub uts: String,
}

pub fn namespaces(store: &Store, input: &str) -> Result<Namespaces, ContainersError> {
    let record = lookup(store, input)?;
    let init = state::live_init(&record.state)
        .ok_or_else(|| ContainersError::NotRunning(input.to_owned()))?;
    let pid = init.as_raw();
    let inode = |ns: &str| {
        std::fs::read_link(format!("/proc/{pid}/ns/{ns}"))
            .ok()
            .and_then(|link| inode_of(&link.to_string_lossy()))
            .unwrap_or_default()
    };
    Ok(Namespaces {
        pid,
        cgroup: inode("cgroup"),
        ipc: inode("ipc"),
        mnt: inode("mnt"),
        net: inode("net"),
        pidns: inode("pid"),
        user: inode("user"),
        uts: inode("uts"),
    })
}

/// `net:[4026532256]` -> `4026532256`.
fn inode_of(link: &str) -> Option<String> {
    let (_, rest) = link.split_once(":[")?;
    Some(rest.strip_suffix(']')?.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inode_from_the_link() {
        assert_eq!(inode_of("net:[4026532256]").as_deref(), Some("4026532256"));
        assert_eq!(inode_of("garbage"), None);
    }
}
