//! `-p`, `--expose` and the image's ExposedPorts, read as Podman reads them.

use super::{Exposed, PortRange, Protocol, Publish};
use crate::engine::net::NetError;
use std::net::IpAddr;

const FORMAT: &str = "use [[IP:][HOSTPORT]:]CTRPORT[/tcp|udp], IPv6 as [IP]:HOSTPORT:CTRPORT";

impl std::str::FromStr for Publish {
    type Err = NetError;

    /// `CTR`, `HOST:CTR`, `IP:HOST:CTR`, `IP::CTR`, `[V6]:HOST:CTR`, `[V6]::CTR`,
    /// each port a number or a range, then `/tcp`, `/udp` or `/tcp,udp`.
    fn from_str(spec: &str) -> Result<Publish, NetError> {
        let bad = |why: &str| NetError::Invalid(format!("invalid --publish {spec:?}: {why}"));
        let (rest, protocols) = match spec.split_once('/') {
            Some((rest, proto)) => (rest, protocols(proto).map_err(|e| bad(&e))?),
            None => (spec, vec![Protocol::Tcp]),
        };
        let (ip, rest) = match rest.strip_prefix('[') {
            Some(bracketed) => {
                let (ip, after) = bracketed
                    .split_once(']')
                    .ok_or_else(|| bad(&format!("no ] after the IPv6 address: {FORMAT}")))?;
                let after = after.strip_prefix(':').ok_or_else(|| {
                    bad(&format!(
                        "the IPv6 address needs host and container ports: {FORMAT}"
                    ))
                })?;
                (Some(ip), after)
            }
            None => (None, rest),
        };
        let parts: Vec<&str> = rest.split(':').collect();
        let (ip, host, ctr) = match (ip, parts.as_slice()) {
            (None, [ctr]) => (None, None, *ctr),
            (None, [host, ctr]) => (None, Some(*host), *ctr),
            (None, [ip, host, ctr]) => (Some(*ip), Some(*host), *ctr),
            (Some(ip), [host, ctr]) => (Some(ip), Some(*host), *ctr),
            _ => return Err(bad(FORMAT)),
        };
        let container_ports = range(ctr).map_err(|e| bad(&format!("container port: {e}")))?;
        let host_ip = match ip {
            None => None,
            Some("") => return Err(bad(&format!("the host IP is empty: {FORMAT}"))),
            Some(text) => match text.parse::<IpAddr>() {
                // Every address is the same as none, as in Podman.
                Ok(ip) if ip.is_unspecified() && ip.is_ipv4() => None,
                Ok(ip) => Some(ip),
                Err(_) if text.contains(':') => {
                    return Err(bad(&format!("put an IPv6 address in brackets: {FORMAT}")))
                }
                Err(_) => return Err(bad(&format!("{text:?} is not an IP address"))),
            },
        };
        let host_ports = match host {
            None | Some("") => None,
            Some(text) => {
                let hosts = range(text).map_err(|e| bad(&format!("host port: {e}")))?;
                if hosts.len() != container_ports.len() && container_ports.len() != 1 {
                    return Err(bad(&format!(
                        "the host range has {} ports, the container range {}: make them as long",
                        hosts.len(),
                        container_ports.len()
                    )));
                }
                Some(hosts)
            }
        };
        Ok(Publish {
            host_ip,
            host_ports,
            container_ports,
            protocols,
        })
    }
}

/// `tcp`, `udp`, or both as `tcp,udp`.
fn protocols(text: &str) -> Result<Vec<Protocol>, String> {
    let mut out = Vec::new();
    for name in text.split(',') {
        let protocol = match name.to_ascii_lowercase().as_str() {
            "tcp" => Protocol::Tcp,
            "udp" => Protocol::Udp,
            "sctp" => return Err("sctp is not supported: publish tcp or udp ports".into()),
            "" => return Err("the protocol is empty: use tcp or udp".into()),
            other => return Err(format!("unknown protocol {other:?}: use tcp or udp")),
        };
        if !out.contains(&protocol) {
            out.push(protocol);
        }
    }
    Ok(out)
}

/// `PORT` or `FIRST-LAST`.
fn range(text: &str) -> Result<PortRange, String> {
    let (first, last) = match text.split_once('-') {
        Some((first, last)) => (port(first)?, port(last)?),
        None => (port(text)?, port(text)?),
    };
    if last < first {
        return Err(format!("the range {text} ends before it starts"));
    }
    Ok(PortRange { first, last })
}

fn port(text: &str) -> Result<u16, String> {
    if text.is_empty() {
        return Err("a port number is missing".into());
    }
    match text.parse::<u16>() {
        Ok(n) if n > 0 => Ok(n),
        _ => Err(format!("{text:?} is not a port number from 1 to 65535")),
    }
}

/// `--expose PORT[-PORT][/tcp|udp]`: the ports it names.
pub fn parse_expose(spec: &str) -> Result<Vec<Exposed>, NetError> {
    let bad = |why: String| NetError::Invalid(format!("invalid --expose {spec:?}: {why}"));
    let (ports, protocols) = match spec.split_once('/') {
        Some((ports, proto)) => (ports, protocols(proto).map_err(bad)?),
        None => (spec, vec![Protocol::Tcp]),
    };
    let ports = range(ports).map_err(bad)?;
    Ok(ports
        .ports()
        .flat_map(|port| {
            protocols
                .iter()
                .map(move |&protocol| Exposed { port, protocol })
        })
        .collect())
}

/// The ports an image's config exposes (`"80/tcp": {}`); a key that is not
/// one (no image of ours writes such) is left out.
pub fn image_exposed(config: &serde_json::Value) -> Vec<Exposed> {
    let Some(ports) = config["config"]["ExposedPorts"].as_object() else {
        return Vec::new();
    };
    ports
        .keys()
        .filter_map(|k| parse_expose(k).ok())
        .flatten()
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn publish(spec: &str) -> Publish {
        spec.parse().unwrap_or_else(|e| panic!("{spec}: {e}"))
    }

    fn error(spec: &str) -> String {
        spec.parse::<Publish>().unwrap_err().to_string()
    }

    fn r(first: u16, last: u16) -> PortRange {
        PortRange { first, last }
    }

    #[test]
    fn every_form_podman_takes() {
        let p = publish("80");
        assert_eq!(
            (p.host_ip, p.host_ports, p.container_ports),
            (None, None, r(80, 80))
        );
        assert_eq!(p.protocols, [Protocol::Tcp]);
        let p = publish("8080:80");
        assert_eq!(
            (p.host_ports, p.container_ports),
            (Some(r(8080, 8080)), r(80, 80))
        );
        let p = publish("127.0.0.1:8080:80");
        assert_eq!(p.host_ip, Some("127.0.0.1".parse().unwrap()));
        assert_eq!(p.host_ports, Some(r(8080, 8080)));
        let p = publish("127.0.0.1::80");
        assert_eq!((p.host_ip.is_some(), p.host_ports), (true, None));
        let p = publish("[::1]:8080:80");
        assert_eq!(p.host_ip, Some("::1".parse().unwrap()));
        assert_eq!(p.host_ports, Some(r(8080, 8080)));
        let p = publish("[::1]::80/udp");
        assert_eq!(
            (p.host_ports, p.protocols.clone()),
            (None, vec![Protocol::Udp])
        );
        assert_eq!(publish("0.0.0.0:8080:80").host_ip, None);
        assert_eq!(publish(":80").host_ports, None);
    }

    #[test]
    fn ranges_and_protocols() {
        let p = publish("8000-8010:80-90");
        assert_eq!(
            (p.host_ports, p.container_ports),
            (Some(r(8000, 8010)), r(80, 90))
        );
        let p = publish("8000-8010:80");
        assert_eq!(
            (p.host_ports, p.container_ports),
            (Some(r(8000, 8010)), r(80, 80))
        );
        assert_eq!(publish("80-82").container_ports, r(80, 82));
        assert_eq!(publish("53/udp").protocols, [Protocol::Udp]);
        assert_eq!(publish("53/TCP").protocols, [Protocol::Tcp]);
        assert_eq!(
            publish("5353:53/tcp,udp").protocols,
            [Protocol::Tcp, Protocol::Udp]
        );
    }

    #[test]
    fn malformed_specs_say_what_is_wrong() {
        for (spec, says) in [
            ("", "port number is missing"),
            ("http", "not a port number"),
            ("0", "not a port number"),
            ("65536:80", "host port"),
            ("8080:", "container port"),
            ("80/sctp", "sctp is not supported"),
            ("80/icmp", "unknown protocol"),
            ("80/", "protocol is empty"),
            ("80/tcp/udp", "unknown protocol"),
            ("8000-8010:80-82", "make them as long"),
            ("90-80", "ends before it starts"),
            ("1:2:3:4", "[[IP:][HOSTPORT]:]CTRPORT"),
            ("::1:8080:80", "[[IP:][HOSTPORT]:]CTRPORT"),
            ("fe80::1:8080:80", "[[IP:][HOSTPORT]:]CTRPORT"),
            ("localhost:8080:80", "not an IP address"),
            (":8080:80", "host IP is empty"),
            ("[::1:8080:80", "no ]"),
            ("[::1]80", "needs host and container ports"),
            ("[::1]:80", "[[IP:][HOSTPORT]:]CTRPORT"),
            ("[nope]:8080:80", "not an IP address"),
        ] {
            let e = error(spec);
            assert!(e.contains(says), "{spec:?}: {e}");
            assert!(
                e.starts_with(&format!("invalid --publish {spec:?}: ")),
                "{e}"
            );
            assert!(!e.contains('\n'), "{e}");
        }
    }

    #[test]
    fn expose_takes_ports_ranges_and_protocols() {
        let e = |port, protocol| Exposed { port, protocol };
        assert_eq!(parse_expose("80").unwrap(), [e(80, Protocol::Tcp)]);
        assert_eq!(
            parse_expose("53-54/udp").unwrap(),
            [e(53, Protocol::Udp), e(54, Protocol::Udp)]
        );
        for bad in ["x", "80/sctp", "0", "9-8"] {
            let err = parse_expose(bad).unwrap_err().to_string();
            assert!(err.starts_with("invalid --expose"), "{err}");
        }
        let config = serde_json::json!({"config": {"ExposedPorts": {"80/tcp": {}, "53/udp": {}, "8080": {}}}});
        let mut got = image_exposed(&config);
        got.sort();
        assert_eq!(
            got,
            [
                e(53, Protocol::Udp),
                e(80, Protocol::Tcp),
                e(8080, Protocol::Tcp)
            ]
        );
        assert!(image_exposed(&serde_json::json!({})).is_empty());
    }
}
