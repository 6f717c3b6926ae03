//! `GET /containers/{id}/stats` in Docker's shape, from the engine's sample:
//! one reading (`stream=false`), or one a second while the container runs
//! (Docker's default) until the client goes. Each reading carries the one
//! before as `precpu_stats`, from which clients compute CPU %; a one-off
//! reading without `one-shot` waits a second for that, as Docker's does.

use super::super::error::Error;
use super::super::exchange::Exchange;
use super::Target;
use crate::engine::containers::stats::Sample;
use crate::engine::interface::Engine;
use serde_json::{json, Value};
use std::io::Write;
use std::time::Duration;

const INTERVAL: Duration = Duration::from_secs(1);

pub fn stats(engine: &dyn Engine, ex: &mut Exchange, t: &Target) -> Result<(), Error> {
    let stream = ex.head.param("stream").is_none() || ex.head.flag("stream");
    let mut previous = None;
    if !stream {
        if !ex.head.flag("one-shot") {
            previous = Some(sample(engine, t)?);
            std::thread::sleep(INTERVAL);
        }
        let now = sample(engine, t)?;
        return Ok(ex.reply.json(200, &shape(t, &now, previous.as_ref()))?);
    }
    let mut body = ex
        .reply
        .stream(200, &[("Content-Type", "application/json")])?;
    loop {
        let now = sample(engine, t)?;
        let line = format!("{}\n", shape(t, &now, previous.as_ref()));
        if body.write_all(line.as_bytes()).is_err() {
            return Ok(());
        }
        if !now.running {
            return Ok(body.finish()?);
        }
        previous = Some(now);
        std::thread::sleep(INTERVAL);
    }
}

fn sample(engine: &dyn Engine, t: &Target) -> Result<Sample, Error> {
    let mut samples = engine.stats(std::slice::from_ref(&t.id))?;
    Ok(samples.pop().unwrap_or_default())
}

fn shape(t: &Target, now: &Sample, previous: Option<&Sample>) -> Value {
    let time = |s: Option<&Sample>| match s {
        Some(s) => chrono::DateTime::from_timestamp_nanos(s.read_nanos)
            .to_rfc3339_opts(chrono::SecondsFormat::Nanos, true),
        None => "0001-01-01T00:00:00Z".to_owned(),
    };
    let networks: serde_json::Map<String, Value> = now
        .networks
        .iter()
        .map(|n| {
            let counters = json!({
                "rx_bytes": n.rx_bytes, "rx_packets": n.rx_packets,
                "rx_errors": n.rx_errors, "rx_dropped": n.rx_dropped,
                "tx_bytes": n.tx_bytes, "tx_packets": n.tx_packets,
                "tx_errors": n.tx_errors, "tx_dropped": n.tx_dropped,
            });
            (n.interface.clone(), counters)
        })
        .collect();
    let block = |op: &str, value: u64| json!({"major": 0, "minor": 0, "op": op, "value": value});
    let memory = match now.running {
        true => json!({"usage": now.memory, "limit": now.memory_limit, "stats": {}}),
        false => json!({}),
    };
    json!({
        "id": t.id,
        "name": format!("/{}", t.name),
        "read": time(Some(now)),
        "preread": time(previous),
        "num_procs": 0,
        "pids_stats": { "current": now.pids },
        "cpu_stats": cpu(Some(now)),
        "precpu_stats": cpu(previous),
        "memory_stats": memory,
        "blkio_stats": {
            "io_service_bytes_recursive": [block("read", now.block_read), block("write", now.block_write)],
            "io_serviced_recursive": null,
        },
        "storage_stats": {},
        "networks": networks,
    })
}

/// Docker's cpu_stats; clients divide the container's CPU time by the host's
/// (`system_cpu_usage`) between two readings.
fn cpu(sample: Option<&Sample>) -> Value {
    let s = sample.cloned().unwrap_or_default();
    json!({
        "cpu_usage": {
            "total_usage": s.cpu.total,
            "usage_in_kernelmode": s.cpu.system,
            "usage_in_usermode": s.cpu.user,
        },
        "system_cpu_usage": s.host_cpu,
        "online_cpus": s.online_cpus,
        "throttling_data": { "periods": 0, "throttled_periods": 0, "throttled_time": 0 },
    })
}
