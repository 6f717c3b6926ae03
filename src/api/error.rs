//! What the API answers when something fails: Docker's `{"message": …}` with
//! the status code Docker gives for that kind of failure.

use super::http::HttpError;
use crate::engine::{Error as EngineError, ErrorKind};

#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub struct Error {
    pub status: u16,
    pub message: String,
}

impl Error {
    pub fn new(status: u16, message: impl Into<String>) -> Error {
        Error {
            status,
            message: message.into(),
        }
    }

    pub fn bad_request(message: impl Into<String>) -> Error {
        Error::new(400, message)
    }

    pub fn not_found(message: impl Into<String>) -> Error {
        Error::new(404, message)
    }

    /// A path no route serves: Docker's words.
    pub fn no_route() -> Error {
        Error::new(404, "page not found")
    }
}

impl From<EngineError> for Error {
    fn from(e: EngineError) -> Error {
        let status = match e.kind() {
            ErrorKind::NotFound => 404,
            ErrorKind::Conflict => 409,
            ErrorKind::Invalid => 400,
            ErrorKind::NotPermitted => 403,
            ErrorKind::Internal => 500,
        };
        Error::new(status, e.to_string())
    }
}

impl From<HttpError> for Error {
    fn from(e: HttpError) -> Error {
        let status = match &e {
            HttpError::Malformed(_) | HttpError::Io(_) => 400,
            HttpError::HeadTooLarge => 431,
            HttpError::BodyTooLarge(_) => 413,
        };
        Error::new(status, e.to_string())
    }
}

impl From<std::io::Error> for Error {
    fn from(e: std::io::Error) -> Error {
        Error::new(500, e.to_string())
    }
}

impl From<serde_json::Error> for Error {
    fn from(e: serde_json::Error) -> Error {
        Error::new(400, format!("invalid JSON: {e}"))
    }
}
