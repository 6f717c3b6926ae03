//! `update`: new limits for a container. They replace the old ones in its
//! settings and config.json (so inspect and the next start see them) and, while
//! it runs, in its cgroup, written as the runtime wrote them at create.

use super::lookup::{config_of, lookup};
use super::resources::Resources;
use super::{cgroups, ContainersError};
use crate::engine::context::Context;
use crate::engine::runtime::{resources, RuntimeError};
use crate::engine::store::Store;
use serde_json::Value;

/// What `update` did: the container's ID, and what the host could not enforce.
pub struct Updated {
    pub id: String,
    pub warnings: Vec<String>,
}

pub fn update(
    ctx: &Context,
    store: &Store,
    name: &str,
    given: &Resources,
) -> Result<Updated, ContainersError> {
    let record = lookup(store, name)?;
    let mut config = config_of(&record)?;
    let mut limits = config.settings.resources.clone();
    limits.merge(given);
    limits.validate()?;
    let mut warnings = cgroups::enforceable(&mut limits, ctx.rootless())?;
    let section = resources::spec(&limits);
    let dir = store.container_dir(&record.id);
    let path = dir.join("config.json");
    let mut spec: Value = std::fs::read(&path)
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok())
        .ok_or_else(|| ContainersError::Invalid(format!("{} is unreadable", path.display())))?;
    if record.state.status.has_monitor() {
        // A rootless container started with no limits has no scope of its
        // own to write them to (cgroups.rs makes one only when asked).
        let scoped = config.settings.resources.manager == limits.manager;
        if section.is_some() && !scoped {
            warnings.push(format!(
                "the new limits of container {} apply from its next start: it was started without a cgroup of its own",
                record.id
            ));
        }
        if let Some(section) = section.as_ref().filter(|_| scoped) {
            let cgroup = cgroups::cgroups_path(&record.id, &limits);
            cgroups::apply(&cgroup, &record.id, section).map_err(|e| {
                ContainersError::Invalid(format!(
                    "cannot update the limits of container {}: {e}",
                    record.id
                ))
            })?;
        }
    }
    match (section, spec["linux"].as_object_mut()) {
        (Some(section), Some(linux)) => drop(linux.insert("resources".into(), section)),
        (None, Some(linux)) => drop(linux.remove("resources")),
        _ => {}
    }
    let json = serde_json::to_vec_pretty(&spec).map_err(|e| RuntimeError::Spec(e.to_string()))?;
    // Whole or not at all: the monitor reads it at every start.
    let temp = dir.join("config.json.new");
    std::fs::write(&temp, json)
        .and_then(|()| std::fs::rename(&temp, &path))
        .map_err(|source| ContainersError::Write { path, source })?;
    config.settings.resources = limits;
    let text = serde_json::to_string(&config).map_err(|e| RuntimeError::Spec(e.to_string()))?;
    store.set_container_config(&record.id, &text)?;
    Ok(Updated {
        id: record.id,
        warnings,
    })
}
