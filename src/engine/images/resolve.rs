//! From what the user typed to an image in the store: a name, a name@digest, or an
//! ID (any unique prefix, with or without `sha256:`), as Docker resolves them.

use super::ImagesError;
use crate::engine::oci::reference::Reference;
use crate::engine::store::{Store, StoreError};

pub fn resolve(store: &Store, input: &str) -> Result<String, ImagesError> {
    if let Some(id) = by_name(store, input)? {
        return Ok(id);
    }
    let prefix = input.strip_prefix("sha256:").unwrap_or(input);
    if !prefix.is_empty() && prefix.bytes().all(|b| b.is_ascii_hexdigit()) {
        let prefix = prefix.to_ascii_lowercase();
        match store.images_by_id_prefix(&prefix)?.as_slice() {
            [id] => return Ok(id.clone()),
            [] => {}
            _ => return Err(StoreError::Ambiguous(input.to_owned()).into()),
        }
    }
    Err(ImagesError::NotFound(input.to_owned()))
}

fn by_name(store: &Store, input: &str) -> Result<Option<String>, ImagesError> {
    let Ok(reference) = Reference::parse(input) else {
        return Ok(None);
    };
    if let Some(digest) = &reference.digest {
        let name = reference.with_digest(digest)?.to_string();
        return Ok(store.image_by_repo_digest(&name)?);
    }
    Ok(store.image_by_tag(&reference.to_string())?)
}
