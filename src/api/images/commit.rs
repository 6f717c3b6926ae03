//! `POST /commit`: a container's changes as a new image; 201 with its ID.

use crate::api::error::Error;
use crate::api::exchange::Exchange;
use crate::engine::build::commit::CommitOptions;
use crate::engine::interface::Engine;
use bollard_stubs::models::IdResponse;

/// The body may carry a container config to apply; Docker's CLI sends its
/// changes as `changes` instead, which is what is taken here.
pub fn commit(engine: &dyn Engine, ex: &mut Exchange) -> Result<(), Error> {
    let head = &ex.head;
    let text = |name| {
        head.param(name)
            .filter(|v| !v.is_empty())
            .map(str::to_owned)
    };
    let container = text("container")
        .ok_or_else(|| Error::bad_request("the container to commit (container) is required"))?;
    let image = text("repo").map(|repo| match text("tag") {
        Some(tag) => format!("{repo}:{tag}"),
        None => repo,
    });
    let opts = CommitOptions {
        container,
        image,
        author: text("author"),
        message: text("comment"),
        changes: head.params("changes"),
        ..CommitOptions::default()
    };
    let id = engine.commit(&opts)?;
    let body = IdResponse {
        id: format!("sha256:{id}"),
    };
    Ok(ex.reply.json(201, &body)?)
}
