//! The run flags about the process and its namespaces that Podman has and
//! Docker's API mostly does not (`--tz`, `--umask`, `--sysctl`, `--pid`, ...):
//! checked before anything is pulled, kept in the container's config for
//! inspect and the monitor, and turned into the spec at create.

use super::health::HealthRequest;
use super::resources::Resources;
use crate::engine::net::Network;
use crate::engine::runtime::devices::Device;
use crate::engine::runtime::environment::EnvFlags;
use crate::engine::runtime::namespaces::NamespaceMode;
use crate::engine::runtime::{sysctl, RuntimeError};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// Where `--tz Area/City` is looked up on the host.
pub const ZONEINFO: &str = "/usr/share/zoneinfo";

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Settings {
    /// `--tz`: `local` or a zone under ZONEINFO, become /etc/localtime.
    pub timezone: Option<String>,
    /// `--umask`, for the process.
    pub umask: Option<u32>,
    /// `--sysctl`, keys with dots, each checked to be namespaced.
    pub sysctls: Vec<(String, String)>,
    /// `--shm-size` in bytes (default 64 MiB, Podman's).
    pub shm_size: Option<u64>,
    pub pid: NamespaceMode,
    pub ipc: NamespaceMode,
    pub uts: NamespaceMode,
    /// None: the host's on cgroup v1, one of its own on v2 (Podman's default).
    pub cgroupns: Option<NamespaceMode>,
    /// `--group-add`: group names or gids, looked up in the image.
    pub group_add: Vec<String>,
    /// `--group-add keep-groups`: the caller's supplementary groups are kept
    /// (no setgroups), as crun's run.oci.keep_original_groups does.
    pub keep_groups: bool,
    pub devices: Vec<Device>,
    /// `--annotation`, in the spec's annotations.
    pub annotations: Vec<(String, String)>,
    /// `--personality`: LINUX or LINUX32.
    pub personality: Option<String>,
    /// With `--read-only`: rw tmpfs on /run, /tmp and /var/tmp (`--read-only-tmpfs`).
    pub read_only_tmpfs: bool,
    /// `--stop-timeout`, seconds; `stop` without `-t` waits this long.
    pub stop_timeout: Option<u64>,
    pub env: EnvFlags,
    /// `--preserve-fds`: the caller's fds 3..3+N passed on to the process.
    pub preserve_fds: u32,
    /// `--chrootdirs`: directories that get the container's /etc/hosts and
    /// /etc/resolv.conf too.
    pub chrootdirs: Vec<String>,
    /// `--init-path`: the init to run with `--init` instead of coracle's own.
    pub init_path: Option<PathBuf>,
    /// `--requires`: containers started before this one (IDs once created).
    pub requires: Vec<String>,
    /// `--hostuser`: host accounts added to the container's /etc/passwd.
    pub hostusers: Vec<String>,
    /// `--memory`, `--cpus`, `--pids-limit`, ... (resources.rs).
    pub resources: Resources,
    /// `--health-*`, `--no-healthcheck`: merged with the image's HEALTHCHECK
    /// at create.
    pub health: HealthRequest,
}

/// Seconds `stop` waits by default (Docker's and Podman's).
pub const DEFAULT_STOP_TIMEOUT: u64 = 10;

/// Podman's default /dev/shm size.
pub const DEFAULT_SHM_SIZE: u64 = 64 * 1024 * 1024;

impl Settings {
    /// Checks what can be checked without the image.
    pub fn validate(&self, network: Option<&Network>) -> Result<(), RuntimeError> {
        if let Some(tz) = &self.timezone {
            timezone_file(tz)?;
        }
        // Another container's network namespace is as shared as the host's.
        let shared_network = matches!(network, Some(Network::Host | Network::Container(_)));
        for (key, value) in &self.sysctls {
            let (_, _, owner) = sysctl::parse(&format!("{key}={value}"))?;
            sysctl::check_owner((key, value), owner, &self.ipc, shared_network)?;
        }
        if self.keep_groups && !self.group_add.is_empty() {
            return Err(RuntimeError::Invalid(
                "the '--group-add keep-groups' option is not allowed with other groups".into(),
            ));
        }
        if let Some(path) = &self.init_path {
            std::fs::metadata(path).map_err(|e| {
                RuntimeError::Invalid(format!(
                    "container-init binary not found on the host: stat {}: {}",
                    path.display(),
                    io_words(&e)
                ))
            })?;
        }
        for name in &self.hostusers {
            super::hostuser::lookup(name)?;
        }
        if let Some(dir) = self.chrootdirs.iter().find(|d| !d.starts_with('/')) {
            return Err(RuntimeError::Invalid(format!(
                "invalid --chrootdirs {dir:?}: the path must be absolute"
            )));
        }
        Ok(())
    }

    /// containers.conf's `default_sysctls`, under the ones given: those that
    /// are malformed or that the container's namespaces do not allow (a net.*
    /// one in a network namespace not its own) are left out, as Podman leaves
    /// them.
    pub fn add_default_sysctls(&mut self, defaults: &[String], network: &Network) {
        let shared_network = matches!(
            network,
            Network::Host | Network::Container(_) | Network::Ns(_)
        );
        for text in defaults {
            let Ok((key, value, owner)) = sysctl::parse(text) else {
                log::debug!("containers.conf: default sysctl {text:?} is malformed: left out");
                continue;
            };
            let given = self.sysctls.iter().any(|(k, _)| *k == key);
            let allowed =
                sysctl::check_owner((&key, &value), owner, &self.ipc, shared_network).is_ok();
            if !given && allowed {
                self.sysctls.push((key, value));
            }
        }
    }

    /// The container's cgroup namespace mode, the default decided for this host.
    pub fn cgroupns(&self) -> NamespaceMode {
        self.cgroupns.clone().unwrap_or_else(|| {
            match Path::new("/sys/fs/cgroup/cgroup.controllers").exists() {
                true => NamespaceMode::Private,
                false => NamespaceMode::Host,
            }
        })
    }

    /// Whether nothing is asked beyond what every container gets (the proxy
    /// variables and read-only tmpfs dirs are defaults, not requests).
    pub fn is_plain(&self) -> bool {
        let plain = Settings {
            read_only_tmpfs: self.read_only_tmpfs,
            env: EnvFlags {
                proxy: self.env.proxy.clone(),
                ..Default::default()
            },
            ..Default::default()
        };
        *self == plain
    }

    /// Whether it joins another container's pid, IPC or UTS namespace.
    pub fn joins_other(&self) -> bool {
        [&self.pid, &self.ipc, &self.uts]
            .iter()
            .any(|m| matches!(m, NamespaceMode::Container(_)))
    }
}

/// The host file `--tz` copies to /etc/localtime.
pub fn timezone_file(tz: &str) -> Result<PathBuf, RuntimeError> {
    let path = match tz {
        "local" => PathBuf::from("/etc/localtime"),
        zone if zone.split('/').any(|p| p == ".." || p.is_empty()) => {
            return Err(RuntimeError::Invalid(format!(
                "invalid --tz {zone:?}: use local or a zone such as Europe/Berlin"
            )))
        }
        zone => Path::new(ZONEINFO).join(zone),
    };
    match std::fs::metadata(&path) {
        Ok(m) if m.is_file() => Ok(path),
        Ok(_) => Err(RuntimeError::Invalid(format!(
            "{} is not a time zone file",
            path.display()
        ))),
        Err(e) => Err(RuntimeError::Invalid(format!(
            "stat {}: {}",
            path.display(),
            io_words(&e)
        ))),
    }
}

/// An io error as Go words it (`no such file or directory`), as Podman shows it.
fn io_words(e: &std::io::Error) -> String {
    let text = e.to_string();
    let words = text.split(" (os error").next().unwrap_or(&text);
    words.to_lowercase()
}

/// `--umask`: octal, at most 0777.
pub fn parse_umask(text: &str) -> Result<u32, RuntimeError> {
    u32::from_str_radix(text, 8)
        .ok()
        .filter(|&m| m <= 0o777)
        .ok_or_else(|| {
            RuntimeError::Invalid(format!("invalid umask string {text}: invalid argument"))
        })
}

/// `--shm-size`: `<number>[<unit>]`, unit b, k, m or g (binary), as Docker's
/// RAMInBytes reads it.
pub fn parse_size(flag: &str, text: &str) -> Result<u64, RuntimeError> {
    let invalid = || {
        RuntimeError::Invalid(format!(
            "unable to translate --{flag}: invalid size: '{text}'"
        ))
    };
    let lower = text.to_ascii_lowercase();
    let trimmed = lower.trim_end_matches('b').trim_end_matches('i');
    let split = trimmed
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(trimmed.len());
    let (number, unit) = trimmed.split_at(split);
    let number: f64 = number.parse().map_err(|_| invalid())?;
    let scale: u64 = match unit {
        "" => 1,
        "k" => 1 << 10,
        "m" => 1 << 20,
        "g" => 1 << 30,
        "t" => 1 << 40,
        _ => return Err(invalid()),
    };
    Ok((number * scale as f64) as u64)
}

/// `--personality`: the execution domains the OCI spec knows.
pub fn parse_personality(text: &str) -> Result<String, RuntimeError> {
    match text {
        "LINUX" | "LINUX32" => Ok(text.to_owned()),
        _ => Err(RuntimeError::Invalid(format!(
            "invalid personality {text:?}: use LINUX or LINUX32"
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_umasks_and_zones_parse() {
        assert_eq!(parse_size("shm-size", "1m").unwrap(), 1 << 20);
        assert_eq!(parse_size("shm-size", "65536k").unwrap(), 64 << 20);
        assert_eq!(parse_size("shm-size", "2GB").unwrap(), 2 << 30);
        assert_eq!(parse_size("shm-size", "100").unwrap(), 100);
        assert_eq!(
            parse_size("shm-size", "1x").unwrap_err().to_string(),
            "unable to translate --shm-size: invalid size: '1x'"
        );
        assert_eq!(parse_umask("0077").unwrap(), 0o77);
        assert_eq!(parse_umask("77").unwrap(), 0o77);
        assert!(parse_umask("999").is_err());
        assert!(parse_umask("07777").is_err());
        assert_eq!(
            timezone_file("Foo/Bar").unwrap_err().to_string(),
            "stat /usr/share/zoneinfo/Foo/Bar: no such file or directory"
        );
        assert!(timezone_file("../etc/passwd").is_err());
        assert!(parse_personality("LINUX32").is_ok());
        assert!(parse_personality("FOO").is_err());
    }

    #[test]
    fn default_sysctls_yield_to_given_ones_and_to_shared_namespaces() {
        let defaults = [
            "net.ipv4.ping_group_range=0 0".to_owned(),
            "kernel.shmmax=1000".to_owned(),
            "bogus".to_owned(),
        ];
        let mut s = Settings::default();
        s.add_default_sysctls(&defaults, &Network::None);
        assert_eq!(s.sysctls.len(), 2);
        let mut s = Settings {
            sysctls: vec![("kernel.shmmax".into(), "5".into())],
            ipc: NamespaceMode::Host,
            ..Default::default()
        };
        s.add_default_sysctls(&defaults, &Network::Host);
        assert_eq!(s.sysctls, [("kernel.shmmax".to_owned(), "5".to_owned())]);
    }
}
