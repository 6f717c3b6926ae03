//! HTTP/1.1 framing for the API socket. Each request is served by a fresh
//! single-threaded process (see connection.rs), so this is blocking I/O over
//! the connection's descriptor: httparse reads heads, the rest is framing.

mod request;
mod response;

pub use crate::wire::body::Body;
pub use crate::wire::HttpError;
pub use request::Head;
pub use response::{Chunked, Response, API_VERSION};
