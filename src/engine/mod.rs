//! The operations. Nothing in here prints: progress goes out through callbacks
//! and errors through each module's own error type. `interface` is the front
//! door cli/ and api/ call; `local` implements it over the modules below,
//! `remote` speaks the API to a service.

pub mod build;
pub mod containers;
pub mod containers_conf;
pub mod context;
pub mod diff;
pub mod disk_usage;
pub mod duration;
pub mod error;
pub mod events;
pub mod executor;
pub mod go_time;
pub mod images;
pub mod interface;
pub mod kube;
pub mod local;
pub mod manifests;
pub mod monitor;
pub mod names;
pub mod net;
pub mod networks;
pub mod oci;
pub mod pods;
pub mod process;
pub mod pseudo_file;
pub mod registry;
pub mod remote;
pub mod runtime;
pub mod secrets;
pub mod storage_driver;
pub mod store;
pub mod streams;
pub mod system;
pub mod userns;
pub mod volumes;

pub use error::{Error, ErrorKind};
