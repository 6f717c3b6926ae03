//! Image references, platforms, manifests and configs.

pub mod platform;
pub mod reference;
