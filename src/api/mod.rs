//! The Docker Engine API, served on demand (`system service`): Docker's request
//! and response shapes over the same engine interface the CLI calls. The
//! service forks a process per connection and that process one per request, so
//! each request runs as a CLI command would (see connection.rs).

mod archive;
mod connection;
pub(crate) mod containers;
mod disk_usage;
mod error;
mod events;
mod exchange;
mod exec;
mod filters;
pub(crate) mod http;
mod images;
mod listen;
mod network_json;
mod networks;
pub(crate) mod router;
mod service;
mod stdio;
mod system;
mod volumes;

pub use service::{serve, ServiceOptions};
