//! `GET /images/get`, `/images/{name}/get` and `POST /images/load`: images as
//! docker-archive tarballs, out and in.

use crate::api::error::Error;
use crate::api::exchange::Exchange;
use crate::engine::images::archive::save::ArchiveFormat;
use crate::engine::interface::Engine;
use crate::engine::oci::reference::Reference;

/// Writes the images as one docker-archive. Every name is checked before the
/// head goes out, so an unknown one is a 404, not a broken tarball.
pub fn save(engine: &dyn Engine, ex: &mut Exchange, names: Vec<String>) -> Result<(), Error> {
    if names.is_empty() {
        return Err(Error::bad_request("no image names given (names=NAME)"));
    }
    for name in &names {
        engine.inspect_image(name)?;
    }
    let mut out = ex
        .reply
        .stream(200, &[("Content-Type", "application/x-tar")])?;
    engine.save(&names, ArchiveFormat::DockerArchive, &mut out)?;
    Ok(out.finish()?)
}

/// Loads every image of the tarball in the body; Docker says what it loaded
/// as build-style stream messages.
pub fn load(engine: &dyn Engine, ex: &mut Exchange) -> Result<(), Error> {
    let names = engine.load(&mut ex.body)?;
    let mut body = Vec::new();
    for name in names {
        let line = match name.strip_prefix("sha256:") {
            Some(_) => format!("Loaded image ID: {name}\n"),
            None => format!("Loaded image: {}\n", familiar(&name)),
        };
        serde_json::to_writer(&mut body, &serde_json::json!({ "stream": line }))?;
        body.push(b'\n');
    }
    Ok(ex.reply.bytes(200, "application/json", &body)?)
}

/// A stored full name as Docker shows it: `busybox:latest`.
fn familiar(name: &str) -> String {
    Reference::parse(name)
        .map(|r| r.familiar_full())
        .unwrap_or_else(|_| name.to_owned())
}
