//! A pod's volumes as its containers' mounts: a hostPath is a bind, a
//! persistentVolumeClaim the named volume of the claim's name, an emptyDir a
//! volume of the pod's own (`<pod>-<volume>`, which `kube down` removes) or,
//! with `medium: Memory`, a tmpfs.

use super::validate::At;
use super::KubeError;
use crate::engine::volumes::parse::tmpfs_flag;
use crate::engine::volumes::{MountKind, MountRequest};
use k8s_openapi::api::core::v1::{Container, Volume};

/// The name of the volume play makes for a pod's emptyDir.
pub fn empty_dir_volume(pod: &str, volume: &str) -> String {
    format!("{pod}-{volume}")
}

/// The volumes a pod's emptyDirs become (tmpfs ones are not volumes).
pub fn empty_dirs(pod: &str, volumes: &[Volume]) -> Vec<String> {
    volumes
        .iter()
        .filter(|v| {
            v.empty_dir
                .as_ref()
                .is_some_and(|e| e.medium.as_deref() != Some("Memory"))
        })
        .map(|v| empty_dir_volume(pod, &v.name))
        .collect()
}

/// The mounts of the container at `path` (checked by validate: every mount
/// names a volume of a kind coracle plays).
pub fn mounts(
    at: &At,
    pod: &str,
    path: &str,
    c: &Container,
    volumes: &[Volume],
) -> Result<Vec<MountRequest>, KubeError> {
    let mut out = Vec::new();
    for (j, m) in c.volume_mounts.iter().flatten().enumerate() {
        let here = format!("{path}.volumeMounts[{j}]");
        let Some(v) = volumes.iter().find(|v| v.name == m.name) else {
            return Err(at.err(
                format!("{here}.name"),
                format!("no volume named {}", m.name),
            ));
        };
        let (kind, source) = if let Some(h) = &v.host_path {
            (MountKind::Bind, Some(h.path.clone()))
        } else if let Some(claim) = &v.persistent_volume_claim {
            (MountKind::Volume, Some(claim.claim_name.clone()))
        } else if v
            .empty_dir
            .as_ref()
            .is_some_and(|e| e.medium.as_deref() == Some("Memory"))
        {
            (MountKind::Tmpfs, None)
        } else {
            (MountKind::Volume, Some(empty_dir_volume(pod, &v.name)))
        };
        let made = match kind {
            MountKind::Tmpfs => tmpfs_flag(&m.mount_path),
            _ => MountRequest::new(kind, source, &m.mount_path),
        };
        let mut request = made.map_err(|e| at.err(format!("{here}.mountPath"), e.to_string()))?;
        request.read_only = m.read_only == Some(true)
            || v.persistent_volume_claim.as_ref().and_then(|c| c.read_only) == Some(true);
        // Kubernetes makes a missing hostPath for DirectoryOrCreate (and for an
        // unset type it does not check): so does `-v`.
        let create = v
            .host_path
            .as_ref()
            .is_some_and(|h| matches!(h.type_.as_deref(), None | Some("" | "DirectoryOrCreate")));
        request.create_source = create;
        out.push(request);
    }
    Ok(out)
}
