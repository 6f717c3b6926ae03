//! The resource fields of Podman's `HostConfig`, read from what config.json
//! asks the kernel for (zero where it asks nothing, as Podman shows no limit;
//! `update` rewrites it), with the device paths and the parent from the
//! container's settings.

use crate::engine::containers::resources::{DeviceLimit, Resources};
use serde_json::{json, Map, Value};

pub fn fields(spec: &Value, given: &Resources) -> Map<String, Value> {
    let r = &spec["linux"]["resources"];
    // Podman's -1 ("the system's") once a memory section exists.
    let swappiness = match &r["memory"] {
        Value::Null => 0,
        memory => memory["swappiness"].as_i64().unwrap_or(-1),
    };
    // Podman's lists are empty, not null, once a block I/O section exists.
    let devices = |list: &[DeviceLimit], field: &str| match (&r["blockIO"], list.is_empty()) {
        (Value::Null, true) => Value::Null,
        _ => list
            .iter()
            .map(|d| json!({"Path": d.path, field: d.value}))
            .collect(),
    };
    let int = |v: &Value| v.as_i64().unwrap_or(0);
    let text = |v: &Value| v.as_str().unwrap_or_default().to_owned();
    let (quota, period) = (int(&r["cpu"]["quota"]), int(&r["cpu"]["period"]));
    let nano_cpus = match period {
        0 => 0,
        p => quota * 1_000_000_000 / p,
    };
    let fields = json!({
        "CpuShares": int(&r["cpu"]["shares"]),
        "Memory": int(&r["memory"]["limit"]),
        "NanoCpus": nano_cpus,
        "CgroupParent": given.cgroup_parent.clone().unwrap_or_default(),
        "BlkioWeight": int(&r["blockIO"]["weight"]),
        "BlkioWeightDevice": devices(&given.blkio_weight_device, "Weight"),
        "BlkioDeviceReadBps": devices(&given.device_read_bps, "Rate"),
        "BlkioDeviceWriteBps": devices(&given.device_write_bps, "Rate"),
        "BlkioDeviceReadIOps": devices(&given.device_read_iops, "Rate"),
        "BlkioDeviceWriteIOps": devices(&given.device_write_iops, "Rate"),
        "CpuPeriod": period,
        "CpuQuota": quota,
        "CpuRealtimePeriod": int(&r["cpu"]["realtimePeriod"]),
        "CpuRealtimeRuntime": int(&r["cpu"]["realtimeRuntime"]),
        "CpusetCpus": text(&r["cpu"]["cpus"]),
        "CpusetMems": text(&r["cpu"]["mems"]),
        "MemoryReservation": int(&r["memory"]["reservation"]),
        "MemorySwap": int(&r["memory"]["swap"]).max(0),
        "MemorySwappiness": swappiness,
        "OomKillDisable": r["memory"]["disableOOMKiller"].as_bool().unwrap_or(false),
        "OomScoreAdj": int(&spec["process"]["oomScoreAdj"]),
        "PidsLimit": int(&r["pids"]["limit"]).max(0),
        // Windows' and unused cgroup v1 knobs, never set on Linux.
        "CpuCount": 0,
        "CpuPercent": 0,
        "DiskQuota": 0,
        "KernelMemory": 0,
        "IOMaximumIOps": 0,
        "IOMaximumBandwidth": 0,
        "CgroupConf": match r["unified"].as_object() {
            Some(map) if !map.is_empty() => r["unified"].clone(),
            _ => Value::Null,
        },
    });
    match fields {
        Value::Object(map) => map,
        _ => Map::new(),
    }
}
