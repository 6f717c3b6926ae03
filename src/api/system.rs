//! `/_ping`, `/version`, `/info`: what a client asks before anything else;
//! `/system/df` and `/auth`, the rest of Docker's system verbs.

use super::error::Error;
use super::exchange::Exchange;
use super::http::API_VERSION;
use super::router::MIN_API_VERSION;
use crate::engine::containers::list::ListOptions;
use crate::engine::interface::{Engine, Status};
use crate::engine::registry::creds::Credentials;
use crate::engine::registry::login::LoginOptions;
use crate::engine::ErrorKind;
use bollard_stubs::models::{AuthConfig, SystemAuthResponse};
use bollard_stubs::models::{
    LocalNodeState, SwarmInfo, SystemInfo, SystemInfoCgroupDriverEnum, SystemInfoCgroupVersionEnum,
    SystemVersion, SystemVersionPlatform,
};
use std::collections::HashSet;

/// Docker Hub, as Docker's clients name it.
const DOCKER_HUB: &str = "https://index.docker.io/v1/";

pub fn route(engine: &dyn Engine, ex: &mut Exchange, noun: &str, rest: &str) -> Result<(), Error> {
    match (ex.head.method.as_str(), noun, rest) {
        ("GET" | "HEAD", "_ping", "") => ping(ex),
        ("GET", "version", "") => version(engine, ex),
        ("GET", "info", "") => info(engine, ex),
        ("GET", "system", "df") => super::disk_usage::df(engine, ex),
        ("POST", "auth", "") => auth(engine, ex),
        _ => Err(Error::no_route()),
    }
}

/// Docker's ping: `OK`, with the headers a client negotiates from; builds go
/// to the legacy builder (Builder-Version 1), as BuildKit is not served.
fn ping(ex: &mut Exchange) -> Result<(), Error> {
    let headers = [
        ("Builder-Version", "1"),
        ("Cache-Control", "no-cache, no-store, must-revalidate"),
        ("Pragma", "no-cache"),
        ("Content-Type", "text/plain; charset=utf-8"),
    ];
    if ex.head.method == "HEAD" {
        ex.reply.empty(200, &headers)?;
        return Ok(());
    }
    ex.reply.head(200, &headers, 2)?;
    std::io::Write::write_all(ex.reply.raw(), b"OK")?;
    Ok(())
}

fn version(engine: &dyn Engine, ex: &mut Exchange) -> Result<(), Error> {
    let v = engine.version()?;
    let arch = v.os_arch.rsplit('/').next().unwrap_or_default().to_owned();
    let body = SystemVersion {
        platform: Some(SystemVersionPlatform {
            name: format!("coracle {}", v.version),
        }),
        version: Some(v.version.clone()),
        api_version: Some(API_VERSION.into()),
        min_api_version: Some(MIN_API_VERSION.into()),
        git_commit: Some(String::new()),
        go_version: Some(String::new()),
        os: Some("linux".into()),
        arch: Some(arch.clone()),
        kernel_version: Some(kernel_release()),
        experimental: Some(false),
        ..SystemVersion::default()
    };
    // The stubs type a component's details as an empty map; Docker's CLI
    // prints the engine's versions from them.
    let mut body = serde_json::to_value(body)?;
    body["Components"] = serde_json::json!([{
        "Name": "Engine",
        "Version": v.version,
        "Details": {
            "ApiVersion": API_VERSION,
            "MinAPIVersion": MIN_API_VERSION,
            "Os": "linux",
            "Arch": arch,
            "KernelVersion": kernel_release(),
            "Experimental": "false",
        },
    }]);
    Ok(ex.reply.json(200, &body)?)
}

fn info(engine: &dyn Engine, ex: &mut Exchange) -> Result<(), Error> {
    let info = engine.info()?;
    let containers = engine.list_containers(&ListOptions {
        all: true,
        ..ListOptions::default()
    })?;
    let count = |wanted: &[Status]| {
        containers
            .iter()
            .filter(|c| wanted.contains(&c.record.state.status))
            .count() as i64
    };
    let images: HashSet<String> = engine
        .list_images(&Default::default())?
        .into_iter()
        .map(|row| row.id)
        .collect();
    let mut security = vec!["name=seccomp,profile=default".to_owned()];
    if info.host.rootless {
        security.push("name=rootless".into());
    }
    let body = SystemInfo {
        id: Some(String::new()),
        containers: Some(containers.len() as i64),
        containers_running: Some(count(&[Status::Running])),
        containers_paused: Some(count(&[Status::Paused])),
        containers_stopped: Some(
            containers.len() as i64 - count(&[Status::Running, Status::Paused]),
        ),
        images: Some(images.len() as i64),
        driver: Some(info.store.graph_driver_name.clone()),
        driver_status: Some(vec![]),
        docker_root_dir: Some(info.store.graph_root.clone()),
        logging_driver: Some("k8s-file".into()),
        cgroup_driver: Some(match info.host.rootless {
            true => SystemInfoCgroupDriverEnum::NONE,
            false => SystemInfoCgroupDriverEnum::CGROUPFS,
        }),
        cgroup_version: Some(match info.host.cgroup_version.as_str() {
            "v2" => SystemInfoCgroupVersionEnum::_2,
            _ => SystemInfoCgroupVersionEnum::_1,
        }),
        kernel_version: Some(info.host.kernel.clone()),
        operating_system: Some(operating_system()),
        os_type: Some("linux".into()),
        architecture: Some(std::env::consts::ARCH.into()),
        ncpu: std::thread::available_parallelism()
            .ok()
            .map(|n| n.get() as i64),
        mem_total: Some(mem_total()),
        name: Some(info.host.hostname.clone()),
        server_version: Some(info.version.version.clone()),
        default_runtime: Some("coracle".into()),
        security_options: Some(security),
        index_server_address: Some(DOCKER_HUB.into()),
        warnings: Some(vec![]),
        swarm: Some(SwarmInfo {
            local_node_state: Some(LocalNodeState::INACTIVE),
            ..SwarmInfo::default()
        }),
        ..SystemInfo::default()
    };
    Ok(ex.reply.json(200, &body)?)
}

/// Checks the credentials with the registry and keeps nothing: the client
/// saves them (Docker's daemon does the same). A registry that refuses them
/// is Docker's 401.
fn auth(engine: &dyn Engine, ex: &mut Exchange) -> Result<(), Error> {
    let request: AuthConfig = ex.json()?;
    let registry = request
        .serveraddress
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| DOCKER_HUB.into());
    let opts = LoginOptions {
        registry,
        authfile: None,
        tls_verify: true,
    };
    let creds = Credentials {
        username: request.username.unwrap_or_default(),
        password: request.password.unwrap_or_default(),
    };
    match engine.check_login(&opts, &creds) {
        Ok(()) => {}
        Err(e) if e.kind() == ErrorKind::NotPermitted => {
            return Err(Error::new(401, e.to_string()))
        }
        Err(e) => return Err(e.into()),
    }
    let body = SystemAuthResponse {
        status: "Login Succeeded".into(),
        identity_token: Some(String::new()),
    };
    Ok(ex.reply.json(200, &body)?)
}

fn kernel_release() -> String {
    nix::sys::utsname::uname()
        .map(|u| u.release().to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// PRETTY_NAME from os-release, as Docker reports the host.
fn operating_system() -> String {
    std::fs::read_to_string("/etc/os-release")
        .ok()
        .and_then(|text| {
            text.lines()
                .find_map(|l| l.strip_prefix("PRETTY_NAME="))
                .map(|v| v.trim_matches('"').to_owned())
        })
        .unwrap_or_else(|| "Linux".into())
}

fn mem_total() -> i64 {
    nix::sys::sysinfo::sysinfo()
        .map(|s| s.ram_total() as i64)
        .unwrap_or(0)
}
