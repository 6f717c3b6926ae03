//! One request and its response, as a route sees them.

use super::error::Error;
use super::http::{Body, Head, Response};
use serde::de::DeserializeOwned;
use std::fs::File;
use std::io::BufReader;
use std::path::PathBuf;

/// The most a JSON request body may hold; bodies that carry archives (build
/// contexts, loads, uploads) are streamed instead.
const JSON_LIMIT: u64 = 16 * 1024 * 1024;

pub struct Exchange<'a> {
    pub head: Head,
    pub body: Body<&'a mut BufReader<File>>,
    pub reply: Response,
    /// The API version the client spoke (the path's `/v1.xx`, or ours).
    pub version: (u32, u32),
    /// The engine's run root, where requests that meet (an attach and the
    /// start it waits for) find each other.
    pub run_root: PathBuf,
}

impl Exchange<'_> {
    /// The body as JSON of type `T`; an empty body reads as `{}`.
    pub fn json<T: DeserializeOwned>(&mut self) -> Result<T, Error> {
        let bytes = self.body.read_limited(JSON_LIMIT)?;
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Ok(serde_json::from_str("{}")?);
        }
        if let Some(ct) = self.head.header("content-type") {
            let media = ct.split(';').next().unwrap_or("").trim();
            if !media.eq_ignore_ascii_case("application/json") {
                return Err(Error::bad_request(format!(
                    "unsupported Content-Type header ({ct}): must be 'application/json'"
                )));
            }
        }
        Ok(serde_json::from_slice(&bytes)?)
    }

    /// The client asked for its connection to be upgraded (a hijack).
    pub fn upgrade(&self) -> bool {
        self.head.wants_upgrade()
    }

    /// The client's API version is at least `major.minor`.
    pub fn at_least(&self, major: u32, minor: u32) -> bool {
        self.version >= (major, minor)
    }
}
