//! `/volumes`: Docker's volume verbs over the engine's VolumeEngine.

use super::error::Error;
use super::exchange::Exchange;
use super::filters;
use crate::engine::interface::Engine;
use crate::engine::volumes::create::CreateOptions;
use crate::engine::volumes::record::VolumeRecord;
use crate::engine::volumes::remove::check_prune_filters;
use bollard_stubs::models::{
    Volume, VolumeCreateOptions, VolumeListResponse, VolumePruneResponse, VolumeScopeEnum,
    VolumeUsageData,
};
use chrono::SecondsFormat;
use std::collections::HashMap;

pub fn route(engine: &dyn Engine, ex: &mut Exchange, rest: &str) -> Result<(), Error> {
    match (ex.head.method.as_str(), rest) {
        ("GET", "") => list(engine, ex),
        ("POST", "create") => create(engine, ex),
        ("POST", "prune") => prune(engine, ex),
        ("GET", name) => inspect(engine, ex, name),
        ("DELETE", name) if !name.is_empty() => remove(engine, ex, name),
        _ => Err(Error::no_route()),
    }
}

/// Docker's Volume; `usage` (size, users) only where Docker gives it (`df`).
pub fn volume(v: VolumeRecord, usage: Option<(u64, usize)>) -> Volume {
    Volume {
        mountpoint: v.mountpoint.display().to_string(),
        created_at: Some(v.created.to_rfc3339_opts(SecondsFormat::Secs, true)),
        labels: v.labels.into_iter().collect(),
        scope: Some(VolumeScopeEnum::LOCAL),
        options: v.options.into_iter().collect(),
        usage_data: usage.map(|(size, users)| VolumeUsageData {
            size: size as i64,
            ref_count: users as i64,
        }),
        name: v.name,
        driver: v.driver,
        ..Volume::default()
    }
}

fn list(engine: &dyn Engine, ex: &mut Exchange) -> Result<(), Error> {
    let filters = filters::of(&ex.head)?;
    let volumes = engine.list_volumes(&filters)?;
    let body = VolumeListResponse {
        volumes: Some(volumes.into_iter().map(|v| volume(v, None)).collect()),
        warnings: Some(Vec::new()),
    };
    Ok(ex.reply.json(200, &body)?)
}

/// Docker's create is idempotent: a volume of that name is returned as it is.
/// One made without a name is anonymous to Docker (its prune takes it).
fn create(engine: &dyn Engine, ex: &mut Exchange) -> Result<(), Error> {
    let request: VolumeCreateOptions = ex.json()?;
    let name = request.name.filter(|n| !n.is_empty());
    let opts = CreateOptions {
        ignore_existing: name.is_some(),
        anonymous: name.is_none(),
        name,
        driver: request.driver.filter(|d| !d.is_empty()),
        labels: request.labels.unwrap_or_default().into_iter().collect(),
        options: request
            .driver_opts
            .unwrap_or_default()
            .into_iter()
            .collect(),
    };
    let record = engine.create_volume(&opts)?;
    Ok(ex.reply.json(201, &volume(record, None))?)
}

fn inspect(engine: &dyn Engine, ex: &mut Exchange, name: &str) -> Result<(), Error> {
    let record = engine.inspect_volume(name)?;
    Ok(ex.reply.json(200, &volume(record, None))?)
}

/// Docker's `force` only forgets a volume its driver fails to remove; a
/// volume in use stays (409) either way. The engine's force, which removes
/// the containers using it, is never asked for here.
fn remove(engine: &dyn Engine, ex: &mut Exchange, name: &str) -> Result<(), Error> {
    let result = engine
        .remove_volumes(&[name.to_owned()], false, None)?
        .pop()
        .unwrap_or(Ok(()));
    result?;
    Ok(ex.reply.empty(204, &[])?)
}

/// From API 1.42, Docker prunes only anonymous volumes unless the filters say
/// `all=true`; older clients get every unused volume pruned.
fn prune(engine: &dyn Engine, ex: &mut Exchange) -> Result<(), Error> {
    let mut filters = filters::of(&ex.head)?;
    let all = filters::take(&mut filters, "all");
    let all = match all.last().map(String::as_str) {
        None => !ex.at_least(1, 42),
        Some("true" | "1") => true,
        Some("false" | "0") => false,
        Some(other) => {
            return Err(Error::bad_request(format!(
                "invalid filter 'all={other}': use true or false"
            )))
        }
    };
    if !all {
        filters.push("anonymous=true".into());
    }
    check_prune_filters(&filters).map_err(crate::engine::Error::from)?;
    // Their sizes before they go, for SpaceReclaimed.
    let sizes: HashMap<String, u64> = engine
        .disk_usage()?
        .volumes
        .into_iter()
        .map(|v| (v.name, v.size))
        .collect();
    let deleted = engine.prune_volumes(&filters)?;
    let reclaimed: u64 = deleted.iter().filter_map(|n| sizes.get(n)).sum();
    let body = VolumePruneResponse {
        volumes_deleted: Some(deleted),
        space_reclaimed: Some(reclaimed as i64),
    };
    Ok(ex.reply.json(200, &body)?)
}
