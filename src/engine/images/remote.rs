//! Looking at an image in its registry without pulling it.

use super::ImagesError;
use crate::engine::oci::reference::Reference;
use crate::engine::registry::{Client, ClientOptions, ManifestBytes};

/// The manifest (or index) the registry serves for `reference`.
pub async fn manifest(reference: &str, tls_verify: bool) -> Result<ManifestBytes, ImagesError> {
    let reference = Reference::parse(reference.strip_prefix("docker://").unwrap_or(reference))?;
    let client = Client::new(ClientOptions {
        tls_verify,
        ..Default::default()
    })?;
    Ok(client.manifest(&reference).await?)
}
