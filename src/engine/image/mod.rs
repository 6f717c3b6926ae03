//! Image references, platforms, manifests and configs.

pub mod reference;
