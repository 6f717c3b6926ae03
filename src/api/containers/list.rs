//! `GET /containers/json` and `GET /containers/{id}/json`.

use super::super::error::Error;
use super::super::exchange::Exchange;
use super::{no_such, summary};
use crate::engine::containers::list::ListOptions;
use crate::engine::interface::Engine;
use std::collections::HashMap;

pub fn list(engine: &dyn Engine, ex: &mut Exchange) -> Result<(), Error> {
    let last = match ex.head.param("limit").filter(|l| !l.is_empty()) {
        Some(l) => match l.parse::<i64>() {
            Ok(n) if n > 0 => Some(n as usize),
            Ok(_) => None,
            Err(_) => return Err(Error::bad_request(format!("invalid limit {l:?}"))),
        },
        None => None,
    };
    let opts = ListOptions {
        all: ex.head.flag("all"),
        filters: filters(ex)?,
        last,
        size: ex.head.flag("size"),
    };
    let listed = engine.list_containers(&opts)?;
    let now_ms = chrono::Utc::now().timestamp_millis();
    let mut out = Vec::with_capacity(listed.len());
    for l in &listed {
        // One that went away since it was listed is left out, as Docker does.
        if let Ok(inspect) = engine.inspect_container(&l.record.id) {
            out.push(summary::summary(l, &inspect, now_ms));
        }
    }
    Ok(ex.reply.json(200, &out)?)
}

/// Docker's ContainerJSON, as the engine makes it; `size` adds SizeRw and
/// SizeRootFs.
pub fn inspect(engine: &dyn Engine, ex: &mut Exchange, name: &str) -> Result<(), Error> {
    let mut inspect = engine.inspect_container(name).map_err(no_such(name))?;
    if ex.head.flag("size") {
        let opts = ListOptions {
            all: true,
            filters: vec![format!("id={}", inspect["Id"].as_str().unwrap_or(name))],
            last: None,
            size: true,
        };
        if let Some(size) = engine
            .list_containers(&opts)?
            .into_iter()
            .find_map(|l| l.size)
        {
            inspect["SizeRw"] = size.rw.into();
            inspect["SizeRootFs"] = size.root_fs.into();
        }
    }
    Ok(ex.reply.json(200, &inspect)?)
}

/// Docker's `filters` parameter, a JSON map of a key to its values (a list,
/// or the older map of value to true), as the engine's `KEY=VALUE` filters.
pub fn filters(ex: &Exchange) -> Result<Vec<String>, Error> {
    let Some(raw) = ex.head.param("filters").filter(|f| !f.is_empty()) else {
        return Ok(Vec::new());
    };
    let invalid = |e: serde_json::Error| Error::bad_request(format!("invalid filters: {e}"));
    let map: HashMap<String, serde_json::Value> = serde_json::from_str(raw).map_err(invalid)?;
    let mut out = Vec::new();
    for (key, values) in map {
        let values: Vec<String> = match values {
            serde_json::Value::Array(list) => list
                .into_iter()
                .map(|v| v.as_str().map(str::to_owned))
                .collect::<Option<_>>()
                .ok_or_else(|| Error::bad_request(format!("invalid filter {key:?}")))?,
            serde_json::Value::Object(set) => set
                .into_iter()
                .filter(|(_, on)| on.as_bool() == Some(true))
                .map(|(v, _)| v)
                .collect(),
            _ => return Err(Error::bad_request(format!("invalid filter {key:?}"))),
        };
        out.extend(values.into_iter().map(|v| format!("{key}={v}")));
    }
    out.sort();
    Ok(out)
}
