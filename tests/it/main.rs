//! Integration tests of the coracle binary, run as an unprivileged user against
//! throwaway registries on 127.0.0.1 (one of each kind per test run, shared).
//!
//! Run with `scripts/test --test it [FILTER]`; keep a failing test's files with
//! `CORACLE_TEST_KEEP=1`.

mod api;
mod archive;
mod auth;
mod build;
mod build_cache;
mod build_context;
mod build_mounts;
mod build_stages;
mod commit;
mod common;
mod cp;
mod diff;
mod events;
mod exec;
mod global_flags;
mod harness;
mod image_cmds;
mod images;
mod import;
mod inspect;
mod interop;
mod lifecycle;
mod login;
mod logs;
mod manifest;
mod mount;
mod mounts;
mod net_bridge;
mod net_connect;
mod net_connect_live;
mod net_names;
mod net_networks;
mod net_ports;
mod net_way_out;
mod parity;
mod peers;
mod ps;
mod pull;
mod push;
mod run;
mod run_tty;
mod safety;
mod store;
mod system;
mod system_df;
mod top;
mod userns;
mod userns_owners;
mod volumes;
