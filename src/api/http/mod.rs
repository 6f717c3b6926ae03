//! HTTP/1.1 framing for the API socket. Each request is served by a fresh
//! single-threaded process (see connection.rs), so this is blocking I/O over
//! the connection's descriptor: httparse reads heads, the rest is framing.

mod request;
mod response;

pub use request::{Body, Head};
pub use response::{Chunked, Response, API_VERSION};

#[derive(Debug, thiserror::Error)]
pub enum HttpError {
    #[error("malformed request: {0}")]
    Malformed(String),
    #[error("request header fields too large")]
    HeadTooLarge,
    #[error("request body too large: more than {0} bytes")]
    BodyTooLarge(u64),
    #[error(transparent)]
    Io(#[from] std::io::Error),
}
