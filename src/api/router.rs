//! From a request's method and path to the route that serves it. Routes live
//! in a module per noun, as in Docker's API; each takes the path after its
//! noun and answers 404 "page not found" for what it does not serve.

use super::archive;
use super::containers;
use super::error::Error;
use super::events;
use super::exchange::Exchange;
use super::exec;
use super::images;
use super::system;
use super::{networks, volumes};
use crate::engine::interface::Engine;

/// The API versions served: Docker's minimum, so that older clients such as
/// docker-compose 1.29 (which asks for 1.30 to 1.38) work, up to 1.44.
const MIN_VERSION: (u32, u32) = (1, 24);
pub const MIN_API_VERSION: &str = "1.24";
const MAX_VERSION: (u32, u32) = (1, 44);

pub fn route(engine: &dyn Engine, ex: &mut Exchange) -> Result<(), Error> {
    let path = ex.head.path.clone();
    let (version, path) = split_version(&path)?;
    ex.version = version;
    let path = path.trim_start_matches('/');
    let (noun, rest) = path.split_once('/').unwrap_or((path, ""));
    match noun {
        "_ping" | "version" | "info" | "system" | "auth" => system::route(engine, ex, noun, rest),
        "images" => images::route(engine, ex, rest),
        "build" | "commit" => images::make(engine, ex, noun, rest),
        // A container's exec and archive actions are served apart from the rest
        // of /containers.
        "containers" if exec::is_container_exec(rest) => exec::create(engine, ex, rest),
        "containers" if archive::is_container_archive(rest) => archive::route(engine, ex, rest),
        "exec" => exec::route(engine, ex, rest),
        "containers" => containers::route(engine, ex, rest),
        "events" => events::route(engine, ex, rest),
        "networks" => networks::route(engine, ex, rest),
        "volumes" => volumes::route(engine, ex, rest),
        "session" | "grpc" => Err(Error::bad_request(
            "BuildKit sessions are not supported: build with DOCKER_BUILDKIT=0",
        )),
        _ => Err(Error::no_route()),
    }
}

/// The `/v1.xx` prefix, checked against the versions served.
pub(crate) fn split_version(path: &str) -> Result<((u32, u32), &str), Error> {
    let Some(rest) = path.strip_prefix("/v") else {
        return Ok((MAX_VERSION, path));
    };
    let (number, tail) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
    let Some((major, minor)) = number.split_once('.') else {
        return Ok((MAX_VERSION, path));
    };
    let (Ok(major), Ok(minor)) = (major.parse(), minor.parse()) else {
        return Ok((MAX_VERSION, path));
    };
    let version = (major, minor);
    if version > MAX_VERSION {
        return Err(Error::bad_request(format!(
            "client version {number} is too new. Maximum supported API version is {}.{}",
            MAX_VERSION.0, MAX_VERSION.1
        )));
    }
    if version < MIN_VERSION {
        return Err(Error::bad_request(format!(
            "client version {number} is too old. Minimum supported API version is {}.{}, please upgrade your client to a newer version",
            MIN_VERSION.0, MIN_VERSION.1
        )));
    }
    Ok((version, tail))
}

/// Splits `NAME/SUFFIX` where NAME may hold slashes (image names do): the
/// suffix is the last segment when it is one of `suffixes`.
pub fn name_and_action<'a>(rest: &'a str, suffixes: &[&str]) -> (&'a str, Option<&'a str>) {
    if let Some((name, last)) = rest.rsplit_once('/') {
        if suffixes.contains(&last) {
            return (name, Some(last));
        }
    }
    (rest, None)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions() {
        assert_eq!(split_version("/v1.41/info").unwrap(), ((1, 41), "/info"));
        assert_eq!(split_version("/info").unwrap(), ((1, 44), "/info"));
        assert!(split_version("/v1.45/info")
            .unwrap_err()
            .message
            .contains("too new"));
        assert!(split_version("/v1.12/info")
            .unwrap_err()
            .message
            .contains("too old"));
    }

    #[test]
    fn names_with_slashes() {
        assert_eq!(
            name_and_action("127.0.0.1:5000/a/b:1/json", &["json", "history"]),
            ("127.0.0.1:5000/a/b:1", Some("json"))
        );
        assert_eq!(name_and_action("a/b", &["json"]), ("a/b", None));
    }
}
