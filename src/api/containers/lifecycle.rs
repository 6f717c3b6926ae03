//! Start, stop, kill, restart, pause, remove, rename, resize, prune: the verbs
//! that change a container's state, each answered as Docker answers it.

use super::super::error::Error;
use super::super::exchange::Exchange;
use super::super::filters;
use super::{no_such, session, Target};
use crate::engine::containers::remove::RemoveOptions;
use crate::engine::interface::{Each, Engine};
use std::time::Duration;

/// Docker's stop timeout when neither the request nor the container gives one.
const STOP_TIMEOUT: u64 = 10;

/// The one result of a verb given one name.
fn one<T>(name: &str, each: Result<Each<T>, crate::engine::Error>) -> Result<T, Error> {
    let each = each.map_err(no_such(name))?;
    match each.into_iter().next() {
        Some(result) => result.map_err(no_such(name)),
        None => Err(Error::new(500, "the engine gave no result")),
    }
}

fn no_content(ex: &mut Exchange) -> Result<(), Error> {
    Ok(ex.reply.empty(204, &[])?)
}

fn not_modified(ex: &mut Exchange) -> Result<(), Error> {
    Ok(ex.reply.empty(304, &[])?)
}

/// Started by the attached client waiting in a session (Docker's `run`),
/// else by the engine; 304 when it runs already.
pub fn start(engine: &dyn Engine, ex: &mut Exchange, t: &Target) -> Result<(), Error> {
    if t.running {
        return not_modified(ex);
    }
    match session::ask(&ex.run_root, &t.id, "start") {
        Some(Err(e)) if e.status == 304 => return not_modified(ex),
        Some(result) => result?,
        None => one(&t.name, engine.start(std::slice::from_ref(&t.id)))?,
    }
    no_content(ex)
}

/// `t` in seconds (-1: wait for ever), else Docker's default (a container
/// has no StopTimeout of its own: create refuses one).
fn timeout(ex: &Exchange) -> Result<Duration, Error> {
    let Some(s) = ex.head.param("t").filter(|s| !s.is_empty()) else {
        return Ok(Duration::from_secs(STOP_TIMEOUT));
    };
    match s.parse::<i64>() {
        // A deadline the engine can add to the clock without overflow.
        Ok(n) if n < 0 => Ok(Duration::from_secs(u64::from(u32::MAX))),
        Ok(n) => Ok(Duration::from_secs(n as u64)),
        Err(_) => Err(Error::bad_request(format!(
            "invalid timeout {s:?}: give seconds"
        ))),
    }
}

pub fn stop(engine: &dyn Engine, ex: &mut Exchange, t: &Target) -> Result<(), Error> {
    if !t.running {
        return not_modified(ex);
    }
    let timeout = timeout(ex)?;
    one(&t.name, engine.stop(std::slice::from_ref(&t.id), timeout))?;
    no_content(ex)
}

pub fn restart(engine: &dyn Engine, ex: &mut Exchange, t: &Target) -> Result<(), Error> {
    let timeout = timeout(ex)?;
    one(
        &t.name,
        engine.restart(std::slice::from_ref(&t.id), timeout),
    )?;
    no_content(ex)
}

pub fn kill(engine: &dyn Engine, ex: &mut Exchange, t: &Target) -> Result<(), Error> {
    if !t.running {
        return Err(Error::new(
            409,
            format!("Container {} is not running", t.id),
        ));
    }
    let signal = ex
        .head
        .param("signal")
        .filter(|s| !s.is_empty())
        .unwrap_or("SIGKILL")
        .to_owned();
    one(&t.name, engine.kill(std::slice::from_ref(&t.id), &signal))?;
    no_content(ex)
}

pub fn pause(engine: &dyn Engine, ex: &mut Exchange, name: &str, pause: bool) -> Result<(), Error> {
    let names = [name.to_owned()];
    match pause {
        true => one(name, engine.pause(&names))?,
        false => one(name, engine.unpause(&names))?,
    }
    no_content(ex)
}

/// DELETE: `force` kills a running container first, `v` takes its anonymous
/// volumes too.
pub fn remove(engine: &dyn Engine, ex: &mut Exchange, name: &str) -> Result<(), Error> {
    let opts = RemoveOptions {
        force: ex.head.flag("force"),
        volumes: ex.head.flag("v"),
        ..RemoveOptions::default()
    };
    if ex.head.flag("link") {
        return Err(super::unsupported("removing links"));
    }
    one(name, engine.remove_containers(&[name.to_owned()], &opts))?;
    no_content(ex)
}

pub fn rename(engine: &dyn Engine, ex: &mut Exchange, name: &str) -> Result<(), Error> {
    let new_name = ex
        .head
        .param("name")
        .filter(|n| !n.is_empty())
        .ok_or_else(|| Error::bad_request("a new name is required: give name="))?
        .trim_start_matches('/')
        .to_owned();
    engine.rename(name, &new_name).map_err(no_such(name))?;
    no_content(ex)
}

/// The pty's size, passed to the client attached through a session; a
/// container with no attached session keeps its size.
pub fn resize(_engine: &dyn Engine, ex: &mut Exchange, t: &Target) -> Result<(), Error> {
    let size = |key: &str| -> Result<u16, Error> {
        let value = ex.head.param(key).unwrap_or("0");
        value
            .parse()
            .map_err(|_| Error::bad_request(format!("invalid {key} {value:?}: give a number")))
    };
    let (rows, cols) = (size("h")?, size("w")?);
    if let Some(result) = session::ask(&ex.run_root, &t.id, &format!("resize {rows} {cols}")) {
        result?;
    }
    Ok(ex.reply.empty(200, &[])?)
}

pub fn prune(engine: &dyn Engine, ex: &mut Exchange) -> Result<(), Error> {
    let pruned = engine.prune_containers(&filters::of(&ex.head)?)?;
    Ok(ex.reply.json(
        200,
        &serde_json::json!({
            "ContainersDeleted": pruned.removed,
            "SpaceReclaimed": pruned.reclaimed,
        }),
    )?)
}
