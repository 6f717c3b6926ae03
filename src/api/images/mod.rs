//! `/images/…`: Docker's image routes over the engine's image verbs.

mod archive;
mod build;
mod commit;
mod docker_json;
mod list;
mod progress;
mod pull;
mod push;
mod relay;
mod remove;

use super::error::Error;
use super::exchange::Exchange;
use super::router::name_and_action;
use crate::engine::interface::Engine;

const ACTIONS: &[&str] = &["json", "history", "tag", "push", "get"];

/// `POST /build` and `POST /commit`, which make images.
pub fn make(engine: &dyn Engine, ex: &mut Exchange, noun: &str, rest: &str) -> Result<(), Error> {
    match (ex.head.method.as_str(), noun, rest) {
        ("POST", "build", "") => build::build(engine, ex),
        ("POST", "commit", "") => commit::commit(engine, ex),
        _ => Err(Error::no_route()),
    }
}

pub fn route(engine: &dyn Engine, ex: &mut Exchange, rest: &str) -> Result<(), Error> {
    let method = ex.head.method.clone();
    match (method.as_str(), rest) {
        ("GET", "json") => return list::list(engine, ex),
        ("POST", "create") => return pull::create(engine, ex),
        ("POST", "prune") => return remove::prune(engine, ex),
        ("GET", "get") => {
            let names = ex.head.params("names");
            return archive::save(engine, ex, names);
        }
        ("POST", "load") => return archive::load(engine, ex),
        _ => {}
    }
    let (name, action) = name_and_action(rest, ACTIONS);
    if name.is_empty() {
        return Err(Error::no_route());
    }
    match (method.as_str(), action) {
        ("GET", Some("json")) => list::inspect(engine, ex, name),
        ("GET", Some("history")) => list::history(engine, ex, name),
        ("POST", Some("tag")) => remove::tag(engine, ex, name),
        ("POST", Some("push")) => push::push(engine, ex, name),
        ("GET", Some("get")) => archive::save(engine, ex, vec![name.to_owned()]),
        ("DELETE", None) => remove::remove(engine, ex, name),
        _ => Err(Error::no_route()),
    }
}
