//! What the API server and the remote engine both speak on a socket: HTTP/1.1
//! bodies (Content-Length or chunked) and Docker's multiplexed stdio frames.

pub mod body;
pub mod frames;

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
