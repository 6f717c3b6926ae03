//! Docker's resource fields (HostConfig's at create, the body of
//! `POST /containers/{id}/update`) as the engine's limits, and the update
//! endpoint itself: compose's `mem_limit`, `cpus` and `pids_limit` arrive here.

use super::super::error::Error;
use super::super::exchange::Exchange;
use super::no_such;
use crate::engine::containers::resources::{DeviceLimit, Resources};
use crate::engine::interface::Engine;
use bollard_stubs::models::{self, ThrottleDevice};
use std::fmt::Display;

fn bad(e: impl Display) -> Error {
    Error::bad_request(e.to_string())
}

/// Docker's fields, zero (or -1 for swappiness) meaning "not set".
pub fn limits(r: &models::Resources) -> Result<Resources, Error> {
    let positive = |v: Option<i64>| v.filter(|&n| n > 0);
    let text = |v: &Option<String>| v.clone().filter(|s| !s.is_empty());
    let mut out = Resources {
        memory: positive(r.memory),
        memory_swap: r.memory_swap.filter(|&s| s != 0),
        memory_reservation: positive(r.memory_reservation),
        memory_swappiness: r.memory_swappiness.filter(|&s| s >= 0).map(|s| s as u64),
        oom_kill_disable: r.oom_kill_disable.unwrap_or(false),
        cpu_shares: positive(r.cpu_shares).map(|s| s as u64),
        cpu_quota: r.cpu_quota.filter(|&q| q != 0),
        cpu_period: positive(r.cpu_period).map(|p| p as u64),
        cpu_rt_period: positive(r.cpu_realtime_period).map(|p| p as u64),
        cpu_rt_runtime: r.cpu_realtime_runtime.filter(|&v| v != 0),
        cpuset_cpus: text(&r.cpuset_cpus),
        cpuset_mems: text(&r.cpuset_mems),
        // Docker's 0 is "unchanged" (the default), -1 unlimited.
        pids_limit: r.pids_limit.filter(|&n| n != 0),
        blkio_weight: r.blkio_weight.filter(|&w| w != 0),
        cgroup_parent: text(&r.cgroup_parent),
        ..Default::default()
    };
    for d in r.blkio_weight_device.iter().flatten() {
        let spec = format!(
            "{}:{}",
            d.path.as_deref().unwrap_or_default(),
            d.weight.unwrap_or(0)
        );
        out.blkio_weight_device
            .push(DeviceLimit::parse_weight(&spec).map_err(bad)?);
    }
    out.device_read_bps = throttles(&r.blkio_device_read_bps)?;
    out.device_write_bps = throttles(&r.blkio_device_write_bps)?;
    out.device_read_iops = throttles(&r.blkio_device_read_iops)?;
    out.device_write_iops = throttles(&r.blkio_device_write_iops)?;
    if let Some(nano) = positive(r.nano_cpus) {
        Resources::check_cpus_alone(true, out.cpu_quota.is_some(), out.cpu_period.is_some())
            .map_err(bad)?;
        out.set_cpus(nano as f64 / 1e9).map_err(bad)?;
    }
    Ok(out)
}

/// HostConfig's resource fields, which have Resources' names.
pub fn of_host(h: &models::HostConfig) -> Result<Resources, Error> {
    let value = serde_json::to_value(h).map_err(bad)?;
    let r: models::Resources = serde_json::from_value(value).map_err(bad)?;
    let mut out = limits(&r)?;
    out.oom_score_adj = h.oom_score_adj.filter(|&a| a != 0).map(|a| a as i32);
    Ok(out)
}

fn throttles(list: &Option<Vec<ThrottleDevice>>) -> Result<Vec<DeviceLimit>, Error> {
    list.iter()
        .flatten()
        .map(|t| {
            let spec = format!(
                "{}:{}",
                t.path.as_deref().unwrap_or_default(),
                t.rate.unwrap_or(0)
            );
            DeviceLimit::parse_rate(&spec, false).map_err(bad)
        })
        .collect()
}

/// `POST /containers/{id}/update`: Docker answers the warnings.
pub fn update(engine: &dyn Engine, ex: &mut Exchange, name: &str) -> Result<(), Error> {
    let body: serde_json::Value = ex.json()?;
    if body["RestartPolicy"]["Name"]
        .as_str()
        .is_some_and(|n| !n.is_empty())
    {
        return Err(super::unsupported("RestartPolicy in an update"));
    }
    let body: models::Resources = serde_json::from_value(body).map_err(bad)?;
    let given = limits(&body)?;
    let updated = engine.update(name, &given).map_err(no_such(name))?;
    Ok(ex
        .reply
        .json(200, &serde_json::json!({ "Warnings": updated.warnings }))?)
}
