//! The resource fields of Podman's `HostConfig`, read from what config.json
//! asks the kernel for (zero where it asks nothing, as Podman shows no limit).

use serde_json::{json, Map, Value};

pub fn fields(spec: &Value) -> Map<String, Value> {
    let r = &spec["linux"]["resources"];
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
        "CgroupParent": "",
        "BlkioWeight": int(&r["blockIO"]["weight"]),
        "BlkioWeightDevice": null,
        "BlkioDeviceReadBps": null,
        "BlkioDeviceWriteBps": null,
        "BlkioDeviceReadIOps": null,
        "BlkioDeviceWriteIOps": null,
        "CpuPeriod": period,
        "CpuQuota": quota,
        "CpuRealtimePeriod": int(&r["cpu"]["realtimePeriod"]),
        "CpuRealtimeRuntime": int(&r["cpu"]["realtimeRuntime"]),
        "CpusetCpus": text(&r["cpu"]["cpus"]),
        "CpusetMems": text(&r["cpu"]["mems"]),
        "MemoryReservation": int(&r["memory"]["reservation"]),
        "MemorySwap": int(&r["memory"]["swap"]),
        "MemorySwappiness": int(&r["memory"]["swappiness"]),
        "OomKillDisable": r["memory"]["disableOOMKiller"].as_bool().unwrap_or(false),
        "OomScoreAdj": int(&spec["process"]["oomScoreAdj"]),
        "PidsLimit": int(&r["pids"]["limit"]),
        // Windows' and unused cgroup v1 knobs, never set on Linux.
        "CpuCount": 0,
        "CpuPercent": 0,
        "DiskQuota": 0,
        "KernelMemory": 0,
        "IOMaximumIOps": 0,
        "IOMaximumBandwidth": 0,
        "CgroupConf": null,
    });
    match fields {
        Value::Object(map) => map,
        _ => Map::new(),
    }
}
