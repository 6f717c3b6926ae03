//! `container init`. Podman creates the container in the OCI runtime there (its
//! "initialized" state) and starts the process later. coracle's runtime state is
//! made by the container's monitor, in the same process that starts it (a
//! created-but-not-started libcontainer container would need a process to hold
//! it), so init checks what a start needs from the record and leaves the
//! container created; `start` then does the rest.

use super::lookup::{config_of, lookup};
use super::ContainersError;

/// Checks that container `input` could be started; refuses one that runs, in
/// Podman's words.
pub fn init(store: &crate::engine::store::Store, input: &str) -> Result<(), ContainersError> {
    let record = lookup(store, input)?;
    if record.state.status.has_monitor() {
        return Err(ContainersError::Improper(format!(
            "container {} has already been created in runtime",
            record.id
        )));
    }
    config_of(&record)?;
    Ok(())
}
