//! `GET /images/json`, `/images/{name}/json` and `/images/{name}/history`.

use super::docker_json;
use crate::api::error::Error;
use crate::api::exchange::Exchange;
use crate::api::filters;
use crate::engine::images::list::ListOptions;
use crate::engine::interface::Engine;
use bollard_stubs::models::{HistoryResponseItem, ImageSummary};
use serde_json::Value;
use std::collections::HashMap;

/// Docker lists an image once, newest first, with the names that passed the
/// filters (a `reference` filter keeps only the names that match it).
pub fn list(engine: &dyn Engine, ex: &mut Exchange) -> Result<(), Error> {
    let opts = ListOptions {
        filters: filters::of(&ex.head)?,
        all: ex.head.flag("all"),
        // Docker's API has no manifest lists.
        manifest_lists: false,
    };
    let mut images: Vec<ImageSummary> = Vec::new();
    let mut index = HashMap::new();
    for row in engine.list_images(&opts)? {
        let at = *index.entry(row.id.clone()).or_insert(images.len());
        if at == images.len() {
            let inspect = docker_json::image(engine.inspect_image(&row.id)?);
            let mut image = summary(&inspect, ex.at_least(1, 44));
            image.repo_tags.clear();
            image.repo_digests.clear();
            images.push(image);
        }
        let image = &mut images[at];
        if row.tag != "<none>" {
            image
                .repo_tags
                .push(format!("{}:{}", row.repository, row.tag));
        }
        if let Some(digest) = row.digest {
            let name = format!("{}@{digest}", row.repository);
            if !image.repo_digests.contains(&name) {
                image.repo_digests.push(name);
            }
        }
    }
    images.sort_by_key(|image| std::cmp::Reverse(image.created));
    Ok(ex.reply.json(200, &images)?)
}

/// Docker's ImageSummary from its ImageInspect, names aside. Containers and SharedSize are
/// -1: not counted, as Docker leaves them unless asked.
fn summary(inspect: &Value, v1_44: bool) -> ImageSummary {
    let size = inspect["Size"].as_i64().unwrap_or(0);
    ImageSummary {
        id: inspect["Id"].as_str().unwrap_or_default().to_owned(),
        parent_id: inspect["Parent"].as_str().unwrap_or_default().to_owned(),
        repo_tags: vec![],
        repo_digests: vec![],
        created: unix_time(inspect["Created"].as_str().unwrap_or_default()),
        size,
        shared_size: -1,
        // Dropped from the answer in 1.44; older clients still read it.
        virtual_size: (!v1_44).then_some(size),
        labels: serde_json::from_value(inspect["Config"]["Labels"].clone()).unwrap_or_default(),
        containers: -1,
    }
}

fn strings(v: &Value) -> Vec<String> {
    v.as_array()
        .map(|a| {
            a.iter()
                .filter_map(|s| s.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

fn unix_time(rfc3339: &str) -> i64 {
    chrono::DateTime::parse_from_rfc3339(rfc3339)
        .map(|t| t.timestamp())
        .unwrap_or(0)
}

pub fn inspect(engine: &dyn Engine, ex: &mut Exchange, name: &str) -> Result<(), Error> {
    Ok(ex
        .reply
        .json(200, &docker_json::image(engine.inspect_image(name)?))?)
}

/// Docker's history: the image's names on its newest entry.
pub fn history(engine: &dyn Engine, ex: &mut Exchange, name: &str) -> Result<(), Error> {
    let tags = strings(&docker_json::image(engine.inspect_image(name)?)["RepoTags"]);
    let mut items: Vec<HistoryResponseItem> = engine
        .history(name)?
        .into_iter()
        .map(|h| HistoryResponseItem {
            id: match h.id.as_str() {
                "<missing>" => h.id,
                id => format!("sha256:{id}"),
            },
            created: h.created.as_deref().map(unix_time).unwrap_or(0),
            created_by: h.created_by,
            tags: vec![],
            size: h.size as i64,
            comment: h.comment,
        })
        .collect();
    if let Some(newest) = items.first_mut() {
        newest.tags = tags;
    }
    Ok(ex.reply.json(200, &items)?)
}
