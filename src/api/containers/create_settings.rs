//! The parts of Docker's create body that the CLI takes as Podman's process and
//! namespace flags (`--sysctl`, `--shm-size`, `--pid`, `--ipc`, `--uts`,
//! `--group-add`, `--device`, `--stop-timeout`, `--userns`): mapped through the
//! same parsers, so that a request and a command line mean the same.

use super::super::error::Error;
use crate::engine::containers::settings::Settings;
use crate::engine::runtime::devices::Device;
use crate::engine::runtime::namespaces::{Kind, NamespaceMode};
use crate::engine::runtime::sysctl;
use crate::engine::userns::UsernsMode;
use bollard_stubs::models::{ContainerConfig, DeviceMapping, HostConfig};
use std::fmt::Display;

fn bad(e: impl Display) -> Error {
    Error::bad_request(e.to_string())
}

pub fn settings(c: &ContainerConfig, h: &HostConfig) -> Result<Settings, Error> {
    let mode = |kind, text: &Option<String>| {
        NamespaceMode::parse(kind, text.as_deref().unwrap_or_default()).map_err(bad)
    };
    let mut sysctls = Vec::new();
    for (key, value) in h.sysctls.iter().flatten() {
        let (key, value, _) = sysctl::parse(&format!("{key}={value}")).map_err(bad)?;
        sysctls.push((key, value));
    }
    let group_add = h.group_add.clone().unwrap_or_default();
    Ok(Settings {
        sysctls,
        // Docker's clients send 0 for "the default".
        shm_size: h.shm_size.filter(|s| *s > 0).map(|s| s as u64),
        pid: mode(Kind::Pid, &h.pid_mode)?,
        ipc: mode(Kind::Ipc, &h.ipc_mode)?,
        uts: mode(Kind::Uts, &h.uts_mode)?,
        keep_groups: group_add.iter().any(|g| g == "keep-groups"),
        group_add: group_add
            .into_iter()
            .filter(|g| g != "keep-groups")
            .collect(),
        devices: h
            .devices
            .iter()
            .flatten()
            .map(device)
            .collect::<Result<_, _>>()?,
        stop_timeout: c.stop_timeout.map(|t| t.max(0) as u64),
        ..Default::default()
    })
}

/// UsernsMode: Docker knows only `host` (or nothing); Podman's other modes are
/// taken too, since the request reaches Podman's engine.
pub fn userns(h: &HostConfig) -> Result<UsernsMode, Error> {
    h.userns_mode
        .as_deref()
        .unwrap_or_default()
        .parse()
        .map_err(bad)
}

/// A DeviceMapping as `--device HOST:CONTAINER:PERMISSIONS`.
fn device(d: &DeviceMapping) -> Result<Device, Error> {
    let host = d.path_on_host.clone().unwrap_or_default();
    let container = d
        .path_in_container
        .clone()
        .filter(|p| !p.is_empty())
        .unwrap_or_else(|| host.clone());
    let perms = d
        .cgroup_permissions
        .clone()
        .filter(|p| !p.is_empty())
        .unwrap_or_else(|| "rwm".into());
    Device::parse(&format!("{host}:{container}:{perms}")).map_err(bad)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn host(json: serde_json::Value) -> HostConfig {
        serde_json::from_value(json).unwrap()
    }

    #[test]
    fn namespaces_sysctls_and_sizes_map_as_the_flags_do() {
        let h = host(serde_json::json!({
            "Sysctls": {"net.ipv4.ip_forward": "1"},
            "ShmSize": 1048576,
            "PidMode": "host", "IpcMode": "shareable", "UTSMode": "host",
            "GroupAdd": ["audio", "keep-groups"],
            "Devices": [{"PathOnHost": "/dev/null", "PathInContainer": "/dev/nul", "CgroupPermissions": "rw"}],
        }));
        let c: ContainerConfig =
            serde_json::from_value(serde_json::json!({"StopTimeout": 3})).unwrap();
        let s = settings(&c, &h).unwrap();
        assert_eq!(s.sysctls, [("net.ipv4.ip_forward".into(), "1".into())]);
        assert_eq!(s.shm_size, Some(1 << 20));
        assert_eq!(
            (s.pid, s.ipc, s.uts),
            (
                NamespaceMode::Host,
                NamespaceMode::Private,
                NamespaceMode::Host
            )
        );
        assert_eq!(s.group_add, ["audio"]);
        assert!(s.keep_groups);
        assert_eq!(s.devices.len(), 1);
        assert_eq!(s.stop_timeout, Some(3));
    }

    #[test]
    fn what_the_flags_refuse_the_request_does() {
        let c = ContainerConfig::default();
        for bad in [
            serde_json::json!({"Sysctls": {"kernel.hostname": "x"}}),
            serde_json::json!({"PidMode": "container:other"}),
            serde_json::json!({"IpcMode": "bogus"}),
            serde_json::json!({"Devices": [{"PathOnHost": "relative"}]}),
        ] {
            let e = settings(&c, &host(bad.clone())).unwrap_err();
            assert_eq!(e.status, 400, "{bad}");
        }
        assert!(userns(&host(serde_json::json!({"UsernsMode": "nope"}))).is_err());
        assert_eq!(
            userns(&host(serde_json::json!({"UsernsMode": "host"}))).unwrap(),
            UsernsMode::Host
        );
    }
}
