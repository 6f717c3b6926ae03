//! `GET /containers/{id}/top` in `ps -ef`'s columns (Docker's default
//! ps_args).

use super::super::error::Error;
use super::super::exchange::Exchange;
use super::{unsupported, Target};
use crate::engine::containers::top::{Process, TITLES};
use crate::engine::interface::Engine;
use bollard_stubs::models::ContainerTopResponse;

pub fn top(engine: &dyn Engine, ex: &mut Exchange, t: &Target) -> Result<(), Error> {
    if !matches!(ex.head.param("ps_args").unwrap_or(""), "" | "-ef") {
        return Err(unsupported("ps_args other than -ef"));
    }
    if !t.running {
        return Err(Error::new(
            409,
            format!("Container {} is not running", t.id),
        ));
    }
    let processes = engine
        .top(&t.id)?
        .into_iter()
        .map(Process::columns)
        .collect();
    let body = ContainerTopResponse {
        titles: Some(TITLES.iter().map(|s| s.to_string()).collect()),
        processes: Some(processes),
    };
    Ok(ex.reply.json(200, &body)?)
}
