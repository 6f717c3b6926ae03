//! `GET /containers/{id}/export` (a tar of its filesystem) and
//! `GET /containers/{id}/changes` (what it changed over its image).

use super::super::error::Error;
use super::super::exchange::Exchange;
use super::Target;
use crate::engine::diff::Kind;
use crate::engine::diff::Target as DiffTarget;
use crate::engine::interface::Engine;
use bollard_stubs::models::{ChangeType, FilesystemChange};

pub fn export(engine: &dyn Engine, ex: &mut Exchange, t: &Target) -> Result<(), Error> {
    let mut body = ex
        .reply
        .stream(200, &[("Content-Type", "application/x-tar")])?;
    engine.export(&t.id, &mut body)?;
    Ok(body.finish()?)
}

pub fn changes(engine: &dyn Engine, ex: &mut Exchange, t: &Target) -> Result<(), Error> {
    let changes: Vec<FilesystemChange> = engine
        .diff(&t.id, DiffTarget::Container)?
        .into_iter()
        .map(|c| FilesystemChange {
            path: c.path,
            kind: match c.kind {
                Kind::Changed => ChangeType::_0,
                Kind::Added => ChangeType::_1,
                Kind::Deleted => ChangeType::_2,
            },
        })
        .collect();
    Ok(ex.reply.json(200, &changes)?)
}
