//! containers.conf, Podman's engine configuration, read as Podman reads it:
//! the distribution's file, the system's, then the user's (rootless), each
//! followed by its `containers.conf.d/*.conf` drop-ins, a later file's keys
//! winning; `CONTAINERS_CONF` names the only file instead, and
//! `CONTAINERS_CONF_OVERRIDE` one read last. The keys coracle honours are the
//! fields below; the many others Podman knows are left alone, as Podman leaves
//! the ones it does not know.

use crate::engine::error::{ErrorKind, Kinded};
use serde::Deserialize;
use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("reading configuration {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("decode configuration {path}: {message}")]
    Parse { path: PathBuf, message: String },
    #[error("{path}: {message}")]
    Invalid { path: PathBuf, message: String },
}

impl Kinded for ConfigError {
    fn kind(&self) -> ErrorKind {
        match self {
            ConfigError::Read { .. } => ErrorKind::Internal,
            ConfigError::Parse { .. } | ConfigError::Invalid { .. } => ErrorKind::Invalid,
        }
    }
}

/// What coracle takes from containers.conf.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ContainersConf {
    /// `[containers] default_sysctls`: `KEY=VALUE`, set in every container
    /// whose namespaces allow them.
    pub default_sysctls: Vec<String>,
    /// `[network] default_rootless_network_cmd`: pasta or slirp4netns.
    pub rootless_network_cmd: Option<String>,
    /// `[containers] seccomp_profile`: the default seccomp profile's file.
    pub seccomp_profile: Option<PathBuf>,
}

/// One file's keys; absent ones leave the earlier files' values.
#[derive(Deserialize, Default)]
struct File {
    #[serde(default)]
    containers: Containers,
    #[serde(default)]
    network: NetworkTable,
}

#[derive(Deserialize, Default)]
struct Containers {
    default_sysctls: Option<Vec<String>>,
    seccomp_profile: Option<PathBuf>,
}

#[derive(Deserialize, Default)]
struct NetworkTable {
    default_rootless_network_cmd: Option<String>,
}

/// Where the distribution and the administrator keep theirs.
const SYSTEM_FILES: [&str; 2] = [
    "/usr/share/containers/containers.conf",
    "/etc/containers/containers.conf",
];

/// The configuration for this user, from the files that exist.
pub fn load(rootless: bool) -> Result<ContainersConf, ConfigError> {
    let mut conf = ContainersConf::default();
    for path in files(rootless, |k| std::env::var_os(k).map(PathBuf::from)) {
        read_into(&mut conf, &path)?;
    }
    Ok(conf)
}

/// The files in the order they are read (later wins), drop-ins included;
/// those that do not exist are left out.
fn files(rootless: bool, env: impl Fn(&str) -> Option<PathBuf>) -> Vec<PathBuf> {
    let mut bases: Vec<PathBuf> = match env("CONTAINERS_CONF") {
        Some(only) => vec![only],
        None => {
            let mut all: Vec<PathBuf> = SYSTEM_FILES.iter().map(PathBuf::from).collect();
            if rootless {
                let config =
                    env("XDG_CONFIG_HOME").or_else(|| env("HOME").map(|h| h.join(".config")));
                all.extend(config.map(|c| c.join("containers/containers.conf")));
            }
            all
        }
    };
    let mut out = Vec::new();
    for base in bases.drain(..) {
        let drop_ins = drop_ins(&base);
        if base.is_file() {
            out.push(base);
        }
        out.extend(drop_ins);
    }
    out.extend(env("CONTAINERS_CONF_OVERRIDE").filter(|p| p.is_file()));
    out
}

/// `FILE.d/*.conf`, in name order.
fn drop_ins(base: &Path) -> Vec<PathBuf> {
    let mut dir = base.as_os_str().to_owned();
    dir.push(".d");
    let Ok(entries) = std::fs::read_dir(PathBuf::from(dir)) else {
        return Vec::new();
    };
    let mut found: Vec<PathBuf> = entries
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "conf") && p.is_file())
        .collect();
    found.sort();
    found
}

fn read_into(conf: &mut ContainersConf, path: &Path) -> Result<(), ConfigError> {
    let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
        path: path.to_owned(),
        source,
    })?;
    let file: File = toml::from_str(&text).map_err(|e| ConfigError::Parse {
        path: path.to_owned(),
        message: e.message().to_owned(),
    })?;
    if let Some(sysctls) = file.containers.default_sysctls {
        conf.default_sysctls = sysctls;
    }
    if let Some(profile) = file.containers.seccomp_profile {
        // Podman reads "" as "not set": its own default.
        conf.seccomp_profile = Some(profile).filter(|p| !p.as_os_str().is_empty());
    }
    if let Some(cmd) = file.network.default_rootless_network_cmd {
        if !matches!(cmd.as_str(), "pasta" | "slirp4netns") {
            return Err(ConfigError::Invalid {
                path: path.to_owned(),
                message: format!(
                    "invalid default_rootless_network_cmd option \"{cmd}\": use pasta or slirp4netns"
                ),
            });
        }
        conf.rootless_network_cmd = Some(cmd);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
        let path = dir.join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, text).unwrap();
        path
    }

    #[test]
    fn later_files_and_drop_ins_win_key_by_key() {
        let dir = tempfile::tempdir().unwrap();
        let main = write(
            dir.path(),
            "c.conf",
            "[containers]\ndefault_sysctls = [\"net.ipv4.ping_group_range=0 0\"]\nlog_driver = \"k8s-file\"\nseccomp_profile = \"/p.json\"\n[network]\ndefault_rootless_network_cmd = \"pasta\"\n",
        );
        write(
            dir.path(),
            "c.conf.d/10-net.conf",
            "[network]\ndefault_rootless_network_cmd = \"slirp4netns\"\n",
        );
        write(dir.path(), "c.conf.d/notes.txt", "not toml [");
        let env = |k: &str| (k == "CONTAINERS_CONF").then(|| main.clone());
        let mut conf = ContainersConf::default();
        for path in files(true, env) {
            read_into(&mut conf, &path).unwrap();
        }
        assert_eq!(conf.default_sysctls, ["net.ipv4.ping_group_range=0 0"]);
        assert_eq!(conf.rootless_network_cmd.as_deref(), Some("slirp4netns"));
        assert_eq!(conf.seccomp_profile.as_deref(), Some(Path::new("/p.json")));
    }

    #[test]
    fn the_users_file_counts_only_rootless() {
        let dir = tempfile::tempdir().unwrap();
        let user = write(dir.path(), "containers/containers.conf", "");
        let env = |k: &str| (k == "XDG_CONFIG_HOME").then(|| dir.path().to_owned());
        assert!(files(true, env).contains(&user));
        assert!(!files(false, env).contains(&user));
    }

    #[test]
    fn bad_files_say_which_and_why() {
        let dir = tempfile::tempdir().unwrap();
        let mut conf = ContainersConf::default();
        let broken = write(dir.path(), "broken.conf", "[network\n");
        let e = read_into(&mut conf, &broken).unwrap_err().to_string();
        assert!(
            e.starts_with(&format!("decode configuration {}", broken.display())),
            "{e}"
        );
        let wrong = write(
            dir.path(),
            "wrong.conf",
            "[network]\ndefault_rootless_network_cmd = \"vpnkit\"\n",
        );
        let e = read_into(&mut conf, &wrong).unwrap_err().to_string();
        assert!(
            e.contains("invalid default_rootless_network_cmd option \"vpnkit\""),
            "{e}"
        );
    }
}
