//! The engine's interface spoken over the Docker Engine API to a service
//! (`coracle --url unix://PATH`), as Podman's tunnel implementation speaks its
//! API: the CLI calls the same methods and prints what they return. The
//! everyday verbs are covered (ps, images, run, logs, exec, stop, rm, pull,
//! build); the rest say they are not available with --url.

mod build;
mod build_stream;
mod client;
mod containers;
mod create_body;
mod images;
mod kube;
mod list;
mod logs;
mod manifests;
mod pods;
mod relay;
mod run;
mod secrets;
mod unsupported;

use super::error::{ErrorKind, Kinded};
use super::Error;
use client::Client;

pub struct RemoteEngine {
    client: Client,
}

#[derive(Debug, thiserror::Error)]
pub enum RemoteError {
    #[error("cannot connect to the service at {url}: {source}")]
    Connect { url: String, source: std::io::Error },
    #[error("unsupported --url {0:?}: give unix:///PATH/TO/SOCKET")]
    Url(String),
    /// The service's own error message, which names what was wrong.
    #[error("{message}")]
    Status { status: u16, message: String },
    /// An error the service reported inside a stream it had begun (pull, build).
    #[error("{0}")]
    Stream(String),
    #[error("unexpected answer from the service: {0}")]
    Protocol(String),
    #[error("unexpected answer from the service: {0}")]
    Json(#[from] serde_json::Error),
    #[error("talking to the service: {0}")]
    Io(#[from] std::io::Error),
    #[error("{0} is not available with --url")]
    Unsupported(&'static str),
    /// A container's command that could not run, told by the service's words.
    #[error("{message}")]
    Command { code: i32, message: String },
}

impl Kinded for RemoteError {
    fn kind(&self) -> ErrorKind {
        match self {
            RemoteError::Url(_) | RemoteError::Unsupported(_) => ErrorKind::Invalid,
            // Docker's statuses for the engine's kinds (api/error.rs), read back.
            RemoteError::Status { status, .. } => match status {
                404 => ErrorKind::NotFound,
                409 => ErrorKind::Conflict,
                400 => ErrorKind::Invalid,
                403 => ErrorKind::NotPermitted,
                _ => ErrorKind::Internal,
            },
            _ => ErrorKind::Internal,
        }
    }

    fn command_code(&self) -> Option<i32> {
        match self {
            RemoteError::Command { code, .. } => Some(*code),
            _ => None,
        }
    }
}

impl RemoteError {
    /// A start's error as Docker's CLI reads it: the command not found in the
    /// image exits 127, found but not runnable 126 (the API has no field for it).
    fn start_failure(self) -> RemoteError {
        let RemoteError::Status { message, .. } = &self else {
            return self;
        };
        let code = if message.contains("not found in $PATH") {
            127
        } else if message.contains("does not have correct permissions")
            || message.contains("permission denied")
        {
            126
        } else {
            return self;
        };
        RemoteError::Command {
            code,
            message: message.clone(),
        }
    }
}

impl RemoteEngine {
    /// An engine for the service at `url` (unix://PATH); nothing is connected
    /// until a verb is called.
    pub fn new(url: &str) -> Result<RemoteEngine, Error> {
        let socket = url
            .strip_prefix("unix://")
            .filter(|path| !path.is_empty())
            .ok_or_else(|| RemoteError::Url(url.to_owned()))?;
        Ok(RemoteEngine {
            client: Client {
                socket: socket.into(),
                url: url.to_owned(),
            },
        })
    }
}

/// A verb the remote engine does not speak.
fn unsupported<T>(verb: &'static str) -> Result<T, Error> {
    Err(RemoteError::Unsupported(verb).into())
}

/// A path with its query, each value encoded.
fn path(base: &str, query: &[(&str, String)]) -> String {
    if query.is_empty() {
        return base.to_owned();
    }
    let mut encoded = form_urlencoded::Serializer::new(String::new());
    for (k, v) in query {
        encoded.append_pair(k, v);
    }
    format!("{base}?{}", encoded.finish())
}

/// A name as one path segment.
fn segment(name: &str) -> String {
    percent_encoding::utf8_percent_encode(name, percent_encoding::NON_ALPHANUMERIC).to_string()
}

/// `KEY=VALUE` filters as Docker's `filters` parameter: {"KEY": ["VALUE", ...]}.
fn filters(items: &[String]) -> Option<String> {
    if items.is_empty() {
        return None;
    }
    let mut map = std::collections::BTreeMap::<&str, Vec<&str>>::new();
    for item in items {
        let (k, v) = item.split_once('=').unwrap_or((item, ""));
        map.entry(k).or_default().push(v);
    }
    serde_json::to_string(&map).ok()
}

/// Docker's booleans in a query.
fn flag(on: bool) -> String {
    if on { "1" } else { "0" }.to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_name_a_socket() {
        assert!(RemoteEngine::new("unix:///run/x.sock").is_ok());
        for bad in ["tcp://1.2.3.4:2375", "unix://", "/run/x.sock"] {
            let e = RemoteEngine::new(bad).err().unwrap();
            assert_eq!(e.kind(), ErrorKind::Invalid);
        }
    }

    #[test]
    fn filters_group_values_by_key() {
        let f = filters(&[
            "status=exited".into(),
            "label=a=b".into(),
            "status=created".into(),
        ]);
        assert_eq!(
            f.as_deref(),
            Some(r#"{"label":["a=b"],"status":["exited","created"]}"#)
        );
        assert_eq!(
            path("/containers/json", &[("all", flag(true))]),
            "/containers/json?all=1"
        );
    }
}
