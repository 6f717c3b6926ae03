//! The spec's `linux.resources` from the container's limits (containers/
//! resources.rs): what libcontainer's cgroup manager writes at create, and
//! `update` writes again.

use crate::engine::containers::resources::{DeviceLimit, Resources};
use serde_json::{json, Map, Value};

/// `linux.resources`, or none when nothing is limited.
pub fn spec(r: &Resources) -> Option<Value> {
    let mut out = Map::new();
    let memory = object([
        ("limit", r.memory.filter(|&m| m > 0).map(|m| json!(m))),
        ("reservation", r.memory_reservation.map(|m| json!(m))),
        ("swap", r.memory_swap.filter(|&s| s != 0).map(|s| json!(s))),
        ("swappiness", r.memory_swappiness.map(|s| json!(s))),
        (
            "disableOOMKiller",
            r.oom_kill_disable.then_some(json!(true)),
        ),
    ]);
    let cpu = object([
        ("shares", r.cpu_shares.filter(|&s| s > 0).map(|s| json!(s))),
        ("quota", r.cpu_quota.filter(|&q| q != 0).map(|q| json!(q))),
        ("period", r.cpu_period.filter(|&p| p > 0).map(|p| json!(p))),
        ("realtimeRuntime", r.cpu_rt_runtime.map(|v| json!(v))),
        ("realtimePeriod", r.cpu_rt_period.map(|v| json!(v))),
        ("cpus", r.cpuset_cpus.as_ref().map(|v| json!(v))),
        ("mems", r.cpuset_mems.as_ref().map(|v| json!(v))),
    ]);
    let block_io = object([
        ("weight", r.blkio_weight.map(|w| json!(w))),
        ("weightDevice", devices(&r.blkio_weight_device, "weight")),
        ("throttleReadBpsDevice", devices(&r.device_read_bps, "rate")),
        (
            "throttleWriteBpsDevice",
            devices(&r.device_write_bps, "rate"),
        ),
        (
            "throttleReadIOPSDevice",
            devices(&r.device_read_iops, "rate"),
        ),
        (
            "throttleWriteIOPSDevice",
            devices(&r.device_write_iops, "rate"),
        ),
    ]);
    for (key, value) in [("memory", memory), ("cpu", cpu), ("blockIO", block_io)] {
        if let Some(value) = value {
            out.insert(key.into(), value);
        }
    }
    // Zero or below is Podman's "no limit": pids.max is then `max`.
    if let Some(limit) = r.pids_limit {
        out.insert(
            "pids".into(),
            json!({"limit": if limit > 0 { limit } else { -1 }}),
        );
    }
    if !r.unified.is_empty() {
        let unified: Map<String, Value> = r
            .unified
            .iter()
            .map(|(k, v)| (k.clone(), json!(v)))
            .collect();
        out.insert("unified".into(), Value::Object(unified));
    }
    (!out.is_empty()).then_some(Value::Object(out))
}

fn object<const N: usize>(fields: [(&str, Option<Value>); N]) -> Option<Value> {
    let map: Map<String, Value> = fields
        .into_iter()
        .filter_map(|(k, v)| v.map(|v| (k.to_owned(), v)))
        .collect();
    (!map.is_empty()).then_some(Value::Object(map))
}

fn devices(list: &[DeviceLimit], field: &str) -> Option<Value> {
    let out: Vec<Value> = list
        .iter()
        .map(|d| json!({"major": d.major, "minor": d.minor, field: d.value}))
        .collect();
    (!out.is_empty()).then_some(Value::Array(out))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_what_is_asked_is_in_the_spec() {
        assert_eq!(spec(&Resources::default()), None);
        let r = Resources {
            memory: Some(32 << 20),
            memory_swap: Some(64 << 20),
            cpu_quota: Some(50_000),
            cpu_period: Some(100_000),
            pids_limit: Some(-1),
            ..Default::default()
        };
        assert_eq!(
            spec(&r).unwrap(),
            json!({
                "memory": {"limit": 32 << 20, "swap": 64 << 20},
                "cpu": {"quota": 50_000, "period": 100_000},
                "pids": {"limit": -1},
            })
        );
    }
}
