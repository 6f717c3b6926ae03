//! `--secret`s given to a new container, as Podman gives them: each mount
//! secret's data copied into the container's userdata dir (so that removing
//! the secret later changes nothing) and bind-mounted read-only at its target;
//! each env secret's value put into the process's environment, which inspect
//! then leaves out.

use super::ContainersError;
use crate::engine::secrets::store::SecretStore;
use crate::engine::secrets::{SecretKind, SecretRequest};
use crate::engine::userns::shift::to_disk;
use crate::engine::userns::Mappings;
use oci_spec::runtime::{Mount, MountBuilder};
use serde::{Deserialize, Serialize};
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

/// A secret as the container's record keeps it (Podman's Config.Secrets).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GivenSecret {
    pub name: String,
    pub id: String,
    pub uid: u32,
    pub gid: u32,
    pub mode: u32,
    /// The variable an env secret became; none for a mounted one.
    pub env: Option<String>,
}

/// What the secrets add to the container.
#[derive(Default)]
pub struct Secrets {
    pub given: Vec<GivenSecret>,
    pub mounts: Vec<Mount>,
    pub env: Vec<String>,
}

/// Each request's secret, looked up before anything is written, so that an
/// unknown one fails the create with nothing made.
pub fn read(
    store: &SecretStore,
    requests: &[SecretRequest],
) -> Result<Vec<(SecretRequest, GivenSecret, Vec<u8>)>, ContainersError> {
    requests
        .iter()
        .map(|r| {
            let (record, data) = store.read(&r.name)?;
            let (uid, gid, mode, env) = match &r.kind {
                SecretKind::Mount { uid, gid, mode, .. } => (*uid, *gid, *mode, None),
                SecretKind::Env { target } => (0, 0, 0, Some(target.clone())),
            };
            let given = GivenSecret {
                name: record.name,
                id: record.id,
                uid,
                gid,
                mode,
                env,
            };
            Ok((r.clone(), given, data))
        })
        .collect()
}

/// Writes the mount secrets' files under `userdata/secrets`, owned as the
/// container sees `uid:gid` (through `maps` when it has ids of its own).
pub fn give(
    userdata: &Path,
    read: Vec<(SecretRequest, GivenSecret, Vec<u8>)>,
    maps: Option<&Mappings>,
) -> Result<Secrets, ContainersError> {
    let dir = userdata.join("secrets");
    let write_err = |path: &Path| {
        let path = path.to_owned();
        move |source| ContainersError::Write { path, source }
    };
    let mut secrets = Secrets::default();
    for (n, (request, given, data)) in read.into_iter().enumerate() {
        match &request.kind {
            SecretKind::Env { target } => {
                secrets
                    .env
                    .push(format!("{target}={}", String::from_utf8_lossy(&data)));
            }
            SecretKind::Mount { target, .. } => {
                std::fs::create_dir_all(&dir).map_err(write_err(&dir))?;
                let path = dir.join(n.to_string());
                std::fs::write(&path, &data).map_err(write_err(&path))?;
                let (uid, gid) = match maps {
                    Some(m) => (to_disk(&m.uids, given.uid), to_disk(&m.gids, given.gid)),
                    None => (given.uid, given.gid),
                };
                std::os::unix::fs::chown(&path, Some(uid), Some(gid))
                    .and_then(|()| {
                        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(given.mode))
                    })
                    .map_err(write_err(&path))?;
                secrets.mounts.push(bind(&path, target)?);
            }
        }
        secrets.given.push(given);
    }
    Ok(secrets)
}

fn bind(source: &Path, target: &str) -> Result<Mount, ContainersError> {
    let options = ["rbind", "ro", "nosuid", "nodev", "noexec"].map(String::from);
    MountBuilder::default()
        .destination(target)
        .typ("bind")
        .source(source)
        .options(options.to_vec())
        .build()
        .map_err(|e| ContainersError::Invalid(format!("secret mount at {target}: {e}")))
}
