//! `images`: one row per name, as Docker lists them.

use super::{config, ImagesError};
use crate::engine::oci::reference::Reference;
use crate::engine::store::Store;

#[derive(Debug, Default, Clone)]
pub struct ListOptions {
    pub filters: Vec<String>,
    /// Also intermediate images: untagged build steps that later steps built on.
    pub all: bool,
    /// Also the manifest lists made locally, as Podman's `images` shows them.
    pub manifest_lists: bool,
}

#[derive(Debug, Clone)]
pub struct ImageRow {
    pub id: String,
    /// Familiar name, or `<none>`.
    pub repository: String,
    pub tag: String,
    pub digest: Option<String>,
    pub created: Option<String>,
    pub size: u64,
    /// Every name the image has had, the latest given first.
    pub history: Vec<String>,
}

enum Filter {
    Dangling(bool),
    Reference(glob::Pattern),
    Label(String, Option<String>),
}

pub fn list(store: &Store, opts: &ListOptions) -> Result<Vec<ImageRow>, ImagesError> {
    let filters = opts
        .filters
        .iter()
        .map(|f| parse_filter(f))
        .collect::<Result<Vec<_>, _>>()?;
    let mut rows = Vec::new();
    for image in store.images()? {
        if !opts.all && image.tags.is_empty() && store.has_build_children(&image.id)? {
            continue;
        }
        let labels = if filters.iter().any(|f| matches!(f, Filter::Label(..))) {
            config::labels(&config::load(store, &image)?)
        } else {
            Default::default()
        };
        let names = names(&image.tags, &image.digests);
        let keep_image = filters.iter().all(|f| match f {
            Filter::Dangling(want) => image.tags.is_empty() == *want,
            Filter::Label(key, value) => labels
                .get(key)
                .is_some_and(|v| value.as_ref().is_none_or(|want| v.as_str() == Some(want))),
            Filter::Reference(_) => true,
        });
        if !keep_image {
            continue;
        }
        for (repository, tag, digest) in names {
            let keep_row = filters.iter().all(|f| match f {
                Filter::Reference(p) => matches_reference(p, &repository, &tag),
                _ => true,
            });
            if keep_row {
                rows.push(ImageRow {
                    id: image.id.clone(),
                    repository,
                    tag,
                    digest,
                    created: image.created.clone(),
                    size: image.size,
                    history: image.names_history.clone(),
                });
            }
        }
    }
    Ok(rows)
}

/// (repository, tag, digest) rows: one per tag, else one per digest, else `<none>`.
fn names(tags: &[String], digests: &[String]) -> Vec<(String, String, Option<String>)> {
    let none = || "<none>".to_owned();
    let digest_of = |repo: &str| {
        digests
            .iter()
            .filter_map(|d| Reference::parse(d).ok())
            .find(|r| r.familiar() == repo)
            .and_then(|r| r.digest)
    };
    let mut rows: Vec<_> = tags
        .iter()
        .filter_map(|t| Reference::parse(t).ok())
        .map(|r| {
            let repo = r.familiar();
            let digest = digest_of(&repo);
            (repo, r.tag.unwrap_or_else(none), digest)
        })
        .collect();
    if rows.is_empty() {
        rows = digests
            .iter()
            .filter_map(|d| Reference::parse(d).ok())
            .map(|r| (r.familiar(), none(), r.digest))
            .collect();
    }
    if rows.is_empty() {
        rows.push((none(), none(), None));
    }
    rows
}

fn parse_filter(filter: &str) -> Result<Filter, ImagesError> {
    let invalid = || {
        ImagesError::InvalidArgument(format!("invalid filter {filter:?}: use dangling=true|false, reference=PATTERN or label=KEY[=VALUE]"))
    };
    let (key, value) = filter.split_once('=').ok_or_else(invalid)?;
    match key {
        "dangling" => match value {
            "true" | "1" => Ok(Filter::Dangling(true)),
            "false" | "0" => Ok(Filter::Dangling(false)),
            _ => Err(invalid()),
        },
        "reference" => glob::Pattern::new(value)
            .map(Filter::Reference)
            .map_err(|_| invalid()),
        "label" => Ok(match value.split_once('=') {
            Some((k, v)) => Filter::Label(k.to_owned(), Some(v.to_owned())),
            None => Filter::Label(value.to_owned(), None),
        }),
        _ => Err(invalid()),
    }
}

/// Whether a row that is no image (a manifest list: named, without labels)
/// passes the filters.
pub fn keeps_named(filters: &[String], repository: &str, tag: &str) -> Result<bool, ImagesError> {
    for filter in filters {
        let keep = match parse_filter(filter)? {
            Filter::Dangling(want) => !want,
            Filter::Label(..) => false,
            Filter::Reference(p) => matches_reference(&p, repository, tag),
        };
        if !keep {
            return Ok(false);
        }
    }
    Ok(true)
}

/// Docker matches the pattern against `repo` and `repo:tag`, with `*` stopping at `/`.
fn matches_reference(pattern: &glob::Pattern, repository: &str, tag: &str) -> bool {
    let opts = glob::MatchOptions {
        require_literal_separator: true,
        ..Default::default()
    };
    pattern.matches_with(repository, opts)
        || pattern.matches_with(&format!("{repository}:{tag}"), opts)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reference_filter_matches_like_docker() {
        let p = |s| glob::Pattern::new(s).unwrap();
        assert!(matches_reference(&p("busybox"), "busybox", "latest"));
        assert!(matches_reference(&p("busy*:lat*"), "busybox", "latest"));
        assert!(!matches_reference(
            &p("*"),
            "127.0.0.1:5000/busybox",
            "latest"
        ));
        assert!(matches_reference(
            &p("*/busybox"),
            "127.0.0.1:5000/busybox",
            "latest"
        ));
    }

    #[test]
    fn unknown_filters_are_refused() {
        assert!(parse_filter("colour=red").is_err());
        assert!(parse_filter("dangling=maybe").is_err());
        assert!(
            matches!(parse_filter("label=a=b"), Ok(Filter::Label(k, Some(v))) if k == "a" && v == "b")
        );
    }

    #[test]
    fn untagged_images_show_none() {
        assert_eq!(
            names(&[], &[]),
            vec![("<none>".into(), "<none>".into(), None)]
        );
    }
}
