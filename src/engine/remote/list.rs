//! `ps` over the API: Docker's container summaries, each with the times of
//! its last run from its inspect (a summary has only a status sentence, and
//! the CLI words the status itself, as it does locally).

use super::client::Payload;
use super::{filters, flag, path, segment, RemoteEngine, RemoteError};
use crate::engine::containers::list::{ListOptions, Listed, Size};
use crate::engine::monitor::config::ContainerConfig;
use crate::engine::net::ports::{PortMapping, Protocol};
use crate::engine::store::containers::{ContainerRecord, RunState, Status};
use bollard_stubs::models::{ContainerSummary, PortTypeEnum};
use serde_json::Value;

impl RemoteEngine {
    pub(super) fn list(&self, opts: &ListOptions) -> Result<Vec<Listed>, RemoteError> {
        let mut query = vec![("all", flag(opts.all)), ("size", flag(opts.size))];
        if let Some(n) = opts.last {
            query.push(("limit", n.to_string()));
        }
        if let Some(f) = filters(&opts.filters) {
            query.push(("filters", f));
        }
        let path = path("/containers/json", &query);
        let summaries: Vec<ContainerSummary> =
            self.client.call("GET", &path, Payload::None)?.json()?;
        summaries
            .into_iter()
            .map(|s| {
                let id = s.id.clone().unwrap_or_default();
                let path = format!("/containers/{}/json", segment(&id));
                let inspect: Value = self.client.call("GET", &path, Payload::None)?.json()?;
                Ok(listed(s, &inspect))
            })
            .collect()
    }
}

fn listed(s: ContainerSummary, inspect: &Value) -> Listed {
    let state = &inspect["State"];
    let status = match s.state.as_deref().unwrap_or_default() {
        "running" => Status::Running,
        "paused" => Status::Paused,
        "restarting" => Status::Restarting,
        "exited" | "dead" => Status::Exited,
        _ => Status::Created,
    };
    let record = ContainerRecord {
        id: s.id.unwrap_or_default(),
        name: s
            .names
            .and_then(|n| n.into_iter().next())
            .unwrap_or_default()
            .trim_start_matches('/')
            .to_owned(),
        image_id: s
            .image_id
            .unwrap_or_default()
            .trim_start_matches("sha256:")
            .to_owned(),
        image_name: s.image.unwrap_or_default(),
        created: s.created.unwrap_or_default(),
        config: String::new(),
        state: RunState {
            status,
            exit_code: state["ExitCode"].as_i64().map(|c| c as i32),
            pid: None,
            pid_start: None,
            monitor_pid: None,
            started_ms: millis(&state["StartedAt"]),
            finished_ms: millis(&state["FinishedAt"]),
            restarts: inspect["RestartCount"].as_i64().unwrap_or_default(),
        },
        stop_requested: false,
    };
    let mut labels: Vec<(String, String)> = s.labels.unwrap_or_default().into_iter().collect();
    labels.sort();
    let config = ContainerConfig {
        command: s.command.into_iter().collect(),
        labels,
        ports: s
            .ports
            .unwrap_or_default()
            .iter()
            .filter_map(mapping)
            .collect(),
        network: s
            .host_config
            .and_then(|h| h.network_mode)
            .and_then(|m| m.parse().ok())
            .unwrap_or_default(),
        ..Default::default()
    };
    let size = s.size_rw.map(|rw| Size {
        rw: rw as u64,
        root_fs: s.size_root_fs.unwrap_or(rw) as u64,
    });
    // The summary's Status carries the health in words, not apart.
    Listed {
        record,
        config,
        size,
        health: None,
    }
}

/// Docker's zero time (0001-01-01T00:00:00Z) is never.
fn millis(time: &Value) -> Option<i64> {
    let t = chrono::DateTime::parse_from_rfc3339(time.as_str()?).ok()?;
    (t.timestamp() > 0).then(|| t.timestamp_millis())
}

/// A published port; an exposed one without a host port is not a mapping.
fn mapping(p: &bollard_stubs::models::Port) -> Option<PortMapping> {
    Some(PortMapping {
        host_ip: p
            .ip
            .as_deref()
            .and_then(|ip| ip.parse().ok())
            .filter(|ip: &std::net::IpAddr| !ip.is_unspecified()),
        host_port: p.public_port?,
        container_port: p.private_port,
        protocol: match p.typ {
            Some(PortTypeEnum::UDP) => Protocol::Udp,
            _ => Protocol::Tcp,
        },
    })
}
