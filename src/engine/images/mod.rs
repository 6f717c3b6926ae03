//! Image operations: pull, list, inspect, tag, remove, prune, history.

pub mod config;
mod error;
pub mod history;
pub mod inspect;
pub mod list;
pub mod pull;
pub mod remove;
mod resolve;
pub mod tag;

pub use error::ImagesError;
pub use resolve::resolve;
