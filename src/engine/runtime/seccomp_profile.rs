//! `--security-opt seccomp=PROFILE.json`: a profile in Docker's format (the one
//! Docker and Podman ship and document) turned into the spec's `linux.seccomp`.
//!
//! Docker's format is the OCI object plus two things: `archMap` (the host's
//! architecture and the compat ones it runs) and per-rule `includes`/`excludes`
//! conditions on capabilities and architectures, decided here.

use super::seccomp::{architectures, host_arch};
use super::RuntimeError;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

const ACTIONS: [&str; 8] = [
    "SCMP_ACT_ALLOW",
    "SCMP_ACT_ERRNO",
    "SCMP_ACT_KILL",
    "SCMP_ACT_KILL_PROCESS",
    "SCMP_ACT_KILL_THREAD",
    "SCMP_ACT_LOG",
    "SCMP_ACT_TRACE",
    "SCMP_ACT_TRAP",
];

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Profile {
    default_action: String,
    default_errno_ret: Option<u32>,
    #[serde(default)]
    architectures: Vec<String>,
    #[serde(default)]
    arch_map: Vec<ArchMap>,
    #[serde(default)]
    syscalls: Vec<Rule>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct ArchMap {
    architecture: String,
    #[serde(default)]
    sub_architectures: Vec<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Rule {
    #[serde(default)]
    names: Vec<String>,
    /// The older single-name form.
    name: Option<String>,
    action: String,
    errno_ret: Option<u32>,
    /// containers-common writes `null` for none.
    #[serde(default)]
    args: Option<Vec<Value>>,
    #[serde(default)]
    includes: Filter,
    #[serde(default)]
    excludes: Filter,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
struct Filter {
    #[serde(default)]
    caps: Vec<String>,
    /// Go's names: amd64, arm64, x86...
    #[serde(default)]
    arches: Vec<String>,
}

impl Profile {
    /// Parses and checks a profile (`source` names it in errors), so that a bad one
    /// fails before anything is pulled or created.
    pub fn parse(source: &str, text: &str) -> Result<Profile, RuntimeError> {
        let invalid =
            |why: String| RuntimeError::Invalid(format!("invalid seccomp profile {source}: {why}"));
        let profile: Profile = serde_json::from_str(text).map_err(|e| invalid(e.to_string()))?;
        let actions = std::iter::once(&profile.default_action)
            .chain(profile.syscalls.iter().map(|r| &r.action));
        for action in actions {
            // A notify action hands calls to a listener the Docker format cannot name.
            if action == "SCMP_ACT_NOTIFY" {
                return Err(invalid(
                    "SCMP_ACT_NOTIFY needs a seccomp listener, which coracle does not run"
                        .to_owned(),
                ));
            }
            if !ACTIONS.contains(&action.as_str()) {
                return Err(invalid(format!(
                    "unknown action {action:?} (use SCMP_ACT_ALLOW, SCMP_ACT_ERRNO, ...)"
                )));
            }
        }
        if let Some(rule) = profile.syscalls.iter().find(|r| r.names().is_empty()) {
            return Err(invalid(format!(
                "a rule with action {} names no system call",
                rule.action
            )));
        }
        // Whatever else the spec would refuse (argument operators...), refuse now.
        serde_json::from_value::<oci_spec::runtime::LinuxSeccomp>(profile.to_oci(&[]))
            .map_err(|e| invalid(e.to_string()))?;
        Ok(profile)
    }

    /// The `linux.seccomp` object for a container with these capabilities.
    pub fn to_oci(&self, capabilities: &[String]) -> Value {
        let host = host_arch();
        let mut arches: Vec<String> = self.architectures.clone();
        for map in self.arch_map.iter().filter(|m| m.architecture == host) {
            arches.push(map.architecture.clone());
            arches.extend(map.sub_architectures.iter().cloned());
        }
        if arches.is_empty() && !self.arch_map.is_empty() {
            arches = architectures().into_iter().map(str::to_owned).collect();
        }
        let go_arch = match std::env::consts::ARCH {
            "x86_64" => "amd64",
            "aarch64" => "arm64",
            other => other,
        };
        let has = |cap: &String| capabilities.contains(cap);
        let syscalls: Vec<Value> = self
            .syscalls
            .iter()
            .filter(|r| r.includes.caps.iter().all(has))
            .filter(|r| {
                r.includes.arches.is_empty() || r.includes.arches.iter().any(|a| a == go_arch)
            })
            .filter(|r| !r.excludes.caps.iter().any(has))
            .filter(|r| !r.excludes.arches.iter().any(|a| a == go_arch))
            .map(|r| {
                let mut rule = json!({"names": r.names(), "action": r.action});
                if let Some(errno) = r.errno_ret {
                    rule["errnoRet"] = json!(errno);
                }
                if let Some(args) = r.args.as_ref().filter(|a| !a.is_empty()) {
                    rule["args"] = args.iter().map(for_libcontainer).collect();
                }
                rule
            })
            .collect();
        let mut out = json!({
            "defaultAction": self.default_action,
            "architectures": arches,
            "syscalls": syscalls,
        });
        if let Some(errno) = self.default_errno_ret {
            out["defaultErrnoRet"] = json!(errno);
        }
        out
    }
}

/// Docker's and runc's SCMP_CMP_MASKED_EQ is `(arg & value) == valueTwo`;
/// libcontainer 0.7 takes valueTwo for the mask and value for the datum, which
/// turns Docker's clone rule, `(flags & namespace flags) == 0`, into one every
/// clone passes. Swapped here, a profile means what it says.
fn for_libcontainer(arg: &Value) -> Value {
    let mut arg = arg.clone();
    if arg["op"] == "SCMP_CMP_MASKED_EQ" {
        let mask = arg["value"].take();
        arg["value"] = arg["valueTwo"].take();
        arg["valueTwo"] = mask;
        for key in ["value", "valueTwo"] {
            if arg[key].is_null() {
                arg[key] = json!(0);
            }
        }
    }
    arg
}

impl Rule {
    fn names(&self) -> Vec<String> {
        self.names.iter().chain(&self.name).cloned().collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_simple_profile_converts() {
        let p = Profile::parse(
            "p.json",
            r#"{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [
                {"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 1}]}"#,
        )
        .unwrap();
        let oci = p.to_oci(&[]);
        assert_eq!(oci["syscalls"][0]["names"], json!(["mkdir", "mkdirat"]));
        assert_eq!(oci["syscalls"][0]["errnoRet"], 1);
    }

    #[test]
    fn conditions_follow_capabilities_and_the_arch_map() {
        let p = Profile::parse(
            "p.json",
            r#"{"defaultAction": "SCMP_ACT_ERRNO",
                "archMap": [{"architecture": "SCMP_ARCH_X86_64", "subArchitectures": ["SCMP_ARCH_X86"]},
                            {"architecture": "SCMP_ARCH_AARCH64", "subArchitectures": ["SCMP_ARCH_ARM"]}],
                "syscalls": [
                {"names": ["read"], "action": "SCMP_ACT_ALLOW"},
                {"names": ["mount"], "action": "SCMP_ACT_ALLOW", "includes": {"caps": ["CAP_SYS_ADMIN"]}},
                {"names": ["chown"], "action": "SCMP_ACT_ALLOW", "excludes": {"caps": ["CAP_CHOWN"]}}]}"#,
        )
        .unwrap();
        let count = |caps: &[&str]| {
            let caps: Vec<String> = caps.iter().map(|c| c.to_string()).collect();
            p.to_oci(&caps)["syscalls"].as_array().unwrap().len()
        };
        assert_eq!(count(&[]), 2);
        assert_eq!(count(&["CAP_SYS_ADMIN"]), 3);
        assert_eq!(count(&["CAP_CHOWN"]), 1);
        let arches = p.to_oci(&[])["architectures"].clone();
        assert_eq!(arches.as_array().unwrap().len(), 2, "{arches}");
    }

    #[test]
    fn masked_eq_is_written_the_way_libcontainer_reads_it() {
        let p = Profile::parse(
            "p.json",
            r#"{"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [{"names": ["clone"], "action": "SCMP_ACT_ALLOW",
                "args": [{"index": 0, "value": 2114060288, "valueTwo": 0, "op": "SCMP_CMP_MASKED_EQ"}]}]}"#,
        )
        .unwrap();
        let arg = &p.to_oci(&[])["syscalls"][0]["args"][0];
        assert_eq!(
            (&arg["value"], &arg["valueTwo"]),
            (&json!(0), &json!(2114060288u64))
        );
    }

    #[test]
    fn bad_profiles_are_refused() {
        for bad in [
            "{",
            r#"{"syscalls": []}"#,
            r#"{"defaultAction": "SCMP_ACT_MAYBE"}"#,
            r#"{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"action": "SCMP_ACT_ERRNO"}]}"#,
            r#"{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["x"], "action": "SCMP_ACT_ERRNO", "args": [{"index": 0, "value": 1, "op": "SCMP_CMP_SOMETIMES"}]}]}"#,
        ] {
            let err = Profile::parse("p.json", bad).unwrap_err().to_string();
            assert!(err.starts_with("invalid seccomp profile p.json: "), "{err}");
        }
    }
}
