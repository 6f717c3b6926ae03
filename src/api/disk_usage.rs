//! `GET /system/df`: the engine's disk usage in Docker's
//! SystemDataUsageResponse. There is no BuildKit cache to report.

use super::error::Error;
use super::exchange::Exchange;
use super::volumes::volume;
use crate::engine::disk_usage::{ContainerUsage, DiskUsage, ImageUsage};
use crate::engine::interface::Engine;
use bollard_stubs::models::{ContainerSummary, ImageSummary, SystemDataUsageResponse};
use chrono::DateTime;
use std::collections::HashMap;

pub fn df(engine: &dyn Engine, ex: &mut Exchange) -> Result<(), Error> {
    let usage = engine.disk_usage()?;
    let records = engine.list_volumes(&[])?;
    Ok(ex.reply.json(200, &response(usage, records))?)
}

fn response(
    usage: DiskUsage,
    records: Vec<crate::engine::volumes::record::VolumeRecord>,
) -> SystemDataUsageResponse {
    let by_name: HashMap<&str, (u64, usize)> = usage
        .volumes
        .iter()
        .map(|v| (v.name.as_str(), (v.size, v.containers.len())))
        .collect();
    let volumes = records
        .into_iter()
        .map(|r| {
            let used = by_name.get(r.name.as_str()).copied().unwrap_or((0, 0));
            volume(r, Some(used))
        })
        .collect();
    SystemDataUsageResponse {
        // Podman's compat API sums the images' sizes, shared layers each time.
        layers_size: Some(usage.images.iter().map(|i| i.size as i64).sum()),
        images: Some(usage.images.iter().map(image).collect()),
        containers: Some(usage.containers.iter().map(container).collect()),
        volumes: Some(volumes),
        build_cache: Some(Vec::new()),
    }
}

fn image(i: &ImageUsage) -> ImageSummary {
    let tagged = i.repository != "<none>" && i.tag != "<none>";
    ImageSummary {
        id: format!("sha256:{}", i.id),
        parent_id: String::new(),
        repo_tags: match tagged {
            true => vec![format!("{}:{}", i.repository, i.tag)],
            false => Vec::new(),
        },
        repo_digests: Vec::new(),
        created: i
            .created
            .as_deref()
            .and_then(|c| DateTime::parse_from_rfc3339(c).ok())
            .map_or(0, |c| c.timestamp()),
        size: i.size as i64,
        shared_size: i.shared_size as i64,
        virtual_size: None,
        labels: HashMap::new(),
        containers: i.containers as i64,
    }
}

fn container(c: &ContainerUsage) -> ContainerSummary {
    ContainerSummary {
        id: Some(c.id.clone()),
        names: Some(vec![format!("/{}", c.name)]),
        image: Some(c.image_id.clone()),
        image_id: Some(format!("sha256:{}", c.image_id)),
        command: Some(c.command.join(" ")),
        created: Some(c.created),
        size_rw: Some(c.size as i64),
        labels: Some(HashMap::new()),
        state: Some(c.status.clone()),
        status: Some(c.status.clone()),
        mounts: Some(Vec::new()),
        ..ContainerSummary::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::disk_usage::VolumeUsage;
    use crate::engine::volumes::record::VolumeRecord;

    #[test]
    fn usage_in_dockers_shape() {
        let usage = DiskUsage {
            images: vec![ImageUsage {
                id: "ab".repeat(32),
                repository: "127.0.0.1:5000/busybox".into(),
                tag: "latest".into(),
                created: Some("2024-01-02T03:04:05Z".into()),
                size: 100,
                shared_size: 40,
                containers: 1,
            }],
            containers: Vec::new(),
            volumes: vec![VolumeUsage {
                name: "v1".into(),
                containers: vec!["c".into()],
                size: 7,
            }],
        };
        let body =
            serde_json::to_value(response(usage, vec![VolumeRecord::new("v1".into(), false)]))
                .unwrap();
        assert_eq!(body["LayersSize"], 100);
        assert_eq!(
            body["Images"][0]["RepoTags"][0],
            "127.0.0.1:5000/busybox:latest"
        );
        assert_eq!(body["Images"][0]["Created"], 1704164645);
        assert_eq!(body["Volumes"][0]["UsageData"]["Size"], 7);
        assert_eq!(body["Volumes"][0]["UsageData"]["RefCount"], 1);
        assert_eq!(body["BuildCache"], serde_json::json!([]));
    }
}
