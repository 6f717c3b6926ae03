//! Published ports as `ps` (Podman's PORTS column) and inspect (Docker's
//! shapes) show them.

use super::{host_ip_text, runs, span, Exposed, PortMapping};
use serde_json::{json, Map, Value};

/// `0.0.0.0:8080->80/tcp, 0.0.0.0:9000-9002->90-92/udp`: a run of ports as one.
pub fn ps_column(ports: &[PortMapping]) -> String {
    runs(ports)
        .into_iter()
        .map(|(p, len)| {
            format!(
                "{}:{}->{}/{}",
                host_ip_text(p.host_ip),
                span(p.host_port, len),
                span(p.container_port, len),
                p.protocol
            )
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// `HostConfig.PortBindings`: what was asked, the address empty when none was.
pub fn port_bindings(ports: &[PortMapping]) -> Value {
    bindings(ports, |p| {
        p.host_ip.map(|ip| ip.to_string()).unwrap_or_default()
    })
}

/// `NetworkSettings.Ports`: every exposed port, with where it is published on
/// the host or null.
pub fn inspect_ports(ports: &[PortMapping], exposed: &[Exposed]) -> Value {
    let mut map = bindings(ports, |p| {
        p.host_ip.map_or("0.0.0.0".to_owned(), |ip| ip.to_string())
    });
    if let Value::Object(m) = &mut map {
        for e in exposed {
            m.entry(e.to_string()).or_insert(Value::Null);
        }
    }
    map
}

fn bindings(ports: &[PortMapping], host_ip: impl Fn(&PortMapping) -> String) -> Value {
    let mut map = Map::new();
    for p in ports {
        let entry = map
            .entry(p.private().to_string())
            .or_insert_with(|| json!([]));
        if let Value::Array(list) = entry {
            list.push(json!({"HostIp": host_ip(p), "HostPort": p.host_port.to_string()}));
        }
    }
    Value::Object(map)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::net::ports::tests::map;
    use crate::engine::net::ports::Protocol;

    #[test]
    fn ps_shows_runs_as_ranges() {
        use Protocol::*;
        let ports = [
            map(None, 8080, 80, Tcp),
            map(Some("127.0.0.1"), 9000, 90, Udp),
            map(Some("127.0.0.1"), 9001, 91, Udp),
            map(Some("::1"), 7000, 70, Tcp),
        ];
        assert_eq!(
            ps_column(&ports),
            "0.0.0.0:8080->80/tcp, 127.0.0.1:9000-9001->90-91/udp, [::1]:7000->70/tcp"
        );
        assert_eq!(ps_column(&[]), "");
    }

    #[test]
    fn inspect_has_dockers_shapes() {
        let ports = [
            map(None, 8080, 80, Protocol::Tcp),
            map(Some("127.0.0.1"), 8081, 80, Protocol::Tcp),
        ];
        let exposed = [
            Exposed {
                port: 80,
                protocol: Protocol::Tcp,
            },
            Exposed {
                port: 443,
                protocol: Protocol::Tcp,
            },
        ];
        assert_eq!(
            inspect_ports(&ports, &exposed),
            json!({
                "80/tcp": [
                    {"HostIp": "0.0.0.0", "HostPort": "8080"},
                    {"HostIp": "127.0.0.1", "HostPort": "8081"},
                ],
                "443/tcp": null,
            })
        );
        assert_eq!(
            port_bindings(&ports)["80/tcp"][0],
            json!({"HostIp": "", "HostPort": "8080"})
        );
    }
}
