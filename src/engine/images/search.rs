//! `search`: what a registry holds, found as Podman finds it in a v2 registry
//! without a search API: its catalog, each repository whose name contains the
//! term; with `list_tags`, the repository's tags.

use super::ImagesError;
use crate::engine::oci::reference::Reference;
use crate::engine::registry::{Client, ClientOptions};
use std::path::PathBuf;

/// Podman's default limit (containers/common's searchMaxQueries).
const DEFAULT_LIMIT: usize = 25;
/// The most repositories asked of a catalog at once.
const CATALOG_MAX: usize = 1000;
/// Where a term without a registry is searched.
const DEFAULT_REGISTRY: &str = "docker.io";

#[derive(Debug, Clone, Default)]
pub struct SearchOptions {
    /// `[REGISTRY/]TERM`.
    pub term: String,
    /// 0: Podman's default.
    pub limit: usize,
    pub list_tags: bool,
    pub filters: Filters,
    pub tls_verify: bool,
    pub authfile: Option<PathBuf>,
}

/// `--filter`: catalog entries are never official nor automated, and have no stars.
#[derive(Debug, Clone, Default)]
pub struct Filters {
    pub official: Option<bool>,
    pub automated: Option<bool>,
    pub stars: u64,
}

impl Filters {
    /// Podman's filters and words; checked before anything is asked of a registry.
    pub fn parse(filters: &[String]) -> Result<Filters, ImagesError> {
        let mut parsed = Filters::default();
        for filter in filters {
            let (key, value) = filter.split_once('=').unwrap_or((filter, "true"));
            let flag = || {
                value.parse::<bool>().map_err(|_| {
                    ImagesError::InvalidArgument(format!("incorrect value type for {key} filter"))
                })
            };
            match key {
                "is-official" => parsed.official = Some(flag()?),
                "is-automated" => parsed.automated = Some(flag()?),
                "stars" => {
                    parsed.stars = value.parse().map_err(|_| {
                        ImagesError::InvalidArgument("incorrect value type for stars filter".into())
                    })?
                }
                _ => {
                    return Err(ImagesError::InvalidArgument(format!(
                        "invalid filter type {key:?}"
                    )))
                }
            }
        }
        Ok(parsed)
    }

    fn keeps_catalog_entries(&self) -> bool {
        self.official != Some(true) && self.automated != Some(true) && self.stars == 0
    }
}

/// One repository found (Podman's SearchResult).
#[derive(Debug, Clone)]
pub struct Repository {
    pub index: String,
    pub name: String,
    pub description: String,
    pub stars: u64,
    pub official: bool,
    pub automated: bool,
}

#[derive(Debug, Clone)]
pub enum Found {
    Repositories(Vec<Repository>),
    Tags { name: String, tags: Vec<String> },
}

pub async fn search(opts: &SearchOptions) -> Result<Found, ImagesError> {
    let client = Client::new(ClientOptions {
        tls_verify: opts.tls_verify,
        auth_files: opts.authfile.clone().map(|f| vec![f]),
        ..Default::default()
    })?;
    let limit = match opts.limit {
        0 => DEFAULT_LIMIT,
        n => n,
    };
    let (registry, term) = split(&opts.term);
    if opts.list_tags {
        let reference = Reference::parse(&opts.term)?;
        let mut tags = client.tags(&reference).await?;
        tags.truncate(limit);
        let name = format!("{}/{}", reference.registry, reference.repository);
        return Ok(Found::Tags { name, tags });
    }
    if !opts.filters.keeps_catalog_entries() {
        return Ok(Found::Repositories(Vec::new()));
    }
    let found = client
        .catalog(registry, CATALOG_MAX)
        .await?
        .into_iter()
        .filter(|repository| repository.contains(term))
        .take(limit)
        .map(|repository| Repository {
            index: registry.to_owned(),
            name: format!("{registry}/{repository}"),
            description: String::new(),
            stars: 0,
            official: false,
            automated: false,
        })
        .collect();
    Ok(Found::Repositories(found))
}

/// `REGISTRY/TERM` as (REGISTRY, TERM); a term without one is docker.io's.
fn split(term: &str) -> (&str, &str) {
    match term.split_once('/') {
        Some((first, rest)) if first.contains(['.', ':']) || first == "localhost" => (first, rest),
        _ => (DEFAULT_REGISTRY, term),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_term_names_its_registry_or_is_docker_hubs() {
        assert_eq!(split("127.0.0.1:5000/foo"), ("127.0.0.1:5000", "foo"));
        assert_eq!(split("quay.io/"), ("quay.io", ""));
        assert_eq!(split("library/foo"), ("docker.io", "library/foo"));
    }

    #[test]
    fn filters_are_podmans() {
        assert!(Filters::parse(&["is-official".into()]).unwrap().official == Some(true));
        assert_eq!(
            Filters::parse(&["bad".into()]).unwrap_err().to_string(),
            "invalid filter type \"bad\""
        );
        assert!(Filters::parse(&["stars=x".into()]).is_err());
        assert!(Filters::parse(&["is-automated=false".into()])
            .unwrap()
            .keeps_catalog_entries());
    }
}
