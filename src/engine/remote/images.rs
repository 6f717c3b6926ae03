//! The verbs on images: pull, images and inspect through the API; the rest
//! are not available with --url.

use super::client::Payload;
use super::{filters, flag, path, segment, unsupported, RemoteEngine, RemoteError};
use crate::engine::images::archive::import::ImportOptions;
use crate::engine::images::archive::save::ArchiveFormat;
use crate::engine::images::history::HistoryEntry;
use crate::engine::images::list::{ImageRow, ListOptions};
use crate::engine::images::pull::{self, PullEvent, PullOptions};
use crate::engine::images::push::{self, PushOptions};
use crate::engine::images::remove::{Pruned, Removed};
use crate::engine::images::search::{Found, SearchOptions};
use crate::engine::images::tree::ImageTree;
use crate::engine::interface::{Each, Error, ImageEngine};
use crate::engine::oci::reference::Reference;
use crate::engine::registry::creds::Credentials;
use crate::engine::registry::login::{LoginOptions, LogoutOptions};
use crate::engine::registry::ManifestBytes;
use bollard_stubs::models::{CreateImageInfo, ImageSummary};
use std::io::{Read, Write};
use std::path::Path;

impl RemoteEngine {
    /// Pulls `reference` on the service, reporting its progress stream as
    /// pull events.
    pub(super) fn pull_stream(
        &self,
        reference: &str,
        platform: Option<&str>,
        progress: &dyn Fn(PullEvent),
    ) -> Result<(), RemoteError> {
        // Docker's CLI sends the tag (or digest) apart: with none, the service
        // would pull every tag.
        let (image, tag) = match reference.rsplit_once('@') {
            Some((image, digest)) => (image, digest),
            None => match reference.rsplit_once(':') {
                Some((image, tag)) if !tag.contains('/') => (image, tag),
                _ => (reference, "latest"),
            },
        };
        let mut query = vec![("fromImage", image.to_owned()), ("tag", tag.to_owned())];
        query.extend(platform.map(|p| ("platform", p.to_owned())));
        let path = path("/images/create", &query);
        progress(PullEvent::Resolved {
            reference: reference.to_owned(),
        });
        let reply = self.client.call("POST", &path, Payload::None)?;
        for info in reply.json_lines::<CreateImageInfo>() {
            let info = info?;
            if let Some(error) = info.error {
                return Err(RemoteError::Stream(error));
            }
            let (Some(digest), Some(status)) = (info.id, info.status) else {
                continue;
            };
            let detail = info.progress_detail.unwrap_or_default();
            match status.as_str() {
                "Already exists" => progress(PullEvent::LayerExists { digest }),
                "Pulling fs layer" => progress(PullEvent::LayerStarted { digest, size: 0 }),
                "Downloading" => progress(PullEvent::LayerProgress {
                    digest,
                    bytes: detail.current.unwrap_or_default().max(0) as u64,
                }),
                "Pull complete" => progress(PullEvent::LayerDone { digest }),
                _ => {}
            }
        }
        Ok(())
    }

    pub(super) fn image_id(&self, name: &str) -> Result<String, RemoteError> {
        let path = format!("/images/{}/json", segment(name));
        let image: serde_json::Value = self.client.call("GET", &path, Payload::None)?.json()?;
        let id = image["Id"].as_str().unwrap_or_default();
        Ok(id.trim_start_matches("sha256:").to_owned())
    }
}

impl ImageEngine for RemoteEngine {
    fn pull(&self, opts: &PullOptions, progress: pull::Progress) -> Result<String, Error> {
        self.pull_stream(&opts.reference, opts.platform.as_deref(), &*progress)?;
        Ok(self.image_id(&opts.reference)?)
    }

    fn push(&self, _: &PushOptions, _: push::Progress) -> Result<String, Error> {
        unsupported("push")
    }

    fn saved_login(&self, _: &LoginOptions) -> Result<Option<Credentials>, Error> {
        unsupported("login")
    }

    fn login(&self, _: &LoginOptions, _: &Credentials) -> Result<(), Error> {
        unsupported("login")
    }

    fn check_login(&self, _: &LoginOptions, _: &Credentials) -> Result<(), Error> {
        unsupported("login")
    }

    fn logout(&self, _: &LogoutOptions) -> Result<(), Error> {
        unsupported("logout")
    }

    fn manifest_inspect(&self, _: &str, _: bool) -> Result<ManifestBytes, Error> {
        unsupported("manifest inspect")
    }

    fn search(&self, _: &SearchOptions) -> Result<Found, Error> {
        unsupported("search")
    }

    fn list_images(&self, opts: &ListOptions) -> Result<Vec<ImageRow>, Error> {
        let mut query = vec![("all", flag(opts.all))];
        query.extend(filters(&opts.filters).map(|f| ("filters", f)));
        let path = path("/images/json", &query);
        let images: Vec<ImageSummary> = self.client.call("GET", &path, Payload::None)?.json()?;
        Ok(images.iter().flat_map(rows).collect())
    }

    fn inspect_image(&self, name: &str) -> Result<serde_json::Value, Error> {
        let path = format!("/images/{}/json", segment(name));
        Ok(self.client.call("GET", &path, Payload::None)?.json()?)
    }

    fn tag(&self, _: &str, _: &[String]) -> Result<(), Error> {
        unsupported("tag")
    }

    fn untag(&self, _: &str, _: &[String]) -> Result<(), Error> {
        unsupported("untag")
    }

    fn remove_images(&self, _: &[String], _: bool) -> Result<Each<Vec<Removed>>, Error> {
        unsupported("rmi")
    }

    fn prune_images(&self, _: bool, _: &[String]) -> Result<Pruned, Error> {
        unsupported("image prune")
    }

    fn image_tree(&self, _: &str) -> Result<ImageTree, Error> {
        unsupported("image tree")
    }

    fn history(&self, _: &str) -> Result<Vec<HistoryEntry>, Error> {
        unsupported("history")
    }

    fn save(&self, _: &[String], _: ArchiveFormat, _: &mut dyn Write) -> Result<(), Error> {
        unsupported("save")
    }

    fn save_to_dir(&self, _: &[String], _: &Path) -> Result<(), Error> {
        unsupported("save")
    }

    fn load(&self, _: &mut dyn Read) -> Result<Vec<String>, Error> {
        unsupported("load")
    }

    fn import(&self, _: &mut dyn Read, _: &ImportOptions) -> Result<String, Error> {
        unsupported("import")
    }
}

/// An image's rows as the local listing makes them: one per tag, else one per
/// digest, else `<none>`; names as people type them.
fn rows(image: &ImageSummary) -> Vec<ImageRow> {
    let none = || "<none>".to_owned();
    let parse = |names: &[String]| -> Vec<Reference> {
        names
            .iter()
            .filter_map(|n| Reference::parse(n).ok())
            .collect()
    };
    let tags = parse(&image.repo_tags);
    let digests = parse(&image.repo_digests);
    let digest_of = |repo: &str| {
        digests
            .iter()
            .find(|d| d.familiar() == repo)
            .and_then(|d| d.digest.clone())
    };
    let mut names: Vec<_> = tags
        .iter()
        .map(|t| {
            let repo = t.familiar();
            let digest = digest_of(&repo);
            (repo, t.tag.clone().unwrap_or_else(none), digest)
        })
        .collect();
    if names.is_empty() {
        names = digests
            .iter()
            .map(|d| (d.familiar(), none(), d.digest.clone()))
            .collect();
    }
    if names.is_empty() {
        names.push((none(), none(), None));
    }
    let created = chrono::DateTime::from_timestamp(image.created, 0)
        .filter(|_| image.created > 0)
        .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true));
    names
        .into_iter()
        .map(|(repository, tag, digest)| ImageRow {
            id: image.id.trim_start_matches("sha256:").to_owned(),
            repository,
            tag,
            digest,
            created: created.clone(),
            size: image.size.max(0) as u64,
            // Docker's API keeps no names an image had.
            history: Vec::new(),
        })
        .collect()
}
