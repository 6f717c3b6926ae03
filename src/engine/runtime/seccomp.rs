//! The default seccomp profile: an allowlist, as Docker's and Podman's are, so that
//! a system call the kernel adds tomorrow is refused until someone allows it.
//!
//! Its source is Podman's: the profile containers.conf names (`[containers]
//! seccomp_profile`), else containers-common's /usr/share/containers/seccomp.json,
//! else a built-in copy of that file (seccomp_default.json, from containers-common
//! 0.50.1, Copyright 2018 the github.com/containers/common authors, Apache-2.0).
//!
//! containers-common's profile lets a container make namespaces, mount, and use
//! keyrings. Docker's does not, and neither does coracle's default: the containers-
//! common one (the file or the copy) is tightened by `seccomp_docker` to Docker's
//! rules. Another profile containers.conf names was chosen by its administrator and is
//! used as it is, like `--security-opt seccomp=PROFILE.json`.

use super::seccomp_docker::tighten;
use super::seccomp_profile::Profile;
use super::{seccomp_cache, RuntimeError};
use std::path::Path;

const BUILT_IN: &str = include_str!("seccomp_default.json");

/// Where containers-common installs its profile (Podman's default).
const CONTAINERS_COMMON: &str = "/usr/share/containers/seccomp.json";

/// The default profile's OCI object for a container with `caps`: the one a start
/// with the same profile, capabilities and coracle made before, else made now.
pub fn default_object(
    configured: Option<&Path>,
    caps: &[String],
    runroot: &Path,
) -> Result<String, RuntimeError> {
    let (source, text, tightened) = default_source(configured)?;
    // This coracle's own rules (tighten, to_oci) are part of what made the object.
    let exe = std::env::current_exe()
        .and_then(std::fs::metadata)
        .map(|m| format!("{:?} {}", m.modified().ok(), m.len()))
        .unwrap_or_default();
    let joined = caps.join(",");
    let key: [&[u8]; 6] = [
        b"default-object-1",
        exe.as_bytes(),
        text.as_bytes(),
        &[u8::from(tightened)],
        joined.as_bytes(),
        std::env::consts::ARCH.as_bytes(),
    ];
    seccomp_cache::object(runroot, &key, || {
        Ok(parse(&source, &text, tightened)?.to_oci(caps).to_string())
    })
}

/// The default profile (containers.conf's choice when it made one): its name, text, and whether it is to be tightened.
fn default_source(configured: Option<&Path>) -> Result<(String, String, bool), RuntimeError> {
    // Naming containers-common's own file is naming the default.
    if let Some(path) = configured.filter(|p| *p != Path::new(CONTAINERS_COMMON)) {
        return Ok((path.display().to_string(), read(path)?, false));
    }
    let common = Path::new(CONTAINERS_COMMON);
    Ok(match common.exists() {
        true => (CONTAINERS_COMMON.to_owned(), read(common)?, true),
        false => ("(built-in)".to_owned(), BUILT_IN.to_owned(), true),
    })
}

fn parse(source: &str, text: &str, tightened: bool) -> Result<Profile, RuntimeError> {
    if !tightened {
        return Profile::parse(source, text);
    }
    let mut value: serde_json::Value = serde_json::from_str(text)
        .map_err(|e| RuntimeError::Invalid(format!("invalid seccomp profile {source}: {e}")))?;
    tighten(&mut value);
    Profile::parse(source, &value.to_string())
}

fn read(path: &Path) -> Result<String, RuntimeError> {
    std::fs::read_to_string(path).map_err(|e| {
        RuntimeError::Invalid(format!(
            "cannot read the seccomp profile {}: {e}",
            path.display()
        ))
    })
}

/// libseccomp's name for the host's architecture.
pub(super) fn host_arch() -> &'static str {
    architectures().first().copied().unwrap_or("")
}

/// The host's architecture and the compat ones it runs, so that a 32-bit call cannot
/// slip around the filter (and 32-bit programs still work).
pub(super) fn architectures() -> Vec<&'static str> {
    match std::env::consts::ARCH {
        "x86_64" => vec!["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"],
        "aarch64" => vec!["SCMP_ARCH_AARCH64", "SCMP_ARCH_ARM"],
        _ => vec![],
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;

    fn default_profile(configured: Option<&Path>) -> Result<Profile, RuntimeError> {
        let (source, text, tightened) = default_source(configured)?;
        parse(&source, &text, tightened)
    }

    /// The action a rule list gives `name` called with no arguments, as libseccomp
    /// would for rules without argument conditions; None: the default action.
    fn action_for(oci: &Value, name: &str) -> Option<String> {
        oci["syscalls"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|r| r.get("args").is_none())
            .find(|r| r["names"].as_array().unwrap().iter().any(|n| n == name))
            .map(|r| r["action"].as_str().unwrap().to_owned())
    }

    fn built_in(caps: &[&str]) -> Value {
        let mut value: Value = serde_json::from_str(BUILT_IN).unwrap();
        tighten(&mut value);
        let caps: Vec<String> = caps.iter().map(|c| c.to_string()).collect();
        Profile::parse("(built-in)", &value.to_string())
            .unwrap()
            .to_oci(&caps)
    }

    #[test]
    fn the_built_in_profile_is_an_allowlist() {
        let oci = built_in(&[]);
        assert_eq!(oci["defaultAction"], "SCMP_ACT_ERRNO");
        assert_eq!(action_for(&oci, "read").as_deref(), Some("SCMP_ACT_ALLOW"));
        assert_eq!(action_for(&oci, "a_call_from_tomorrow"), None);
    }

    #[test]
    fn namespaces_mounts_keyrings_and_io_uring_are_refused() {
        let oci = built_in(&[]);
        for name in ["unshare", "setns", "mount", "umount2", "keyctl", "bpf"] {
            assert_eq!(
                action_for(&oci, name).as_deref(),
                Some("SCMP_ACT_ERRNO"),
                "{name}"
            );
        }
        for name in ["io_uring_setup", "io_uring_enter", "io_uring_register"] {
            assert_ne!(
                action_for(&oci, name).as_deref(),
                Some("SCMP_ACT_ALLOW"),
                "{name}"
            );
        }
    }

    #[test]
    fn sys_admin_unlocks_namespaces_and_mounts_but_not_keyrings() {
        let oci = built_in(&["CAP_SYS_ADMIN"]);
        for name in ["unshare", "mount", "clone", "clone3"] {
            assert_eq!(
                action_for(&oci, name).as_deref(),
                Some("SCMP_ACT_ALLOW"),
                "{name}"
            );
        }
        assert_eq!(
            action_for(&oci, "keyctl").as_deref(),
            Some("SCMP_ACT_ERRNO")
        );
    }

    #[test]
    fn a_profile_containers_conf_names_is_used_as_written() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("p.json");
        std::fs::write(
            &path,
            r#"{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [
                {"names": ["mkdir"], "action": "SCMP_ACT_ERRNO"}]}"#,
        )
        .unwrap();
        let oci = default_profile(Some(&path)).unwrap().to_oci(&[]);
        assert_eq!(oci["syscalls"].as_array().unwrap().len(), 1);
        let missing = default_profile(Some(&dir.path().join("no.json"))).unwrap_err();
        assert!(missing
            .to_string()
            .starts_with("cannot read the seccomp profile"));
    }
}
