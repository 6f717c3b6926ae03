//! Docker's rules where containers-common's profile is looser (see `seccomp`).
//!
//! Without CAP_SYS_ADMIN a container cannot make namespaces (`clone` with a
//! namespace flag, `unshare`, `setns`) or mount: "root" in a new user namespace
//! reaches kernel code written for real root, the source of many escapes. `clone3`
//! fails with ENOSYS, so that libc falls back to `clone`, whose flags the filter
//! can see (clone3's sit in memory it cannot read). Keyrings are not namespaced and
//! io_uring bypasses the filter (its operations are not system calls): both are
//! refused whatever the capabilities, as Docker does.

use serde_json::{json, Value};

/// Allowed only with CAP_SYS_ADMIN (Docker's list for it, less what the
/// containers-common profile already refuses).
const ADMIN_ONLY: &[&str] = &[
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

/// Refused whatever the capabilities.
const NEVER: &[&str] = &[
    "add_key",
    "io_uring_enter",
    "io_uring_register",
    "io_uring_setup",
    "keyctl",
    "request_key",
];

/// CLONE_NEWNS | NEWCGROUP | NEWUTS | NEWIPC | NEWUSER | NEWPID | NEWNET.
const NAMESPACE_FLAGS: u64 = 0x7E02_0000;

/// Each of NAMESPACE_FLAGS.
const NAMESPACE_FLAG_BITS: [u64; 7] = [
    0x0002_0000,
    0x0200_0000,
    0x0400_0000,
    0x0800_0000,
    0x1000_0000,
    0x2000_0000,
    0x4000_0000,
];

/// Replaces whatever the profile says about these calls with Docker's rules.
pub fn tighten(profile: &mut Value) {
    let ours: Vec<&str> = ADMIN_ONLY
        .iter()
        .chain(NEVER)
        .chain(&["clone", "clone3"])
        .copied()
        .collect();
    if let Some(rules) = profile["syscalls"].as_array_mut() {
        for rule in rules.iter_mut() {
            if let Some(names) = rule["names"].as_array_mut() {
                names.retain(|n| !n.as_str().is_some_and(|n| ours.contains(&n)));
            }
        }
        rules.retain(|r| r["names"].as_array().is_none_or(|n| !n.is_empty()));
        rules.extend(docker_rules());
    }
}

fn docker_rules() -> Vec<Value> {
    let eperm = libc::EPERM;
    let no_admin = json!({"caps": ["CAP_SYS_ADMIN"]});
    let clone_flags = |index: u32| json!([{"index": index, "value": NAMESPACE_FLAGS, "valueTwo": 0, "op": "SCMP_CMP_MASKED_EQ"}]);
    let mut admin: Vec<&str> = ADMIN_ONLY.to_vec();
    admin.extend(["clone", "clone3"]);
    let mut rules = vec![
        json!({"names": ["clone"], "action": "SCMP_ACT_ALLOW", "args": clone_flags(0),
               "excludes": {"caps": ["CAP_SYS_ADMIN"], "arches": ["s390", "s390x"]}}),
        // s390 passes clone's flags second.
        json!({"names": ["clone"], "action": "SCMP_ACT_ALLOW", "args": clone_flags(1),
               "includes": {"arches": ["s390", "s390x"]}, "excludes": no_admin}),
        json!({"names": ["clone3"], "action": "SCMP_ACT_ERRNO", "errnoRet": libc::ENOSYS,
               "excludes": no_admin}),
        json!({"names": admin, "action": "SCMP_ACT_ALLOW", "includes": no_admin}),
        json!({"names": ADMIN_ONLY, "action": "SCMP_ACT_ERRNO", "errnoRet": eperm,
               "excludes": no_admin}),
        json!({"names": NEVER, "action": "SCMP_ACT_ERRNO", "errnoRet": eperm}),
    ];
    // A clone with a namespace flag gets Docker's answer, EPERM, rather than the
    // profile's default ENOSYS (meant for calls the profile does not know). The
    // filter can only match a masked value exactly, so one rule for each flag.
    for bit in NAMESPACE_FLAG_BITS {
        let with = |index: u32| json!([{"index": index, "value": bit, "valueTwo": bit, "op": "SCMP_CMP_MASKED_EQ"}]);
        rules.push(
            json!({"names": ["clone"], "action": "SCMP_ACT_ERRNO", "errnoRet": eperm,
            "args": with(0), "excludes": {"caps": ["CAP_SYS_ADMIN"], "arches": ["s390", "s390x"]}}),
        );
        rules.push(
            json!({"names": ["clone"], "action": "SCMP_ACT_ERRNO", "errnoRet": eperm,
            "args": with(1), "includes": {"arches": ["s390", "s390x"]}, "excludes": no_admin}),
        );
    }
    rules
}
