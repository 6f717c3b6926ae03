//! `POST /containers/create`: Docker's create body (Config, HostConfig,
//! NetworkingConfig) turned into the engine's CreateOptions, as the CLI turns
//! its flags into them. What the engine cannot honour is refused with 400,
//! never dropped.

use super::super::error::Error;
use super::super::exchange::Exchange;
use super::create_settings;
use super::unsupported;
use crate::engine::containers::create::{CreateEvent, CreateOptions, Pulling};
use crate::engine::containers::health::HealthRequest;
use crate::engine::containers::log_config::LogConfig;
use crate::engine::containers::settings::Settings;
use crate::engine::containers::{RestartPolicy, Seccomp};
use crate::engine::images::policy::PullPolicy;
use crate::engine::interface::Engine;
use crate::engine::net::attachments;
use crate::engine::net::names::NameOptions;
use crate::engine::net::ports;
use crate::engine::runtime::ulimit::Ulimit;
use crate::engine::volumes::parse;
use bollard_stubs::models::{
    ContainerConfig, HealthConfig, HostConfig, HostConfigLogConfig, Mount, MountTypeEnum,
    NetworkingConfig, PortMap,
};
use serde::Deserialize;
use std::fmt::Display;
use std::sync::{Arc, Mutex};

/// The body: the container's Config with HostConfig and NetworkingConfig
/// beside its fields, as Docker's ContainerCreateRequest has them.
#[derive(Deserialize)]
pub(crate) struct Body {
    #[serde(flatten)]
    config: ContainerConfig,
    #[serde(rename = "HostConfig", default)]
    host: Option<HostConfig>,
    #[serde(rename = "NetworkingConfig", default)]
    networking: Option<NetworkingConfig>,
}

pub fn create(engine: &dyn Engine, ex: &mut Exchange) -> Result<(), Error> {
    let body: Body = ex.json()?;
    let name = ex.head.param("name").filter(|n| !n.is_empty());
    let opts = plan(body, name.map(|n| n.trim_start_matches('/').to_owned()))?;
    // Docker answers 404 for a missing image and the client pulls it through
    // /images/create, then creates again; the engine never pulls here.
    if let Err(e) = engine.inspect_image(&opts.image) {
        return Err(match Error::from(e) {
            e if e.status == 404 => Error::not_found(format!("No such image: {}", opts.image)),
            e => e,
        });
    }
    let pulling = Pulling {
        policy: PullPolicy::Never,
        tls_verify: true,
        platform: None,
    };
    let warnings = Arc::new(Mutex::new(Vec::new()));
    let heard = warnings.clone();
    let id = engine.create(
        &opts,
        pulling,
        Arc::new(move |event| {
            if let CreateEvent::Warning(text) = event {
                heard.lock().unwrap_or_else(|e| e.into_inner()).push(text);
            }
        }),
    )?;
    let warnings = std::mem::take(&mut *warnings.lock().unwrap_or_else(|e| e.into_inner()));
    Ok(ex
        .reply
        .json(201, &serde_json::json!({ "Id": id, "Warnings": warnings }))?)
}

/// LogConfig as `--log-driver` and `--log-opt`; Docker's default driver,
/// since its clients (docker-py's run) read logs only from drivers they know.
fn log_config(config: Option<&HostConfigLogConfig>) -> Result<LogConfig, Error> {
    let driver = config
        .and_then(|c| c.typ.as_deref())
        .filter(|t| !t.is_empty())
        .unwrap_or("json-file");
    let opts: Vec<String> = config
        .and_then(|c| c.config.as_ref())
        .into_iter()
        .flatten()
        .map(|(k, v)| format!("{k}={v}"))
        .collect();
    LogConfig::parse(Some(driver), &opts).map_err(bad)
}

fn bad(e: impl Display) -> Error {
    Error::bad_request(e.to_string())
}

/// Every field checked and mapped; nothing created yet.
pub(crate) fn plan(body: Body, name: Option<String>) -> Result<CreateOptions, Error> {
    let c = body.config;
    let h = body.host.unwrap_or_default();
    refuse_unsupported(&c, &h)?;
    let limits = super::resources::of_host(&h)?;
    let image = c
        .image
        .clone()
        .filter(|i| !i.is_empty())
        .ok_or_else(|| Error::bad_request("no image was given: set Image"))?;
    // Docker's Entrypoint is a list; the engine takes its first word and
    // the rest lead the command.
    let mut command = c.cmd.clone().unwrap_or_default();
    let entrypoint = match c.entrypoint.clone() {
        None => None,
        Some(words) if words.is_empty() || words == [""] => Some(String::new()),
        Some(words) => {
            let mut words = words.into_iter();
            let first = words.next();
            let mut argv: Vec<String> = words.collect();
            argv.append(&mut command);
            command = argv;
            first
        }
    };
    let mut mounts = Vec::new();
    for bind in h.binds.iter().flatten() {
        mounts.push(parse::volume_flag(bind).map_err(bad)?);
    }
    for m in h.mounts.iter().flatten() {
        mounts.push(parse::mount_flag(&mount_spec(m)?).map_err(bad)?);
    }
    for (path, options) in h.tmpfs.iter().flatten() {
        let spec = match options.is_empty() {
            true => path.clone(),
            false => format!("{path}:{options}"),
        };
        mounts.push(parse::tmpfs_flag(&spec).map_err(bad)?);
    }
    // Config.Volumes declares anonymous volumes, as an image's VOLUME does: a
    // path another mount already covers is that mount's (compose sends both).
    for path in c.volumes.iter().flat_map(|v| v.keys()) {
        let anonymous = parse::volume_flag(path).map_err(bad)?;
        if !mounts
            .iter()
            .any(|m| m.destination == anonymous.destination)
        {
            mounts.push(anonymous);
        }
    }
    let mut expose = Vec::new();
    for port in c.exposed_ports.iter().flat_map(|p| p.keys()) {
        expose.extend(ports::parse_expose(port).map_err(bad)?);
    }
    let (seccomp, no_new_privileges) = security(h.security_opt.as_deref().unwrap_or_default())?;
    let restart = match &h.restart_policy {
        Some(p) => {
            let name = p.name.map(|n| n.to_string()).unwrap_or_default();
            match p.maximum_retry_count {
                Some(n) if n > 0 && name == "on-failure" => format!("{name}:{n}"),
                _ => name,
            }
        }
        None => String::new(),
    };
    let opts = CreateOptions {
        image,
        name,
        command,
        entrypoint,
        env: c.env.clone().unwrap_or_default(),
        workdir: c.working_dir.clone().filter(|w| !w.is_empty()),
        user: c.user.clone().filter(|u| !u.is_empty()),
        hostname: c.hostname.clone().filter(|h| !h.is_empty()),
        network: network(h.network_mode.as_deref(), body.networking)?,
        names: NameOptions::parse(
            h.dns.as_deref().unwrap_or_default(),
            h.dns_search.as_deref().unwrap_or_default(),
            h.dns_options.as_deref().unwrap_or_default(),
            h.extra_hosts.as_deref().unwrap_or_default(),
            false,
        )
        .map_err(bad)?,
        read_only: h.readonly_rootfs.unwrap_or(false),
        privileged: h.privileged.unwrap_or(false),
        cap_add: h.cap_add.clone().unwrap_or_default(),
        cap_drop: h.cap_drop.clone().unwrap_or_default(),
        seccomp,
        no_new_privileges,
        labels: c.labels.clone().unwrap_or_default().into_iter().collect(),
        interactive: c.open_stdin.unwrap_or(false),
        tty: c.tty.unwrap_or(false),
        remove: h.auto_remove.unwrap_or(false),
        stop_signal: c.stop_signal.clone().filter(|s| !s.is_empty()),
        ulimits: h
            .ulimits
            .iter()
            .flatten()
            .map(|u| {
                let name = u.name.clone().unwrap_or_default();
                let soft = u.soft.unwrap_or(0);
                Ulimit::parse(&format!("{name}={soft}:{}", u.hard.unwrap_or(soft)))
            })
            .collect::<Result<_, _>>()
            .map_err(bad)?,
        init: h.init.unwrap_or(false),
        restart: RestartPolicy::parse(&restart).map_err(bad)?,
        publish: publish(h.port_bindings.as_ref())?,
        publish_all: h.publish_all_ports.unwrap_or(false),
        expose,
        mounts,
        volumes_from: h
            .volumes_from
            .iter()
            .flatten()
            .map(|v| parse::volumes_from_flag(v))
            .collect::<Result<_, _>>()
            .map_err(bad)?,
        image_volumes: Default::default(),
        settings: Settings {
            resources: limits,
            health: health(c.healthcheck.as_ref()),
            ..create_settings::settings(&c, &h)?
        },
        userns: create_settings::userns(&h)?,
        extra_mounts: Vec::new(),
        log: log_config(h.log_config.as_ref())?,
        // Secrets and run files are the CLI's.
        ..Default::default()
    };
    opts.validate().map_err(bad)?;
    Ok(opts)
}

/// NetworkMode and the EndpointsConfig: Docker's `default` (and `bridge`,
/// its default network) is the host's default here; a network's aliases come
/// from its endpoint.
fn network(
    mode: Option<&str>,
    networking: Option<NetworkingConfig>,
) -> Result<Option<crate::engine::net::Network>, Error> {
    let endpoints = networking
        .and_then(|n| n.endpoints_config)
        .unwrap_or_default();
    let mode = mode.unwrap_or_default();
    let mut names = Vec::new();
    if !matches!(mode, "" | "default" | "bridge") {
        names.push(mode.to_owned());
    }
    for name in endpoints.keys() {
        if !names.contains(name) && !matches!(name.as_str(), "default" | "bridge") {
            names.push(name.clone());
        }
    }
    let aliases: Vec<String> = endpoints
        .values()
        .flat_map(|e| e.aliases.clone().unwrap_or_default())
        .collect();
    let ip = endpoints
        .values()
        .filter_map(|e| e.ipam_config.as_ref()?.ipv4_address.clone())
        .find(|ip| !ip.is_empty());
    if names.is_empty() && (!aliases.is_empty() || ip.is_some()) {
        return Err(Error::bad_request(
            "network aliases and addresses need a user-defined network: set NetworkMode to its name",
        ));
    }
    attachments::from_flags(&names, &aliases, ip.as_deref()).map_err(bad)
}

/// PortBindings as `-p` specs: `[[IP:]HOSTPORT:]PORT/PROTO`, an empty host
/// port for a free one.
fn publish(bindings: Option<&PortMap>) -> Result<Vec<ports::Publish>, Error> {
    let mut out = Vec::new();
    for (port, hosts) in bindings.into_iter().flatten() {
        let hosts = hosts.clone().unwrap_or_default();
        for host in hosts {
            let ip = host.host_ip.unwrap_or_default();
            let host_port = host.host_port.unwrap_or_default();
            let spec = match (ip.as_str(), host_port.as_str()) {
                ("", "") => port.clone(),
                ("", hp) => format!("{hp}:{port}"),
                (ip, hp) if ip.contains(':') => format!("[{ip}]:{hp}:{port}"),
                (ip, hp) => format!("{ip}:{hp}:{port}"),
            };
            out.push(spec.parse().map_err(bad)?);
        }
    }
    Ok(out)
}

/// A Mount as `--mount` spells it.
fn mount_spec(m: &Mount) -> Result<String, Error> {
    let kind = match m.typ {
        Some(MountTypeEnum::BIND) => "bind",
        Some(MountTypeEnum::VOLUME) | None | Some(MountTypeEnum::EMPTY) => "volume",
        Some(MountTypeEnum::TMPFS) => "tmpfs",
        Some(other) => return Err(unsupported(&format!("Mounts of type {other}"))),
    };
    let mut parts = vec![format!("type={kind}")];
    if let Some(src) = m.source.as_deref().filter(|s| !s.is_empty()) {
        parts.push(format!("src={src}"));
    }
    parts.push(format!("dst={}", m.target.clone().unwrap_or_default()));
    if m.read_only == Some(true) {
        parts.push("ro".into());
    }
    if let Some(b) = &m.bind_options {
        if let Some(p) = b
            .propagation
            .map(|p| p.to_string())
            .filter(|p| !p.is_empty())
        {
            parts.push(format!("bind-propagation={p}"));
        }
        if b.non_recursive == Some(true) {
            parts.push("bind-nonrecursive".into());
        }
    }
    if let Some(v) = &m.volume_options {
        if v.no_copy == Some(true) {
            parts.push("volume-nocopy".into());
        }
        for (k, val) in v.labels.iter().flatten() {
            parts.push(format!("volume-label={k}={val}"));
        }
        if let Some(d) = &v.driver_config {
            if d.name
                .as_deref()
                .is_some_and(|n| !n.is_empty() && n != "local")
            {
                return Err(unsupported("volume drivers other than local"));
            }
            for (k, val) in d.options.iter().flatten() {
                parts.push(format!("volume-opt={k}={val}"));
            }
        }
    }
    if let Some(t) = &m.tmpfs_options {
        if let Some(size) = t.size_bytes.filter(|s| *s > 0) {
            parts.push(format!("tmpfs-size={size}"));
        }
        if let Some(mode) = t.mode.filter(|m| *m > 0) {
            parts.push(format!("tmpfs-mode={mode:o}"));
        }
    }
    Ok(parts.join(","))
}

/// SecurityOpt: what `--security-opt` takes, bar a profile file (Docker's
/// client sends a profile's text, which the engine does not take).
fn security(opts: &[String]) -> Result<(Seccomp, bool), Error> {
    let mut seccomp = Seccomp::Default;
    let mut no_new_privileges = false;
    for opt in opts {
        match opt.split_once(['=', ':']).unwrap_or((opt, "")) {
            ("seccomp", "unconfined") => seccomp = Seccomp::Unconfined,
            ("no-new-privileges", "" | "true") => no_new_privileges = true,
            ("no-new-privileges", "false") => no_new_privileges = false,
            _ => return Err(unsupported(&format!("SecurityOpt {opt:?}"))),
        }
    }
    Ok((seccomp, no_new_privileges))
}

/// Docker's Healthcheck: an empty Test or a zero duration keeps the image's.
fn health(check: Option<&HealthConfig>) -> HealthRequest {
    let Some(check) = check else {
        return HealthRequest::default();
    };
    let positive = |n: Option<i64>| n.filter(|&n| n > 0).map(|n| n as u64);
    HealthRequest {
        test: check.test.clone().filter(|t| !t.is_empty()),
        interval: positive(check.interval),
        timeout: positive(check.timeout),
        start_period: positive(check.start_period),
        retries: positive(check.retries).map(|n| n as u32),
        on_failure: Default::default(),
    }
}

/// The settings the engine has no way to honour: set to anything but their
/// defaults, they fail the create.
fn refuse_unsupported(c: &ContainerConfig, h: &HostConfig) -> Result<(), Error> {
    let text = |v: &Option<String>| v.as_deref().is_some_and(|s| !s.is_empty());
    let list = |v: &Option<Vec<String>>| v.as_ref().is_some_and(|l| !l.is_empty());
    let checks = [
        ("HostConfig.Links", list(&h.links)),
        (
            "HostConfig.Runtime",
            text(&h.runtime) && h.runtime.as_deref() != Some("runc"),
        ),
        ("Config.Domainname", text(&c.domainname)),
        ("Config.NetworkDisabled", c.network_disabled == Some(true)),
    ];
    match checks.iter().find(|(_, on)| *on) {
        Some((name, _)) => Err(unsupported(name)),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan_of(json: serde_json::Value) -> Result<CreateOptions, Error> {
        plan(serde_json::from_value(json).unwrap(), None)
    }

    #[test]
    fn entrypoint_words_after_the_first_lead_the_command() {
        let o = plan_of(serde_json::json!({
            "Image": "busybox", "Entrypoint": ["sh", "-c"], "Cmd": ["echo hi"],
        }))
        .unwrap();
        assert_eq!(o.entrypoint.as_deref(), Some("sh"));
        assert_eq!(o.command, ["-c", "echo hi"]);
        let o = plan_of(serde_json::json!({"Image": "busybox", "Entrypoint": [""]})).unwrap();
        assert_eq!(o.entrypoint.as_deref(), Some(""));
    }

    #[test]
    fn host_config_maps_onto_the_flags() {
        let o = plan_of(serde_json::json!({
            "Image": "busybox",
            "Tty": true, "OpenStdin": true,
            "ExposedPorts": {"81/udp": {}},
            "HostConfig": {
                "AutoRemove": true,
                "RestartPolicy": {"Name": "no", "MaximumRetryCount": 0},
                "PortBindings": {"80/tcp": [{"HostIp": "", "HostPort": "8080"}]},
                "Tmpfs": {"/run": "size=1m"},
                "Mounts": [{"Type": "volume", "Source": "v", "Target": "/v", "ReadOnly": true}],
                "NetworkMode": "default",
                "Ulimits": [{"Name": "nofile", "Soft": 1024, "Hard": 2048}],
                "Memory": 0,
            },
        }))
        .unwrap();
        assert!(o.tty && o.interactive && o.remove);
        assert_eq!(o.publish.len(), 1);
        assert_eq!(o.expose.len(), 1);
        assert_eq!(o.mounts.len(), 2);
        assert!(o.network.is_none());
        assert_eq!(o.ulimits.len(), 1);
    }

    #[test]
    fn a_declared_volume_under_a_bind_is_the_binds() {
        let o = plan_of(serde_json::json!({
            "Image": "b",
            "Volumes": {"/www": {}, "/data": {}},
            "HostConfig": {"Binds": ["app_data:/www:rw"]},
        }))
        .unwrap();
        let mut targets: Vec<_> = o.mounts.iter().map(|m| m.destination.as_str()).collect();
        targets.sort();
        assert_eq!(targets, ["/data", "/www"]);
    }

    #[test]
    fn resource_limits_map_onto_the_flags() {
        let o = plan_of(serde_json::json!({"Image": "b", "HostConfig": {
            "Memory": 33554432, "NanoCpus": 500000000, "PidsLimit": 10, "CpuShares": 512,
            "OomScoreAdj": 100, "MemorySwappiness": -1,
        }}))
        .unwrap();
        let r = &o.settings.resources;
        assert_eq!(r.memory, Some(32 << 20));
        assert_eq!((r.cpu_quota, r.cpu_period), (Some(50_000), Some(100_000)));
        assert_eq!((r.pids_limit, r.cpu_shares), (Some(10), Some(512)));
        assert_eq!((r.oom_score_adj, r.memory_swappiness), (Some(100), None));
    }

    #[test]
    fn what_cannot_be_honoured_is_refused() {
        let e = plan_of(serde_json::json!({"Image": "b", "HostConfig": {"Links": ["a:b"]}}))
            .unwrap_err();
        assert_eq!(
            (e.status, e.message.as_str()),
            (400, "HostConfig.Links is not supported by coracle")
        );
        let e = plan_of(
            serde_json::json!({"Image": "b", "HostConfig": {"SecurityOpt": ["apparmor=x"]}}),
        )
        .unwrap_err();
        assert_eq!(e.status, 400);
        let e = plan_of(serde_json::json!({"Cmd": ["true"]})).unwrap_err();
        assert_eq!(e.status, 400);
    }
}
