//! A pod's record: what it was created with and its infra container, stored
//! as JSON beside its ID and name (store/pods.rs).

use super::exit_policy::ExitPolicy;
use super::PodsError;
use crate::engine::net::names::NameOptions;
use crate::engine::net::ports::Publish;
use crate::engine::net::Network;
use crate::engine::store::pods::PodRow;
use crate::engine::store::Store;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct PodConfig {
    pub labels: Vec<(String, String)>,
    /// The namespaces members share with the infra, in Podman's order of
    /// kinds: net, ipc, uts, pid, cgroup.
    pub share: Vec<String>,
    /// None with `--infra=false`.
    pub infra_id: Option<String>,
    pub hostname: Option<String>,
    pub publish: Vec<Publish>,
    /// As given (`--network`); None: the host's default.
    pub network: Option<Network>,
    /// The command line that made it, for inspect's CreateCommand.
    pub create_command: Vec<String>,
    /// `--exit-policy`.
    pub exit_policy: ExitPolicy,
    /// The infra's `--dns*`, `--add-host`, `--no-hosts`: every member's.
    pub names: NameOptions,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pod {
    pub id: String,
    pub name: String,
    /// Seconds since the epoch.
    pub created: i64,
    pub config: PodConfig,
}

impl Pod {
    fn from_row(row: PodRow) -> Result<Pod, PodsError> {
        let config = serde_json::from_str(&row.config).map_err(|e| {
            crate::engine::store::StoreError::Corrupt(format!("pod record {}: {e}", row.name))
        })?;
        Ok(Pod {
            id: row.id,
            name: row.name,
            created: row.created,
            config,
        })
    }

    pub fn to_row(&self) -> PodRow {
        PodRow {
            id: self.id.clone(),
            name: self.name.clone(),
            created: self.created,
            config: serde_json::to_string(&self.config).unwrap_or_default(),
        }
    }

    /// Whether members join the infra's namespace of this kind.
    pub fn shares(&self, kind: &str) -> bool {
        self.config.infra_id.is_some() && self.config.share.iter().any(|s| s == kind)
    }
}

/// The pod called `input`, or whose ID starts with it (Podman's lookup).
pub fn lookup(store: &Store, input: &str) -> Result<Pod, PodsError> {
    if let Some(row) = store.pod_by_name(input)? {
        return Pod::from_row(row);
    }
    let mut found = match input.is_empty() {
        true => Vec::new(),
        false => store.pods_by_id_prefix(input)?,
    };
    match found.len() {
        0 => Err(PodsError::NotFound(input.to_owned())),
        1 => Pod::from_row(found.remove(0)),
        _ => Err(PodsError::Ambiguous(input.to_owned())),
    }
}

/// Every pod, newest first.
pub fn all(store: &Store) -> Result<Vec<Pod>, PodsError> {
    store.pods()?.into_iter().map(Pod::from_row).collect()
}
