//! What `pod ps` and `pod inspect` show of a pod, and `pod ps --filter`.

use super::members::{self, Member};
use super::{infra_config, record, status, Pod, PodsError};
use crate::engine::store::containers::Status;
use crate::engine::store::Store;
use serde_json::{json, Map, Value};

/// One pod with its containers as they are now.
#[derive(Debug, Clone)]
pub struct PodReport {
    pub pod: Pod,
    /// Podman's word for the pod (status.rs).
    pub status: &'static str,
    /// In the order they were added, the infra last.
    pub containers: Vec<Member>,
}

/// The pod as it is now.
pub fn report(store: &Store, pod: Pod) -> Result<PodReport, PodsError> {
    let containers = members::of(store, &pod)?;
    Ok(make(pod, containers))
}

fn make(pod: Pod, containers: Vec<Member>) -> PodReport {
    let states: Vec<Status> = containers.iter().map(|c| c.status).collect();
    PodReport {
        pod,
        status: status::of(&states),
        containers,
    }
}

/// Every pod the filters let through, newest first (`pod ps`).
pub fn list(store: &Store, filters: &[String]) -> Result<Vec<PodReport>, PodsError> {
    let filters = filters
        .iter()
        .map(|f| Filter::parse(f))
        .collect::<Result<Vec<_>, _>>()?;
    let in_pods = members::in_pods(store)?;
    let mut out = Vec::new();
    for pod in record::all(store)? {
        let containers = members::pick(&in_pods, &pod);
        let report = make(pod, containers);
        // Podman: filters of one key are or'ed, different keys and'ed.
        let keys: Vec<&str> = filters.iter().map(|f| f.key.as_str()).collect();
        let passes = keys.iter().all(|key| {
            filters
                .iter()
                .filter(|f| f.key == *key)
                .any(|f| f.matches(&report))
        });
        if passes {
            out.push(report);
        }
    }
    Ok(out)
}

struct Filter {
    key: String,
    value: String,
}

impl Filter {
    fn parse(text: &str) -> Result<Filter, PodsError> {
        let invalid = || PodsError::Invalid(format!("{text} is an invalid filter"));
        let (key, value) = text.split_once('=').ok_or_else(invalid)?;
        const KEYS: [&str; 8] = [
            "id",
            "name",
            "label",
            "status",
            "ctr-names",
            "ctr-ids",
            "ctr-status",
            "ctr-number",
        ];
        if !KEYS.contains(&key) {
            return Err(PodsError::Invalid(format!("{key} is an invalid filter")));
        }
        if key == "name" {
            regex::Regex::new(value)
                .map_err(|e| PodsError::Invalid(format!("invalid filter {text:?}: {e}")))?;
        }
        Ok(Filter {
            key: key.to_owned(),
            value: value.to_owned(),
        })
    }

    fn matches(&self, r: &PodReport) -> bool {
        let v = self.value.as_str();
        match self.key.as_str() {
            "id" => r.pod.id.starts_with(v),
            // Podman's name filter is a regular expression.
            "name" => regex::Regex::new(v).is_ok_and(|re| re.is_match(&r.pod.name)),
            "label" => r
                .pod
                .config
                .labels
                .iter()
                .any(|(k, val)| match v.split_once('=') {
                    Some((key, value)) => k == key && val == value,
                    None => k == v,
                }),
            "status" => r.status.eq_ignore_ascii_case(v),
            "ctr-names" => r.containers.iter().any(|c| c.name == v),
            "ctr-ids" => r.containers.iter().any(|c| c.id.starts_with(v)),
            "ctr-status" => r.containers.iter().any(|c| c.status.as_str() == v),
            "ctr-number" => v.parse() == Ok(r.containers.len()),
            _ => false,
        }
    }
}

fn created(pod: &Pod) -> String {
    chrono::DateTime::from_timestamp(pod.created, 0)
        .unwrap_or_default()
        .to_rfc3339_opts(chrono::SecondsFormat::Nanos, true)
}

fn labels(pod: &Pod) -> Map<String, Value> {
    pod.config
        .labels
        .iter()
        .map(|(k, v)| (k.clone(), Value::String(v.clone())))
        .collect()
}

impl PodReport {
    /// Podman's ListPodsReport (`pod ps --format json`).
    pub fn to_json(&self) -> Value {
        let containers: Vec<Value> = self
            .containers
            .iter()
            .map(|c| json!({"Id": c.id, "Names": c.name, "Status": c.status.as_str()}))
            .collect();
        json!({
            "Cgroup": "",
            "Containers": containers,
            "Created": created(&self.pod),
            "Id": self.pod.id,
            "InfraId": self.pod.config.infra_id.clone().unwrap_or_default(),
            "Name": self.pod.name,
            "Namespace": "",
            "Networks": infra_config::networks(&self.pod),
            "Status": self.status,
            "Labels": labels(&self.pod),
        })
    }

    /// Podman's InspectPodData (`pod inspect`).
    pub fn inspect(&self) -> Value {
        let pod = &self.pod;
        let containers: Vec<Value> = self
            .containers
            .iter()
            .map(|c| json!({"Id": c.id, "Name": c.name, "State": c.status.as_str()}))
            .collect();
        let mut doc = json!({
            "Id": pod.id,
            "Name": pod.name,
            "Created": created(pod),
            "CreateCommand": pod.config.create_command,
            "ExitPolicy": pod.config.exit_policy.as_str(),
            "State": self.status,
            "Hostname": pod.config.hostname.clone().unwrap_or_default(),
            "Labels": labels(pod),
            "CreateCgroup": false,
            "CreateInfra": pod.config.infra_id.is_some(),
            "SharedNamespaces": pod.config.share,
            "NumContainers": self.containers.len(),
            "Containers": containers,
        });
        if let Some(infra) = &pod.config.infra_id {
            doc["InfraContainerID"] = infra.clone().into();
            doc["InfraConfig"] = infra_config::inspect(pod);
        }
        doc
    }
}
