//! `/networks`: Docker's network verbs over the engine's NetworkEngine, with
//! Docker's names for the built-in networks (see network_json.rs).

use super::error::Error;
use super::exchange::Exchange;
use super::filters;
use super::network_json::{self, engine_name, engine_option, mode_network, PREDEFINED};
use super::router::name_and_action;
use crate::engine::interface::Engine;
use crate::engine::net::network::DEFAULT_NAME;
use crate::engine::networks::{list, ConnectOptions, CreateOptions};
use crate::engine::ErrorKind;
use bollard_stubs::models::{
    NetworkConnectRequest, NetworkCreateRequest, NetworkCreateResponse, NetworkDisconnectRequest,
    NetworkPruneResponse,
};

pub fn route(engine: &dyn Engine, ex: &mut Exchange, rest: &str) -> Result<(), Error> {
    let (name, action) = name_and_action(rest, &["connect", "disconnect"]);
    match (ex.head.method.as_str(), name, action) {
        ("GET", "", None) => list(engine, ex),
        ("POST", "create", None) => create(engine, ex),
        ("POST", "prune", None) => prune(engine, ex),
        ("GET", name, None) if !name.is_empty() => inspect(engine, ex, name),
        ("DELETE", name, None) if !name.is_empty() => remove(engine, ex, name),
        ("POST", name, Some("connect")) => connect(engine, ex, name),
        ("POST", name, Some("disconnect")) => disconnect(engine, ex, name),
        _ => Err(Error::no_route()),
    }
}

/// Docker's keys the engine does not know: `type` (custom or builtin) and
/// `scope` (every network here is local) are read here.
fn list(engine: &dyn Engine, ex: &mut Exchange) -> Result<(), Error> {
    let mut filters = filters::of(&ex.head)?;
    let types = filters::take(&mut filters, "type");
    let scopes = filters::take(&mut filters, "scope");
    if let Some(t) = types
        .iter()
        .find(|t| !["custom", "builtin"].contains(&t.as_str()))
    {
        return Err(Error::bad_request(format!(
            "invalid filter: 'type'='{t}': use custom or builtin"
        )));
    }
    let wanted = |builtin: bool| {
        let kind = if builtin { "builtin" } else { "custom" };
        (types.is_empty() || types.iter().any(|t| t == kind))
            && (scopes.is_empty() || scopes.iter().any(|s| s == "local"))
    };
    let mut networks = Vec::new();
    // The default network is matched under Docker's name, as are host and none.
    for n in engine.list_networks(&filters)? {
        if n.name != DEFAULT_NAME && wanted(false) {
            networks.push(n);
        }
    }
    let default = engine.inspect_network(DEFAULT_NAME)?;
    let builtins = [Some(network_json::docker_named(default))]
        .into_iter()
        .chain(["host", "none"].map(mode_network))
        .flatten();
    for n in builtins {
        if wanted(true) && list::matches(&filters, &n).map_err(crate::engine::Error::from)? {
            networks.push(n);
        }
    }
    let body: Vec<serde_json::Value> = networks
        .into_iter()
        .map(|n| network_json::network(n, Vec::new()))
        .collect::<Result<_, _>>()?;
    Ok(ex.reply.json(200, &body)?)
}

fn inspect(engine: &dyn Engine, ex: &mut Exchange, name: &str) -> Result<(), Error> {
    // Listed with their IDs, host and none are inspected by them too.
    let mode = ["host", "none"]
        .into_iter()
        .filter_map(mode_network)
        .find(|n| n.name == name || n.id == name);
    if let Some(n) = mode {
        return Ok(ex.reply.json(200, &network_json::network(n, Vec::new())?)?);
    }
    let n = engine
        .inspect_network(engine_name(name))
        .map_err(|e| not_found(e, name))?;
    let members = engine.network_members(&n.name)?;
    Ok(ex.reply.json(200, &network_json::network(n, members)?)?)
}

fn create(engine: &dyn Engine, ex: &mut Exchange) -> Result<(), Error> {
    let request: NetworkCreateRequest = ex.json()?;
    let opts = create_options(request)?;
    let n = engine.create_network(&opts)?;
    let body = NetworkCreateResponse {
        id: Some(n.id),
        warning: Some(String::new()),
    };
    Ok(ex.reply.json(201, &body)?)
}

/// Docker's request as `network create`'s options; what coracle cannot make
/// (IPv6, other IPAM drivers, several subnets) is refused, not ignored.
fn create_options(request: NetworkCreateRequest) -> Result<CreateOptions, Error> {
    let name = request.name;
    if name.is_empty() {
        return Err(Error::bad_request("network name cannot be empty"));
    }
    if PREDEFINED.contains(&name.as_str()) {
        return Err(Error::new(
            409,
            format!("network with name {name} already exists"),
        ));
    }
    if request.enable_ipv6 == Some(true) {
        return Err(Error::bad_request(
            "IPv6 networks are not supported: coracle's networks are IPv4 only",
        ));
    }
    let ipam = request.ipam.unwrap_or_default();
    if let Some(driver) = ipam.driver.as_deref().filter(|d| *d != "default") {
        return Err(Error::bad_request(format!(
            "IPAM driver {driver:?} is not supported: use default"
        )));
    }
    let mut configs = ipam.config.unwrap_or_default();
    if configs.len() > 1 {
        return Err(Error::bad_request(
            "only one IPAM config (subnet) per network is supported",
        ));
    }
    let config = configs.pop().unwrap_or_default();
    let driver = request.driver.filter(|d| !d.is_empty());
    Ok(CreateOptions {
        name: Some(name),
        driver,
        subnet: config.subnet.filter(|s| !s.is_empty()),
        gateway: config.gateway.filter(|s| !s.is_empty()),
        ip_range: config.ip_range.filter(|s| !s.is_empty()),
        internal: request.internal.unwrap_or(false),
        disable_dns: false,
        labels: request.labels.unwrap_or_default().into_iter().collect(),
        options: request
            .options
            .unwrap_or_default()
            .into_iter()
            .map(|(k, v)| (engine_option(&k).to_owned(), v))
            .collect(),
    })
}

/// Docker refuses to remove its built-in networks (403, by name or ID), and
/// a network containers are on (403 too).
fn remove(engine: &dyn Engine, ex: &mut Exchange, name: &str) -> Result<(), Error> {
    let predefined = || {
        Error::new(
            403,
            format!("{name} is a pre-defined network and cannot be removed"),
        )
    };
    if PREDEFINED.contains(&name) {
        return Err(predefined());
    }
    let network = engine
        .inspect_network(name)
        .map_err(|e| not_found(e, name))?;
    if network.name == DEFAULT_NAME {
        return Err(predefined());
    }
    let result = engine
        .remove_networks(&[network.name], false, None)?
        .pop()
        .unwrap_or(Ok(()));
    match result {
        Ok(()) => Ok(ex.reply.empty(204, &[])?),
        Err(e) if e.kind() == ErrorKind::Conflict => Err(Error::new(
            403,
            format!("error while removing network: {e}"),
        )),
        Err(e) => Err(e.into()),
    }
}

fn prune(engine: &dyn Engine, ex: &mut Exchange) -> Result<(), Error> {
    let filters = filters::of(&ex.head)?;
    let deleted = engine.prune_networks(&filters)?;
    let body = NetworkPruneResponse {
        networks_deleted: Some(deleted),
    };
    Ok(ex.reply.json(200, &body)?)
}

fn connect(engine: &dyn Engine, ex: &mut Exchange, name: &str) -> Result<(), Error> {
    let request: NetworkConnectRequest = ex.json()?;
    let container = required_container(request.container)?;
    let endpoint = request.endpoint_config.unwrap_or_default();
    let opts = ConnectOptions {
        network: engine_name(name).to_owned(),
        container,
        aliases: endpoint.aliases.unwrap_or_default(),
        ip: endpoint
            .ipam_config
            .and_then(|c| c.ipv4_address)
            .filter(|ip| !ip.is_empty()),
    };
    check_network(engine, name)?;
    // Docker forbids (403) joining a network twice.
    match engine.connect_network(&opts) {
        Ok(()) => Ok(ex.reply.empty(200, &[])?),
        Err(e) if e.kind() == ErrorKind::Conflict => Err(Error::new(403, e.to_string())),
        Err(e) => Err(e.into()),
    }
}

fn disconnect(engine: &dyn Engine, ex: &mut Exchange, name: &str) -> Result<(), Error> {
    let request: NetworkDisconnectRequest = ex.json()?;
    let container = required_container(request.container)?;
    check_network(engine, name)?;
    engine.disconnect_network(
        engine_name(name),
        &container,
        request.force.unwrap_or(false),
    )?;
    Ok(ex.reply.empty(200, &[])?)
}

fn required_container(container: Option<String>) -> Result<String, Error> {
    container
        .filter(|c| !c.is_empty())
        .ok_or_else(|| Error::bad_request("no container given: set Container in the body"))
}

/// The network exists (its 404 comes before the container's, as Docker's);
/// `host` and `none` are modes a container cannot join afterwards.
fn check_network(engine: &dyn Engine, name: &str) -> Result<(), Error> {
    if mode_network(name).is_some() {
        return Err(Error::new(
            403,
            format!("container cannot be disconnected from or connected to network {name}: it is a network mode, not a network"),
        ));
    }
    engine
        .inspect_network(engine_name(name))
        .map(drop)
        .map_err(|e| not_found(e, name))
}

/// Docker's words for a network that is not there.
fn not_found(e: crate::engine::Error, name: &str) -> Error {
    match e.kind() {
        ErrorKind::NotFound => Error::not_found(format!("network {name} not found")),
        _ => e.into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use bollard_stubs::models::{Ipam, IpamConfig};
    use std::collections::HashMap;

    #[test]
    fn dockers_create_request_becomes_network_create_options() {
        let request: NetworkCreateRequest = serde_json::from_str(
            r#"{"Name":"n1","Driver":"bridge","Scope":"","Internal":true,"ConfigOnly":false,
                "IPAM":{"Driver":"default","Options":{},"Config":[{"Subnet":"10.5.0.0/24","Gateway":"10.5.0.1"}]},
                "Options":{"com.docker.network.driver.mtu":"1400"},"Labels":{"a":"b"}}"#,
        )
        .unwrap();
        let opts = create_options(request).unwrap();
        assert_eq!(opts.name.as_deref(), Some("n1"));
        assert_eq!(opts.subnet.as_deref(), Some("10.5.0.0/24"));
        assert_eq!(opts.gateway.as_deref(), Some("10.5.0.1"));
        assert!(opts.internal);
        assert_eq!(opts.options, [("mtu".to_owned(), "1400".to_owned())]);
        assert_eq!(opts.labels, [("a".to_owned(), "b".to_owned())]);
    }

    #[test]
    fn what_coracle_cannot_make_is_refused() {
        let named = |name: &str| NetworkCreateRequest {
            name: name.into(),
            ..Default::default()
        };
        assert_eq!(create_options(named("bridge")).unwrap_err().status, 409);
        assert_eq!(create_options(named("")).unwrap_err().status, 400);
        let ipv6 = NetworkCreateRequest {
            enable_ipv6: Some(true),
            ..named("n")
        };
        assert_eq!(create_options(ipv6).unwrap_err().status, 400);
        let two = NetworkCreateRequest {
            ipam: Some(Ipam {
                config: Some(vec![IpamConfig::default(), IpamConfig::default()]),
                options: Some(HashMap::new()),
                ..Default::default()
            }),
            ..named("n")
        };
        assert_eq!(create_options(two).unwrap_err().status, 400);
    }
}
