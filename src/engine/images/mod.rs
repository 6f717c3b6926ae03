//! Image operations: pull, list, inspect, tag, remove, prune, history.

pub mod archive;
pub mod config;
mod error;
pub mod history;
pub mod inspect;
pub mod list;
pub mod mount;
pub mod policy;
pub mod prune_filter;
pub mod pull;
pub mod push;
pub mod remote;
pub mod remove;
mod resolve;
pub mod search;
pub mod tag;
pub mod tree;

pub use error::ImagesError;
pub use resolve::resolve;

/// A stored full name (`registry/repository:tag` or `@digest`) as Docker shows it.
pub fn familiar(name: &str) -> String {
    crate::engine::oci::reference::Reference::parse(name)
        .map(|r| r.familiar_full())
        .unwrap_or_else(|_| name.to_owned())
}
