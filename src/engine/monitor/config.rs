//! What the monitor needs to run a container besides its config.json: made by
//! `create`, kept in the record's config column, read by the monitor and by
//! every command that looks at a container.

use super::restart::RestartPolicy;
use crate::engine::containers::create::CreateOptions;
use crate::engine::containers::health::Healthcheck;
use crate::engine::containers::log_config::LogConfig;
use crate::engine::containers::run_files::SdNotify;
use crate::engine::containers::secrets::GivenSecret;
use crate::engine::containers::settings::Settings;
use crate::engine::net::names::NameOptions;
use crate::engine::net::ports::{Exposed, PortMapping};
use crate::engine::net::Network;
use crate::engine::store::containers::ContainerRecord;
use crate::engine::store::StoreError;
use crate::engine::userns::ContainerUserns;
use crate::engine::volumes::Mount;
use serde::{Deserialize, Serialize};
use std::path::PathBuf;

/// What the monitor needs besides config.json, kept in the record's config column.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct ContainerConfig {
    /// Overlay lower dirs, topmost first.
    pub layers: Vec<PathBuf>,
    pub network: Network,
    /// `--dns*`, `--add-host`, `--no-hosts`, for inspect.
    #[serde(default)]
    pub names: NameOptions,
    pub interactive: bool,
    /// A pty for the container (`-t`).
    #[serde(default)]
    pub tty: bool,
    pub remove: bool,
    /// Created in the rootfs before start when missing (`-w`).
    pub cwd: String,
    pub labels: Vec<(String, String)>,
    /// coracle's init is PID 1 (`--init`): the monitor installs it before start.
    #[serde(default)]
    pub init: bool,
    /// The process's argv as it will run (for listings).
    #[serde(default)]
    pub command: Vec<String>,
    /// What `stop` sends first, as `signal::parse` names it.
    #[serde(default = "default_stop_signal")]
    pub stop_signal: String,
    #[serde(default)]
    pub restart: RestartPolicy,
    /// As given (`--user`, else the image's), for inspect.
    #[serde(default)]
    pub user: String,
    #[serde(default)]
    pub privileged: bool,
    #[serde(default)]
    pub cap_add: Vec<String>,
    #[serde(default)]
    pub cap_drop: Vec<String>,
    /// Published ports, host ports chosen (`-p`, `-P`).
    #[serde(default)]
    pub ports: Vec<PortMapping>,
    /// The image's EXPOSE, `--expose` and the published container ports.
    #[serde(default)]
    pub exposed: Vec<Exposed>,
    /// Binds, volumes and tmpfs mounts (`-v`, `--mount`, `--tmpfs`,
    /// `--volumes-from`, the image's VOLUMEs), parents first.
    #[serde(default)]
    pub mounts: Vec<Mount>,
    /// Its own user namespace (`--userns=keep-id|auto`); none shares the monitor's.
    #[serde(default)]
    pub userns: Option<ContainerUserns>,
    /// `--secret`s (never their data), for inspect.
    #[serde(default)]
    pub secrets: Vec<GivenSecret>,
    /// Where the container's pid is written at each start (`--pidfile`).
    #[serde(default)]
    pub pidfile: Option<PathBuf>,
    /// Seconds the container may run before it is killed (`--timeout`; 0: no limit).
    #[serde(default)]
    pub timeout: u32,
    #[serde(default)]
    pub sdnotify: SdNotify,
    #[serde(default)]
    pub log: LogConfig,
    /// `--tz`, `--umask`, `--sysctl`, `--pid`, `--device`, ... for inspect,
    /// `stop` and the monitor.
    #[serde(default)]
    pub settings: Settings,
    /// The check the monitor runs (`--health-*`, else the image's HEALTHCHECK).
    #[serde(default)]
    pub healthcheck: Option<Healthcheck>,
    /// The options as `create` was given them, for `container clone` (none in
    /// a container made before they were kept).
    #[serde(default)]
    pub created_with: Option<CreateOptions>,
    /// The ID of the pod the container is in.
    #[serde(default)]
    pub pod: Option<String>,
    /// A pod's infra container, for `ps` and inspect's IsInfra.
    #[serde(default)]
    pub infra: bool,
}

fn default_stop_signal() -> String {
    "SIGTERM".into()
}

impl ContainerConfig {
    /// The config `create` stored in the container's record.
    pub fn of(record: &ContainerRecord) -> Result<ContainerConfig, StoreError> {
        serde_json::from_str(&record.config)
            .map_err(|e| StoreError::Corrupt(format!("container {}: {e}", record.name)))
    }
}
