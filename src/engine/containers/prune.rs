//! `container prune`: removes every container that is not running (created and
//! exited ones), as the filters allow. Run inside the user namespace: the files in
//! a container's upper dir belong to its subordinate ids.

use super::list::{self, Filters};
use super::{remove, ContainersError};
use crate::engine::process::Inside;
use crate::engine::store::Store;

pub struct Pruned {
    pub removed: Vec<String>,
    /// Bytes of the removed containers' upper dirs.
    pub reclaimed: u64,
}

/// `filters`: `until=TIME` and `label=KEY[=VALUE]`, as Docker's prune takes them.
pub fn prune(inside: Inside, store: &Store, filters: &[String]) -> Result<Pruned, ContainersError> {
    check_filters(filters)?;
    let opts = list::ListOptions {
        all: true,
        filters: filters.to_vec(),
        ..Default::default()
    };
    let mut pruned = Pruned {
        removed: Vec::new(),
        reclaimed: 0,
    };
    for listed in list::list(store, &opts)? {
        let record = listed.record;
        if record.state.status.has_monitor() {
            continue;
        }
        let size = list::upper_size(store, &record.id);
        // Removed meanwhile by someone else, or started: not ours to count.
        if remove::remove(inside, store, &record.id, Default::default()).is_ok() {
            pruned.removed.push(record.id);
            pruned.reclaimed += size;
        }
    }
    Ok(pruned)
}

/// Refuses what prune cannot filter on, before anything is asked or removed.
pub fn check_filters(filters: &[String]) -> Result<(), ContainersError> {
    if let Some(bad) = filters
        .iter()
        .find(|f| !(f.starts_with("until=") || f.starts_with("label=")))
    {
        return Err(ContainersError::Invalid(format!(
            "invalid filter {bad:?}: prune takes until= and label="
        )));
    }
    let filters = Filters::parse(filters)?;
    filters.check_times()
}
