//! How a container finds names: `--dns`, `--dns-search`, `--dns-option`,
//! `--add-host` and `--no-hosts`, checked here and stored with the container.

use super::NetError;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::net::IpAddr;

/// What the user asked for about the container's resolv.conf and hosts file.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct NameOptions {
    /// `--dns`: the nameservers, instead of the host's.
    #[serde(default)]
    pub dns: Vec<IpAddr>,
    /// `--dns-search`: the search domains, instead of the host's (`.` for none).
    #[serde(default)]
    pub dns_search: Vec<String>,
    /// `--dns-option`: resolver options, instead of the host's.
    #[serde(default)]
    pub dns_options: Vec<String>,
    /// `--add-host`: written first in the container's /etc/hosts.
    #[serde(default)]
    pub add_hosts: Vec<ExtraHost>,
    /// `--no-hosts`: the image's /etc/hosts is left as it is.
    #[serde(default)]
    pub no_hosts: bool,
}

impl NameOptions {
    /// Reads the flags as given; the first bad one is the error.
    pub fn parse(
        dns: &[String],
        dns_search: &[String],
        dns_options: &[String],
        add_hosts: &[String],
        no_hosts: bool,
    ) -> Result<NameOptions, NetError> {
        let dns = dns
            .iter()
            .map(|d| {
                d.parse::<IpAddr>().map_err(|_| {
                    NetError::Invalid(format!(
                        "--dns {d:?}: not an IP address (as 1.1.1.1 or ::1)"
                    ))
                })
            })
            .collect::<Result<_, _>>()?;
        for s in dns_search {
            if s.is_empty() || s.contains(char::is_whitespace) {
                return Err(NetError::Invalid(format!(
                    "--dns-search {s:?}: give one domain, without spaces"
                )));
            }
        }
        for o in dns_options {
            if o.is_empty() || o.contains(char::is_whitespace) {
                return Err(NetError::Invalid(format!(
                    "--dns-option {o:?}: give one option, without spaces (as ndots:2)"
                )));
            }
        }
        if no_hosts && !add_hosts.is_empty() {
            return Err(NetError::Invalid(
                "conflicting options: --add-host and --no-hosts: --no-hosts leaves /etc/hosts alone".into(),
            ));
        }
        Ok(NameOptions {
            dns,
            dns_search: dns_search.to_vec(),
            dns_options: dns_options.to_vec(),
            add_hosts: add_hosts
                .iter()
                .map(|h| h.parse())
                .collect::<Result<_, _>>()?,
            no_hosts,
        })
    }

    /// Whether any of these flags was given.
    pub fn any(&self) -> bool {
        *self != NameOptions::default()
    }
}

/// `--add-host NAME:IP`, where IP may be `host-gateway`: the host as the
/// network helper maps it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(into = "String", try_from = "String")]
pub struct ExtraHost {
    pub name: String,
    pub ip: HostIp,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HostIp {
    Addr(IpAddr),
    HostGateway,
}

impl std::str::FromStr for ExtraHost {
    type Err = NetError;

    fn from_str(s: &str) -> Result<ExtraHost, NetError> {
        let bad = |why: &str| NetError::Invalid(format!("--add-host {s:?}: {why}"));
        // Docker also takes NAME=IP, and an IPv6 address has colons of its own.
        let (name, ip) = s
            .split_once('=')
            .or_else(|| s.split_once(':'))
            .ok_or_else(|| bad("use NAME:IP"))?;
        if name.is_empty() || name.contains(char::is_whitespace) {
            return Err(bad("the name is empty or has spaces"));
        }
        let ip = match ip.trim_start_matches('[').trim_end_matches(']') {
            "host-gateway" => HostIp::HostGateway,
            ip => HostIp::Addr(
                ip.parse()
                    .map_err(|_| bad("not an IP address after the name (nor host-gateway)"))?,
            ),
        };
        Ok(ExtraHost {
            name: name.to_owned(),
            ip,
        })
    }
}

impl fmt::Display for ExtraHost {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.ip {
            HostIp::Addr(ip) => write!(f, "{}:{ip}", self.name),
            HostIp::HostGateway => write!(f, "{}:host-gateway", self.name),
        }
    }
}

impl From<ExtraHost> for String {
    fn from(h: ExtraHost) -> String {
        h.to_string()
    }
}

impl TryFrom<String> for ExtraHost {
    type Error = NetError;

    fn try_from(s: String) -> Result<ExtraHost, NetError> {
        s.parse()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(dns: &[&str], hosts: &[&str]) -> Result<NameOptions, NetError> {
        let own = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        NameOptions::parse(&own(dns), &[], &[], &own(hosts), false)
    }

    #[test]
    fn add_host_takes_ipv4_ipv6_and_host_gateway() {
        let o = parse(
            &[],
            &["db:10.1.2.3", "six:::1", "h=[fe80::1]", "gw:host-gateway"],
        )
        .unwrap();
        let shown: Vec<String> = o.add_hosts.iter().map(|h| h.to_string()).collect();
        assert_eq!(
            shown,
            ["db:10.1.2.3", "six:::1", "h:fe80::1", "gw:host-gateway"]
        );
        assert_eq!(o.add_hosts[3].ip, HostIp::HostGateway);
    }

    #[test]
    fn bad_addresses_are_named() {
        let e = parse(&["1.2.3"], &[]).unwrap_err().to_string();
        assert!(e.contains("--dns \"1.2.3\""), "{e}");
        for bad in ["db", "db:300.1.1.1", ":1.2.3.4", "db:"] {
            let e = parse(&[], &[bad]).unwrap_err().to_string();
            assert!(e.starts_with("--add-host"), "{e}");
        }
        let own = |s: &str| vec![s.to_owned()];
        assert!(NameOptions::parse(&[], &[], &[], &own("a:1.1.1.1"), true).is_err());
        assert!(NameOptions::parse(&[], &own("a b"), &[], &[], false).is_err());
    }

    #[test]
    fn stored_as_flags_spell_them() {
        let o = parse(&["9.9.9.9"], &["db:10.1.2.3"]).unwrap();
        let json = serde_json::to_string(&o).unwrap();
        assert!(json.contains("\"db:10.1.2.3\""), "{json}");
        assert_eq!(serde_json::from_str::<NameOptions>(&json).unwrap(), o);
        assert_eq!(
            serde_json::from_str::<NameOptions>("{}").unwrap(),
            NameOptions::default()
        );
    }
}
