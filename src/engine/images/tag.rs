//! `tag`: another name for a stored image.

use super::{resolve, ImagesError};
use crate::engine::events::Event;
use crate::engine::oci::reference::Reference;
use crate::engine::process::Inside;
use crate::engine::store::Store;

pub fn tag(_inside: Inside, store: &Store, source: &str, target: &str) -> Result<(), ImagesError> {
    let id = resolve(store, source)?;
    let target = Reference::parse(target)?;
    if target.digest.is_some() {
        return Err(ImagesError::InvalidArgument(format!(
            "cannot tag with a digest: {target}; give a name and tag"
        )));
    }
    store.set_tag(&target.to_string(), &id)?;
    store.record(Event::image("tag", &id, &target.familiar_full()));
    Ok(())
}
