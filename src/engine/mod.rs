//! The operations. Nothing in here prints: progress goes out through callbacks
//! and errors through each module's own error type.

pub mod context;
pub mod image;
pub mod images;
pub mod registry;
pub mod store;
pub mod system;
pub mod userns;
