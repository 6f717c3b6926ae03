//! `GET /containers/{id}/top` in `ps -ef`'s columns (Docker's default
//! ps_args), and `GET /containers/{id}/stats` from what the host can tell
//! rootless: the process count, zeros where cgroups give nothing.

use super::super::error::Error;
use super::super::exchange::Exchange;
use super::{unsupported, Target};
use crate::engine::containers::top::{Process, TITLES};
use crate::engine::interface::Engine;
use bollard_stubs::models::ContainerTopResponse;
use serde_json::json;
use std::io::Write;
use std::time::Duration;

pub fn top(engine: &dyn Engine, ex: &mut Exchange, t: &Target) -> Result<(), Error> {
    if !matches!(ex.head.param("ps_args").unwrap_or(""), "" | "-ef") {
        return Err(unsupported("ps_args other than -ef"));
    }
    if !t.running {
        return Err(Error::new(
            409,
            format!("Container {} is not running", t.id),
        ));
    }
    let processes = engine
        .top(&t.id)?
        .into_iter()
        .map(Process::columns)
        .collect();
    let body = ContainerTopResponse {
        titles: Some(TITLES.iter().map(|s| s.to_string()).collect()),
        processes: Some(processes),
    };
    Ok(ex.reply.json(200, &body)?)
}

/// One sample, or one a second while the container runs (`stream`, Docker's
/// default) until the client goes.
pub fn stats(engine: &dyn Engine, ex: &mut Exchange, t: &Target) -> Result<(), Error> {
    let stream = ex.head.param("stream").is_none() || ex.head.flag("stream");
    if !stream {
        return Ok(ex.reply.json(200, &sample(engine, t))?);
    }
    let mut body = ex
        .reply
        .stream(200, &[("Content-Type", "application/json")])?;
    loop {
        let line = format!("{}\n", sample(engine, t));
        if body.write_all(line.as_bytes()).is_err() {
            return Ok(());
        }
        let running = engine
            .inspect_container(&t.id)
            .is_ok_and(|i| i["State"]["Running"].as_bool() == Some(true));
        if !running {
            return Ok(body.finish()?);
        }
        std::thread::sleep(Duration::from_secs(1));
    }
}

/// Docker's stats shape: the number of processes is known from the host;
/// CPU, memory, I/O and network need cgroups and are zeros.
fn sample(engine: &dyn Engine, t: &Target) -> serde_json::Value {
    let pids = engine.top(&t.id).map(|p| p.len()).unwrap_or(0);
    let cpus = std::thread::available_parallelism().map_or(1, |n| n.get());
    let cpu = json!({
        "cpu_usage": { "total_usage": 0, "usage_in_kernelmode": 0, "usage_in_usermode": 0 },
        "system_cpu_usage": 0,
        "online_cpus": cpus,
        "throttling_data": { "periods": 0, "throttled_periods": 0, "throttled_time": 0 },
    });
    json!({
        "id": t.id,
        "name": format!("/{}", t.name),
        "read": chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Nanos, true),
        "preread": "0001-01-01T00:00:00Z",
        "num_procs": 0,
        "pids_stats": { "current": pids },
        "cpu_stats": cpu,
        "precpu_stats": cpu,
        "memory_stats": {},
        "blkio_stats": {
            "io_service_bytes_recursive": null,
            "io_serviced_recursive": null,
        },
        "storage_stats": {},
        "networks": {},
    })
}
