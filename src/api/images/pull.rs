//! `POST /images/create`: a pull streamed as Docker's progress messages, or
//! with `fromSrc=-` an import of the tarball in the body.

use super::progress::{status, Transfer};
use super::push::credentials;
use super::relay;
use crate::api::error::Error;
use crate::api::exchange::Exchange;
use crate::engine::images::archive::import::ImportOptions;
use crate::engine::images::pull::PullOptions;
use crate::engine::interface::Engine;
use crate::engine::oci::reference::Reference;
use bollard_stubs::models::CreateImageInfo;
use std::sync::Arc;

pub fn create(engine: &dyn Engine, ex: &mut Exchange) -> Result<(), Error> {
    match ex.head.param("fromSrc") {
        Some("-") => return import(engine, ex),
        Some(_) => return Err(Error::bad_request(
            "importing from a URL is not supported: send the tarball as the body with fromSrc=-",
        )),
        None => {}
    }
    let image = ex
        .head
        .param("fromImage")
        .filter(|i| !i.is_empty())
        .ok_or_else(|| Error::bad_request("fromImage or fromSrc is required"))?;
    let reference = Reference::parse(&join(image, ex.head.param("tag")))
        .map_err(|e| Error::bad_request(e.to_string()))?;
    let opts = PullOptions {
        reference: reference.to_string(),
        platform: ex
            .head
            .param("platform")
            .filter(|p| !p.is_empty())
            .map(str::to_owned),
        // Loopback registries may still speak plain HTTP, as Docker allows.
        tls_verify: true,
        credentials: credentials(ex.head.header("x-registry-auth"))?,
        auth_files: None,
    };
    relay::run(ex, false, |sender, _| {
        let transfer = Arc::new(Transfer::default());
        // Docker names the repository's path, and the tag as the line's id.
        let announce = CreateImageInfo {
            id: Some(reference.tag_or_digest().to_owned()),
            ..status(format!("Pulling from {}", reference.repository))
        };
        let (events, to) = (transfer.clone(), sender.clone());
        let id = engine.pull(
            &opts,
            Arc::new(move |event| {
                for message in events.pull(event, &announce) {
                    to.send(&message);
                }
            }),
        )?;
        if let Some(digest) = repo_digest(engine, &id, &reference) {
            sender.send(&status(format!("Digest: {digest}")));
        }
        let outcome = match transfer.moved() {
            true => "Downloaded newer image",
            false => "Image is up to date",
        };
        sender.send(&status(format!(
            "Status: {outcome} for {}",
            reference.familiar_full()
        )));
        Ok(())
    })
}

/// `fromImage` with `tag`, which may be a digest; `latest` when neither names one.
fn join(image: &str, tag: Option<&str>) -> String {
    match tag.filter(|t| !t.is_empty()) {
        Some(digest) if digest.contains(':') => format!("{image}@{digest}"),
        Some(tag) => format!("{image}:{tag}"),
        None => image.to_owned(),
    }
}

/// The manifest digest the pull recorded for `reference`'s repository.
fn repo_digest(engine: &dyn Engine, id: &str, reference: &Reference) -> Option<String> {
    let inspect = super::docker_json::image(engine.inspect_image(id).ok()?);
    let wanted = reference.familiar();
    inspect["RepoDigests"]
        .as_array()?
        .iter()
        .filter_map(|d| d.as_str())
        .find_map(|d| {
            let (name, digest) = d.split_once('@')?;
            (name == wanted).then(|| digest.to_owned())
        })
}

/// `fromSrc=-`: the body is a root file system tarball. Docker answers with
/// the new image's ID as a status message.
fn import(engine: &dyn Engine, ex: &mut Exchange) -> Result<(), Error> {
    let reference = match ex.head.param("repo").filter(|r| !r.is_empty()) {
        Some(repo) => Some(join(repo, ex.head.param("tag"))),
        None => None,
    };
    let opts = ImportOptions {
        reference,
        changes: ex.head.params("changes"),
        message: ex
            .head
            .param("message")
            .filter(|m| !m.is_empty())
            .map(str::to_owned),
        platform: ex
            .head
            .param("platform")
            .filter(|p| !p.is_empty())
            .map(str::to_owned),
    };
    let id = engine.import(&mut ex.body, &opts)?;
    let mut line = serde_json::to_vec(&status(format!("sha256:{id}")))?;
    line.push(b'\n');
    Ok(ex.reply.bytes(200, "application/json", &line)?)
}
