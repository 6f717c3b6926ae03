//! `image tree`: an image's layers, as Podman draws them.

use super::{resolve, ImagesError};
use crate::engine::registry::digest_of;
use crate::engine::store::Store;

#[derive(Debug, Clone)]
pub struct ImageTree {
    /// Hex of the image ID.
    pub id: String,
    /// Full names, `registry/repository:tag`.
    pub tags: Vec<String>,
    pub size: u64,
    /// Bottom layer first.
    pub layers: Vec<TreeLayer>,
}

#[derive(Debug, Clone)]
pub struct TreeLayer {
    /// Hex of the layer's chain ID, which Podman's store names layers by.
    pub id: String,
    pub size: u64,
    /// The names of the stored images whose top layer this is.
    pub top_of: Vec<String>,
}

pub fn tree(store: &Store, name: &str) -> Result<ImageTree, ImagesError> {
    let image = store.image(&resolve(store, name)?)?;
    let tops: Vec<(String, Vec<String>)> = store
        .images()?
        .into_iter()
        .filter_map(|i| chain_ids(&i.layers).pop().map(|top| (top, i.tags)))
        .collect();
    let mut layers = Vec::new();
    for (diff_id, id) in image.layers.iter().zip(chain_ids(&image.layers)) {
        let size = store.layer(diff_id)?.map_or(0, |l| l.size);
        let top_of = tops
            .iter()
            .filter(|(top, _)| *top == id)
            .flat_map(|(_, tags)| tags.iter().cloned())
            .collect();
        layers.push(TreeLayer { id, size, top_of });
    }
    Ok(ImageTree {
        id: image.id,
        tags: image.tags,
        size: image.size,
        layers,
    })
}

/// The OCI chain IDs of layers given by diff-ID, hex: the first is its diff-ID,
/// each next one the digest of "PARENT_CHAIN_ID DIFF_ID".
fn chain_ids(diff_ids: &[String]) -> Vec<String> {
    let mut chain: Option<String> = None;
    diff_ids
        .iter()
        .map(|diff_id| {
            let next = match &chain {
                None => diff_id.clone(),
                Some(parent) => digest_of("sha256", format!("{parent} {diff_id}").as_bytes()),
            };
            chain = Some(next.clone());
            next.trim_start_matches("sha256:").to_owned()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn chain_ids_follow_the_oci_image_spec() {
        let a = format!("sha256:{}", "a".repeat(64));
        let b = format!("sha256:{}", "b".repeat(64));
        let ids = super::chain_ids(&[a.clone(), b.clone()]);
        assert_eq!(ids[0], "a".repeat(64));
        let want = super::digest_of("sha256", format!("{a} {b}").as_bytes());
        assert_eq!(format!("sha256:{}", ids[1]), want);
    }
}
