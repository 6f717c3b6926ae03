//! Rootless limits on cgroup v2: the cgroup controllers the user's systemd
//! delegates to it (`Delegate=` of user@.service; Debian's gives cpu, memory
//! and pids), reached as Podman reaches them: a transient scope that the
//! user's systemd makes over its session bus, in the user's own slice.

use crate::engine::userns::Mappings;
use std::path::{Path, PathBuf};

const ROOT: &str = "/sys/fs/cgroup";

/// The slice a rootless container's scope goes in without `--cgroup-parent`.
pub const DEFAULT_SLICE: &str = "user.slice";

/// The controllers delegated to this user, when its systemd can make scopes
/// for it: cgroup v2 only, a session bus to ask (the one libcgroups dials),
/// and `busctl`, which libcgroups runs to learn the bus's owner.
pub fn delegated() -> Option<Vec<String>> {
    if !Path::new(ROOT).join("cgroup.controllers").exists() || !session_bus() || !on_path("busctl")
    {
        return None;
    }
    let file = user_manager(host_uid()).join("cgroup.controllers");
    let text = std::fs::read_to_string(file).ok()?;
    Some(text.split_whitespace().map(str::to_owned).collect())
}

/// Where the user's systemd keeps the cgroups it makes for the user.
fn user_manager(uid: u32) -> PathBuf {
    Path::new(ROOT).join(format!("user.slice/user-{uid}.slice/user@{uid}.service"))
}

/// libcgroups' choice: `DBUS_SESSION_BUS_ADDRESS`, else `$XDG_RUNTIME_DIR/bus`.
fn session_bus() -> bool {
    if let Ok(address) = std::env::var("DBUS_SESSION_BUS_ADDRESS") {
        return address.split(';').any(|a| {
            a.starts_with("unix:abstract=")
                || a.strip_prefix("unix:path=")
                    .is_some_and(|p| Path::new(p).exists())
        });
    }
    std::env::var_os("XDG_RUNTIME_DIR").is_some_and(|dir| Path::new(&dir).join("bus").exists())
}

fn on_path(program: &str) -> bool {
    std::env::var_os("PATH")
        .is_some_and(|path| std::env::split_paths(&path).any(|dir| dir.join(program).is_file()))
}

/// The caller's uid outside the rootless user namespace it may be in.
fn host_uid() -> u32 {
    let euid = nix::unistd::geteuid().as_raw();
    let egid = nix::unistd::getegid().as_raw();
    Mappings::current()
        .ok()
        .and_then(|m| m.outside(euid, egid))
        .map_or(euid, |(uid, _)| uid)
}

/// The cgroup controller a limit is written through: `memory.high` is the
/// memory controller's.
pub fn controller_of(file: &str) -> &str {
    file.split('.').next().unwrap_or(file)
}

/// The spec's `cgroupsPath` for a scope (`SLICE:coracle:ID`, libcgroups'
/// systemd form), and the directory systemd makes for it.
pub fn scope_path(id: &str, slice: Option<&str>) -> String {
    format!("{}:coracle:{id}", slice.unwrap_or(DEFAULT_SLICE))
}

/// The directory of the scope that `scope_path` names, as this process sees
/// the tree: a `a-b.slice` lives in `a.slice/a-b.slice`, as systemd nests them.
pub fn scope_dir(path: &str) -> Option<PathBuf> {
    let mut parts = path.splitn(3, ':');
    let (slice, prefix, name) = (parts.next()?, parts.next()?, parts.next()?);
    let mut dir = user_manager(host_uid());
    let stem = slice.strip_suffix(".slice")?;
    let mut nested = String::new();
    for part in stem.split('-') {
        nested.push_str(part);
        dir.push(format!("{nested}.slice"));
        nested.push('-');
    }
    Some(dir.join(format!("{prefix}-{name}.scope")))
}

/// Whether `parent` can hold a scope: a systemd slice name, as Podman asks
/// of `--cgroup-parent` under its systemd manager.
pub fn is_slice(parent: &str) -> bool {
    parent.len() > ".slice".len()
        && parent.ends_with(".slice")
        && !parent.contains('/')
        && parent
            .trim_end_matches(".slice")
            .split('-')
            .all(|part| !part.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scopes_nest_as_systemd_nests_slices() {
        let uid = host_uid();
        let base = format!("/sys/fs/cgroup/user.slice/user-{uid}.slice/user@{uid}.service");
        assert_eq!(
            scope_dir(&scope_path("abc", None)).unwrap(),
            PathBuf::from(format!("{base}/user.slice/coracle-abc.scope"))
        );
        assert_eq!(
            scope_dir(&scope_path("abc", Some("a-b.slice"))).unwrap(),
            PathBuf::from(format!("{base}/a.slice/a-b.slice/coracle-abc.scope"))
        );
        assert_eq!(scope_dir("/coracle/abc"), None);
    }

    #[test]
    fn only_slice_names_can_parent_a_scope() {
        assert!(is_slice("user.slice"));
        assert!(is_slice("a-b.slice"));
        assert!(!is_slice(".slice"));
        assert!(!is_slice("a--b.slice"));
        assert!(!is_slice("mine/"));
        assert!(!is_slice("/x/y.slice"));
    }

    #[test]
    fn limits_name_their_controller() {
        assert_eq!(controller_of("memory.high"), "memory");
        assert_eq!(controller_of("pids"), "pids");
    }
}
