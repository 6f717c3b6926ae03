//! Entry points for the fuzz targets in fuzz/ and for the test that runs their
//! seed corpora. Each takes arbitrary bytes, drives one parser the way coracle's
//! own callers do, and panics only where an invariant breaks: a panic here is a
//! bug in coracle, whatever the input.

mod api_request;
mod dockerfile;
mod manifest;
mod reference;
mod tar_unpack;
mod template;
#[cfg(test)]
mod tests;

pub use api_request::api_request;
pub use dockerfile::dockerfile;
pub use manifest::manifest;
pub use reference::reference;
pub use tar_unpack::tar_unpack;
pub use template::template;

/// A target: arbitrary bytes in, a panic only on a bug.
pub type Target = fn(&[u8]);

/// Every target by name, as fuzz/ and scripts/fuzz name them.
pub const TARGETS: [(&str, Target); 6] = [
    ("reference", reference),
    ("manifest", manifest),
    ("dockerfile", dockerfile),
    ("tar_unpack", tar_unpack),
    ("template", template),
    ("api_request", api_request),
];
