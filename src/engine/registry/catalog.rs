//! What a registry holds: its repositories (`/v2/_catalog`) and a
//! repository's tags (`/v2/NAME/tags/list`), for `search`.

use super::{read_limited, Client, RegistryError, What, MANIFEST_MAX};
use crate::engine::oci::reference::Reference;
use reqwest::header::HeaderMap;
use reqwest::Method;

#[derive(serde::Deserialize)]
struct Catalog {
    #[serde(default)]
    repositories: Vec<String>,
}

#[derive(serde::Deserialize)]
struct Tags {
    #[serde(default)]
    tags: Option<Vec<String>>,
}

impl Client {
    /// The registry's repositories, as its catalog lists them (at most `n`).
    pub async fn catalog(&self, registry: &str, n: usize) -> Result<Vec<String>, RegistryError> {
        let r = Reference {
            registry: registry.to_owned(),
            repository: String::new(),
            tag: None,
            digest: None,
        };
        let path = format!("/v2/_catalog?n={n}");
        let body: Catalog = self.get_json(&r, &path, "registry:catalog:*").await?;
        Ok(body.repositories)
    }

    /// The repository's tags, in the registry's order.
    pub async fn tags(&self, r: &Reference) -> Result<Vec<String>, RegistryError> {
        let path = format!("/v2/{}/tags/list", r.repository);
        let scope = format!("repository:{}:pull", r.repository);
        let body: Tags = self.get_json(r, &path, &scope).await?;
        Ok(body.tags.unwrap_or_default())
    }

    async fn get_json<T: serde::de::DeserializeOwned>(
        &self,
        r: &Reference,
        path: &str,
        scope: &str,
    ) -> Result<T, RegistryError> {
        let resp = self
            .request(r, Method::GET, path, HeaderMap::new(), None, scope)
            .await?;
        let resp = self.check(resp, r, What::Manifest).await?;
        let protocol = |message: String| RegistryError::Protocol {
            registry: r.registry.clone(),
            message,
        };
        let bytes = read_limited(resp, MANIFEST_MAX, &r.registry)
            .await?
            .ok_or_else(|| protocol(format!("{path} answered more than {MANIFEST_MAX} bytes")))?;
        serde_json::from_slice(&bytes).map_err(|e| protocol(format!("{path}: {e}")))
    }
}
