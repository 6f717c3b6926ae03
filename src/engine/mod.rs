//! The operations. Nothing in here prints: progress goes out through callbacks
//! and errors through each module's own error type.

pub mod image;
pub mod registry;
pub mod store;
