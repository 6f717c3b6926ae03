//! `GET /containers/json` and `GET /containers/{id}/json`.

use super::super::error::Error;
use super::super::exchange::Exchange;
use super::super::filters;
use super::{docker_json, no_such, summary};
use crate::engine::containers::list::ListOptions;
use crate::engine::interface::Engine;

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
        filters: filters::of(&ex.head)?,
        last,
        size: ex.head.flag("size"),
    };
    let listed = engine.list_containers(&opts)?;
    let now_ms = chrono::Utc::now().timestamp_millis();
    let ids: Vec<String> = listed.iter().map(|l| l.record.id.clone()).collect();
    let inspected = engine.inspect_containers(&ids)?;
    // One that went away since it was listed is left out, as Docker does.
    let out: Vec<_> = listed
        .iter()
        .zip(inspected)
        .filter_map(|(l, inspect)| {
            let inspect = docker_json::container(engine, inspect.ok()?);
            Some(summary::summary(l, &inspect, now_ms))
        })
        .collect();
    Ok(ex.reply.json(200, &out)?)
}

/// Docker's ContainerJSON; `size` adds SizeRw and SizeRootFs.
pub fn inspect(engine: &dyn Engine, ex: &mut Exchange, name: &str) -> Result<(), Error> {
    let inspect = match ex.head.flag("size") {
        true => engine.inspect_container_sized(name),
        false => engine.inspect_container(name),
    }
    .map_err(no_such(name))?;
    Ok(ex
        .reply
        .json(200, &docker_json::container(engine, inspect))?)
}
