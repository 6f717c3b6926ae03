//! The registry client's errors, and reading the registry's own error bodies.

use std::path::PathBuf;

use crate::engine::error::{ErrorKind, Kinded};
use serde::Deserialize;

#[derive(Debug, thiserror::Error)]
pub enum RegistryError {
    /// The manifest, tag or repository is not there (`blob` is set when a blob is missing).
    #[error("{}", not_found_message(.image, .blob.as_deref()))]
    NotFound { image: String, blob: Option<String> },

    /// No credentials and the registry wants some, or it refused the ones we sent.
    #[error("{}", unauthorized_message(.image, .registry, *.had_credentials))]
    Unauthorized {
        image: String,
        registry: String,
        had_credentials: bool,
    },

    /// `login` with credentials the registry does not take.
    #[error(
        "unauthorized: registry {registry} refused the username and password; nothing was saved"
    )]
    LoginRefused { registry: String },

    /// Could not connect (refused, DNS, TLS handshake, timeout).
    #[error("registry {registry} is unreachable: {cause}")]
    Unreachable { registry: String, cause: String },

    /// The connection broke or stalled after the response started.
    #[error("download from registry {registry} failed: {cause}")]
    Transfer { registry: String, cause: String },

    /// Sending a blob broke off.
    #[error("upload of blob {digest} to {image} failed: {cause}")]
    Upload {
        image: String,
        digest: String,
        cause: String,
    },

    #[error("{what} of {image} does not match its digest: expected {expected}, got {actual}")]
    DigestMismatch {
        what: String,
        image: String,
        expected: String,
        actual: String,
    },

    /// Any other unsuccessful status; `message` is the registry's own explanation.
    #[error("registry {registry} answered {status} for {image}: {message}")]
    Http {
        registry: String,
        image: String,
        status: u16,
        message: String,
    },

    /// Answers that break the protocol: bad headers, oversized or undecodable bodies.
    #[error("bad response from registry {registry}: {message}")]
    Protocol { registry: String, message: String },

    /// `logout` (or `login --get-login`) for a registry with no saved credentials.
    #[error("not logged into {registry}")]
    NotLoggedIn { registry: String },

    #[error("cannot tell where to keep credentials: set XDG_RUNTIME_DIR or pass --authfile")]
    NoAuthFile,

    #[error("cannot read credentials from {}: {message}", .path.display())]
    Credentials { path: PathBuf, message: String },

    #[error("invalid digest {digest}: {reason}")]
    InvalidDigest { digest: String, reason: String },

    #[error("cannot set up the http client: {0}")]
    Setup(String),
}

fn not_found_message(image: &str, blob: Option<&str>) -> String {
    match blob {
        Some(digest) => format!("blob {digest} of image {image} not found in the registry"),
        None => format!("image {image} not found in the registry"),
    }
}

fn unauthorized_message(image: &str, registry: &str, had_credentials: bool) -> String {
    if had_credentials {
        format!("unauthorized: the registry {registry} refused the credentials for {image}")
    } else {
        format!("authentication required for {image}: log in with coracle login")
    }
}

/// The distribution spec's error body: `{"errors":[{"code":..,"message":..}]}`.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct ErrorBody {
    #[serde(default)]
    pub errors: Vec<ErrorEntry>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct ErrorEntry {
    #[serde(default)]
    pub code: String,
    #[serde(default)]
    pub message: String,
}

impl ErrorBody {
    /// Parses a body; anything that is not the spec's JSON gives no entries.
    pub fn parse(body: &[u8]) -> ErrorBody {
        serde_json::from_slice(body).unwrap_or_default()
    }

    pub fn has_code(&self, codes: &[&str]) -> bool {
        self.errors.iter().any(|e| codes.contains(&e.code.as_str()))
    }

    /// One line for a user: `code: message; code: message`, or the body's first
    /// line of text when it is not the spec's JSON.
    pub fn summary(&self, body: &[u8], reason: &str) -> String {
        if !self.errors.is_empty() {
            return self
                .errors
                .iter()
                .map(|e| match (e.code.is_empty(), e.message.is_empty()) {
                    (false, false) => format!("{}: {}", e.code.to_lowercase(), e.message),
                    (false, true) => e.code.to_lowercase(),
                    _ => e.message.clone(),
                })
                .collect::<Vec<_>>()
                .join("; ");
        }
        let text = String::from_utf8_lossy(body);
        let line = text.lines().map(str::trim).find(|l| !l.is_empty());
        match line {
            Some(l) if l.len() <= 200 && !l.starts_with('<') => l.to_string(),
            _ => reason.to_string(),
        }
    }
}

/// A short, lower-case cause for a failed request: the innermost error in the
/// chain (`connection refused`), not reqwest's wrapping.
pub(crate) fn cause_of(err: &(dyn std::error::Error + 'static)) -> String {
    let mut innermost = err;
    let mut io_kind = None;
    let mut cert_problem = false;
    let mut cur = Some(err);
    while let Some(e) = cur {
        innermost = e;
        if let Some(tls) = e.downcast_ref::<rustls::Error>() {
            cert_problem |= matches!(tls, rustls::Error::InvalidCertificate(_));
        }
        cur = match e.downcast_ref::<std::io::Error>() {
            Some(io) => {
                use std::io::ErrorKind::{ConnectionRefused, ConnectionReset, TimedOut};
                if matches!(io.kind(), ConnectionRefused | ConnectionReset | TimedOut) {
                    io_kind.get_or_insert(io.kind());
                }
                // An io::Error's source() skips the error it wraps; rustls's
                // handshake errors sit in there, sometimes two io::Errors deep.
                match io.get_ref() {
                    Some(inner) => Some(inner as &(dyn std::error::Error + 'static)),
                    None => e.source(),
                }
            }
            None => e.source(),
        };
    }
    let mut text = match io_kind {
        Some(std::io::ErrorKind::ConnectionRefused) => "connection refused".to_string(),
        Some(std::io::ErrorKind::ConnectionReset) => "connection reset by peer".to_string(),
        Some(std::io::ErrorKind::TimedOut) => "timed out".to_string(),
        _ => clean(&innermost.to_string()),
    };
    if text.ends_with("timed out") {
        text = "timed out".to_string();
    }
    if cert_problem {
        text.push_str(" (use --tls-verify=false if the registry has a self-signed certificate)");
    }
    text
}

/// `Connection refused (os error 111)` -> `connection refused`.
fn clean(s: &str) -> String {
    let s = match s.rfind(" (os error ") {
        Some(i) if s.ends_with(')') => &s[..i],
        _ => s,
    };
    let mut chars = s.chars();
    match chars.next() {
        Some(c) => c.to_lowercase().chain(chars).collect(),
        None => "unknown error".to_string(),
    }
}

impl Kinded for RegistryError {
    fn kind(&self) -> ErrorKind {
        match self {
            RegistryError::NotFound { .. } | RegistryError::NotLoggedIn { .. } => {
                ErrorKind::NotFound
            }
            RegistryError::Unauthorized { .. } | RegistryError::LoginRefused { .. } => {
                ErrorKind::NotPermitted
            }
            // The user's own input: a digest typed, an auth file they keep.
            RegistryError::InvalidDigest { .. }
            | RegistryError::NoAuthFile
            | RegistryError::Credentials { .. } => ErrorKind::Invalid,
            // The registry's failures, or the network's.
            RegistryError::Unreachable { .. }
            | RegistryError::Transfer { .. }
            | RegistryError::Upload { .. }
            | RegistryError::DigestMismatch { .. }
            | RegistryError::Http { .. }
            | RegistryError::Protocol { .. }
            | RegistryError::Setup(_) => ErrorKind::Internal,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages() {
        let e = RegistryError::NotFound {
            image: "127.0.0.1:5000/nope:latest".into(),
            blob: None,
        };
        assert_eq!(
            e.to_string(),
            "image 127.0.0.1:5000/nope:latest not found in the registry"
        );
        let e = RegistryError::Unauthorized {
            image: "127.0.0.1:5000/foo:latest".into(),
            registry: "127.0.0.1:5000".into(),
            had_credentials: false,
        };
        assert_eq!(
            e.to_string(),
            "authentication required for 127.0.0.1:5000/foo:latest: log in with coracle login"
        );
        let e = RegistryError::Unauthorized {
            image: "127.0.0.1:5000/foo:latest".into(),
            registry: "127.0.0.1:5000".into(),
            had_credentials: true,
        };
        assert_eq!(
            e.to_string(),
            "unauthorized: the registry 127.0.0.1:5000 refused the credentials for 127.0.0.1:5000/foo:latest"
        );
        let e = RegistryError::Unreachable {
            registry: "127.0.0.1:5999".into(),
            cause: "connection refused".into(),
        };
        assert_eq!(
            e.to_string(),
            "registry 127.0.0.1:5999 is unreachable: connection refused"
        );
    }

    #[test]
    fn error_bodies() {
        let body = br#"{"errors":[{"code":"MANIFEST_UNKNOWN","message":"manifest unknown","detail":{"Tag":"x"}}]}"#;
        let parsed = ErrorBody::parse(body);
        assert!(parsed.has_code(&["NAME_UNKNOWN", "MANIFEST_UNKNOWN"]));
        assert_eq!(
            parsed.summary(body, "404"),
            "manifest_unknown: manifest unknown"
        );
        let body = b"<html>gateway</html>";
        assert_eq!(
            ErrorBody::parse(body).summary(body, "bad gateway"),
            "bad gateway"
        );
        let body = b"too many requests\n";
        assert_eq!(
            ErrorBody::parse(body).summary(body, "x"),
            "too many requests"
        );
        assert_eq!(
            ErrorBody::parse(b"").summary(b"", "service unavailable"),
            "service unavailable"
        );
    }

    #[test]
    fn causes_are_short() {
        let io = std::io::Error::from(std::io::ErrorKind::ConnectionRefused);
        assert_eq!(cause_of(&io), "connection refused");
        assert_eq!(
            clean("Connection refused (os error 111)"),
            "connection refused"
        );
        assert_eq!(
            clean("Failed to lookup address"),
            "failed to lookup address"
        );
    }
}
