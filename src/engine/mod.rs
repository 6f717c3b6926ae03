//! The operations. Nothing in here prints: progress goes out through callbacks
//! and errors through each module's own error type.

pub mod build;
pub mod containers;
pub mod context;
pub mod duration;
pub mod images;
pub mod monitor;
pub mod oci;
pub mod registry;
pub mod runtime;
pub mod store;
pub mod system;
pub mod userns;
