//! Finding a container by what the user calls it, and reading its stored config.

use super::{state, ContainerConfig, ContainersError};
use crate::engine::store::containers::ContainerRecord;
use crate::engine::store::Store;

/// The record of the container `input` names, brought up to date.
pub fn lookup(store: &Store, input: &str) -> Result<ContainerRecord, ContainersError> {
    let id = super::resolve(store, input)?;
    let record = store
        .container(&id)?
        .ok_or_else(|| ContainersError::NotFound(input.to_owned()))?;
    state::refresh(store, record)
}

/// The container's config as `create` stored it.
pub fn config_of(record: &ContainerRecord) -> Result<ContainerConfig, ContainersError> {
    Ok(ContainerConfig::of(record)?)
}
