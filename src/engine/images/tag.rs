//! `tag` and `untag`: names of a stored image.

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

/// Removes `names` from the image, or every name it has when `names` is empty, as
/// `podman untag` does: the image itself stays, nameless if none is left.
pub fn untag(
    _inside: Inside,
    store: &Store,
    image: &str,
    names: &[String],
) -> Result<(), ImagesError> {
    let id = resolve(store, image)?;
    let names = match names {
        [] => store.image(&id)?.tags,
        names => names
            .iter()
            .map(|n| Ok(Reference::parse(n)?.to_string()))
            .collect::<Result<_, ImagesError>>()?,
    };
    for name in names {
        if store.image_by_tag(&name)?.as_deref() != Some(id.as_str()) {
            return Err(ImagesError::TagNotFound(name));
        }
        store.remove_tag(&name)?;
        let familiar = Reference::parse(&name)?.familiar_full();
        store.record(Event::image("untag", &id, &familiar));
    }
    Ok(())
}
