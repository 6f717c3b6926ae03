//! The default seccomp profile.
//!
//! Docker's and Podman's default profiles allow a list of about 350 system calls and
//! refuse the rest. This one is the mirror image with the same effect on what matters:
//! it allows everything except the calls those profiles refuse to a container without
//! extra capabilities (kernel modules, keyrings, clocks, reboot, namespaces and mounts,
//! tracing other processes' memory, bpf, perf...), each failing with EPERM. The calls
//! that CAP_SYS_ADMIN would unlock in Docker's profile stay allowed when it is added.

use serde_json::{json, Value};

/// Refused whatever the capabilities.
const ALWAYS: &[&str] = &[
    "acct",
    "add_key",
    "bpf",
    "clock_adjtime",
    "clock_settime",
    "create_module",
    "delete_module",
    "finit_module",
    "get_kernel_syms",
    "init_module",
    "ioperm",
    "iopl",
    "kcmp",
    "kexec_file_load",
    "kexec_load",
    "keyctl",
    "lookup_dcookie",
    "move_pages",
    "nfsservctl",
    "open_by_handle_at",
    "perf_event_open",
    "process_vm_readv",
    "process_vm_writev",
    "query_module",
    "quotactl",
    "reboot",
    "request_key",
    "settimeofday",
    "stime",
    "swapoff",
    "swapon",
    "_sysctl",
    "sysfs",
    "syslog",
    "uselib",
    "userfaultfd",
    "ustat",
    "vm86",
    "vm86old",
];

/// Refused unless CAP_SYS_ADMIN is in the set.
const SYS_ADMIN: &[&str] = &[
    "fanotify_init",
    "fsconfig",
    "fsmount",
    "fsopen",
    "fspick",
    "mount",
    "mount_setattr",
    "move_mount",
    "name_to_handle_at",
    "open_tree",
    "pivot_root",
    "setns",
    "umount",
    "umount2",
    "unshare",
];

/// The `linux.seccomp` object for a container with these capabilities.
pub fn default_profile(capabilities: &[String]) -> Value {
    let mut names: Vec<&str> = ALWAYS.to_vec();
    if !capabilities.iter().any(|c| c == "CAP_SYS_ADMIN") {
        names.extend_from_slice(SYS_ADMIN);
    }
    json!({
        "defaultAction": "SCMP_ACT_ALLOW",
        "architectures": architectures(),
        "syscalls": [{
            "names": names,
            "action": "SCMP_ACT_ERRNO",
            "errnoRet": libc::EPERM,
        }],
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

    #[test]
    fn sys_admin_unlocks_mount() {
        let plain = default_profile(&[]);
        let names = |p: &Value| p["syscalls"][0]["names"].as_array().unwrap().clone();
        assert!(names(&plain).contains(&json!("mount")));
        assert!(names(&plain).contains(&json!("keyctl")));
        let admin = default_profile(&["CAP_SYS_ADMIN".to_owned()]);
        assert!(!names(&admin).contains(&json!("mount")));
        assert!(names(&admin).contains(&json!("keyctl")));
    }

    #[test]
    fn profile_is_a_valid_oci_seccomp_object() {
        let parsed: oci_spec::runtime::LinuxSeccomp =
            serde_json::from_value(default_profile(&[])).unwrap();
        assert_eq!(parsed.syscalls().as_ref().unwrap().len(), 1);
    }
}
