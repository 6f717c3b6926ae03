//! Lists as `images` shows them, beside the images: Podman keeps a list as an
//! image of its own, so scripts see it there.

use super::doc::ListDoc;
use super::ManifestsError;
use crate::engine::images::list::{self, ImageRow};
use crate::engine::oci::reference::Reference;
use crate::engine::registry::{digest_of, MEDIA_DOCKER_LIST};
use crate::engine::store::Store;

/// A row per list the filters let through; its size and digest are the index's.
pub fn image_rows(store: &Store, filters: &[String]) -> Result<Vec<ImageRow>, ManifestsError> {
    let mut rows = Vec::new();
    for (name, id, created, doc) in store.manifest_lists()? {
        let reference = Reference::parse(&name)?;
        let (repository, tag) = (reference.familiar(), reference.tag_or_digest().to_owned());
        if !list::keeps_named(filters, &repository, &tag)? {
            continue;
        }
        let doc = ListDoc::parse(&name, &doc)?;
        let index = serde_json::to_vec(&doc.index(MEDIA_DOCKER_LIST)).expect("an index is JSON");
        rows.push(ImageRow {
            id,
            repository,
            tag,
            digest: Some(digest_of("sha256", &index)),
            created: chrono::DateTime::from_timestamp(created, 0)
                .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)),
            size: index.len() as u64,
            history: vec![name.clone()],
        });
    }
    Ok(rows)
}
