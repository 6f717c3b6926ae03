//! Healthchecks: what a container's check is (`--health-*`, else its image's
//! HEALTHCHECK), the state its runs leave (health.json in its directory), and
//! one run of it (check.rs). The container's monitor runs it on schedule;
//! `healthcheck run` runs it by hand.

pub mod check;
pub mod config;
pub mod state;

pub use config::{HealthRequest, Healthcheck, OnFailure};
pub use state::Status;
