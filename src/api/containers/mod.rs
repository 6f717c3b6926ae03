//! `/containers/...`: Docker's container endpoints over the engine's run and
//! container verbs.

mod attach;
pub(crate) mod create;
mod create_settings;
mod docker_json;
mod files;
mod lifecycle;
mod list;
mod logs;
pub(crate) mod resources;
mod session;
mod stats;
mod summary;
mod top;
mod wait;

use super::error::Error;
use super::exchange::Exchange;
use crate::engine::interface::Engine;

pub fn route(engine: &dyn Engine, ex: &mut Exchange, rest: &str) -> Result<(), Error> {
    let method = ex.head.method.clone();
    match (method.as_str(), rest) {
        ("POST", "create") => return create::create(engine, ex),
        ("GET", "json") => return list::list(engine, ex),
        ("POST", "prune") => return lifecycle::prune(engine, ex),
        _ => {}
    }
    // Container names have no slashes: NAME or NAME/ACTION.
    let (name, action) = match rest.split_once('/') {
        Some((name, action)) => (name, Some(action)),
        None => (rest, None),
    };
    if name.is_empty() {
        return Err(Error::no_route());
    }
    let target = || Target::resolve(engine, name);
    match (method.as_str(), action) {
        ("GET", Some("json")) => list::inspect(engine, ex, name),
        ("DELETE", None) => lifecycle::remove(engine, ex, name),
        ("POST", Some("start")) => lifecycle::start(engine, ex, &target()?),
        ("POST", Some("stop")) => lifecycle::stop(engine, ex, &target()?),
        ("POST", Some("restart")) => lifecycle::restart(engine, ex, &target()?),
        ("POST", Some("kill")) => lifecycle::kill(engine, ex, &target()?),
        ("POST", Some("pause")) => lifecycle::pause(engine, ex, name, true),
        ("POST", Some("unpause")) => lifecycle::pause(engine, ex, name, false),
        ("POST", Some("rename")) => lifecycle::rename(engine, ex, name),
        ("POST", Some("update")) => resources::update(engine, ex, name),
        ("POST", Some("resize")) => lifecycle::resize(engine, ex, &target()?),
        ("POST", Some("attach")) => attach::attach(engine, ex, &target()?),
        ("POST", Some("wait")) => wait::wait(engine, ex, &target()?),
        ("GET", Some("logs")) => logs::logs(engine, ex, &target()?),
        ("GET", Some("top")) => top::top(engine, ex, &target()?),
        ("GET", Some("stats")) => stats::stats(engine, ex, &target()?),
        ("GET", Some("export")) => files::export(engine, ex, &target()?),
        ("GET", Some("changes")) => files::changes(engine, ex, &target()?),
        _ => Err(Error::no_route()),
    }
}

/// The container a request names, as its inspect shows it.
pub struct Target {
    pub id: String,
    pub name: String,
    pub running: bool,
    pub tty: bool,
    pub inspect: serde_json::Value,
}

impl Target {
    fn resolve(engine: &dyn Engine, name: &str) -> Result<Target, Error> {
        let inspect = engine.inspect_container(name).map_err(no_such(name))?;
        Ok(Target {
            id: inspect["Id"].as_str().unwrap_or(name).to_owned(),
            name: inspect["Name"]
                .as_str()
                .unwrap_or(name)
                .trim_start_matches('/')
                .to_owned(),
            running: inspect["State"]["Running"].as_bool().unwrap_or(false),
            tty: inspect["Config"]["Tty"].as_bool().unwrap_or(false),
            inspect,
        })
    }
}

/// Docker's words for an unknown container.
fn no_such(name: &str) -> impl Fn(crate::engine::Error) -> Error + '_ {
    move |e| match Error::from(e) {
        e if e.status == 404 => Error::not_found(format!("No such container: {name}")),
        e => e,
    }
}

/// What the engine cannot honour, in one wording.
fn unsupported(what: &str) -> Error {
    Error::bad_request(format!("{what} is not supported by coracle"))
}
