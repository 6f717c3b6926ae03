//! Finding a container by name, ID or unique ID prefix; `rm` and `rename`.

use super::ContainersError;
use crate::engine::process::Inside;
use crate::engine::store::Store;

#[derive(Debug, Clone, Copy, Default)]
pub struct RemoveOptions {
    /// Kill a running container first (`-f`), and remove whatever its record
    /// says.
    pub force: bool,
    /// Remove its anonymous volumes too (`-v`) when no other container uses
    /// them.
    pub volumes: bool,
    /// With `force`: how long a running one gets to stop by its stop signal
    /// before SIGKILL (`rm -t`); none kills it at once.
    pub stop_timeout: Option<std::time::Duration>,
}

/// The full ID of the container called or identified by `input`.
pub fn resolve(store: &Store, input: &str) -> Result<String, ContainersError> {
    if let Some(id) = store.container_id_by_name(input)? {
        return Ok(id);
    }
    if !input.is_empty() && input.bytes().all(|b| b.is_ascii_hexdigit()) {
        match store
            .containers_by_id_prefix(&input.to_ascii_lowercase())?
            .as_slice()
        {
            [id] => return Ok(id.clone()),
            [] => {}
            _ => return Err(ContainersError::Ambiguous(input.to_owned())),
        }
    }
    Err(ContainersError::NotFound(input.to_owned()))
}

/// Removes a container that is not running (or, with `force`, whatever its record
/// says: a monitor killed with -9 never records the end). Returns its full ID.
/// Inside the user namespace: the files in its upper dir belong to its ids.
pub fn remove(
    _inside: Inside,
    store: &Store,
    input: &str,
    opts: RemoveOptions,
) -> Result<String, ContainersError> {
    let id = resolve(store, input)?;
    let record = store
        .container(&id)?
        .ok_or_else(|| ContainersError::NotFound(input.to_owned()))?;
    let record = super::state::refresh(store, record)?;
    if record.state.status.has_monitor() && !opts.force {
        return Err(running(&id));
    }
    match opts.volumes {
        true => crate::engine::volumes::remove::container_and_anonymous(store, &id)?,
        false => store.remove_container(&id)?,
    }
    store.record(super::events::event(&record, "destroy"));
    Ok(id)
}

/// Podman's refusal to remove a running container without force.
pub fn running(id: &str) -> ContainersError {
    ContainersError::Conflict(format!(
        "cannot remove container {id} as it is running - running or paused containers \
         cannot be removed without force: container state improper"
    ))
}

/// Gives a container another name; the new one must be free and valid.
pub fn rename(store: &Store, input: &str, name: &str) -> Result<(), ContainersError> {
    if !super::names::valid(name) {
        return Err(ContainersError::Invalid(format!(
            "invalid container name {name:?}: use letters, digits and _ . - (not first)"
        )));
    }
    let id = resolve(store, input)?;
    let old = store.container(&id)?;
    store.rename_container(&id, name)?;
    // Docker's rename event names the container by its new name and keeps
    // the old one in oldName.
    if let Some(mut record) = old {
        let old_name = std::mem::replace(&mut record.name, name.to_owned());
        store.record(super::events::event(&record, "rename").with("oldName", old_name));
    }
    Ok(())
}
