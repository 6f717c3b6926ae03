//! `--network`: which network a container gets, spelled as Podman spells it.
//! Stored in a container's config as that spelling, so records written before
//! a mode existed ("none", "host") still read.

use super::NetError;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::net::IpAddr;
use std::path::PathBuf;

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(into = "Stored", try_from = "Stored")]
pub enum Network {
    /// A network namespace of its own with only loopback.
    #[default]
    None,
    /// The host's network (the user namespace's, rootless).
    Host,
    /// A namespace of its own connected to the host's network by pasta, with
    /// pasta's own options (`pasta:OPT,OPT`).
    Pasta(Vec<String>),
    /// The same through slirp4netns, with its options (`slirp4netns:OPT,OPT`).
    Slirp4netns(Vec<String>),
    /// Another container's network namespace (`container:NAME|ID`).
    Container(String),
    /// A network namespace at a path (`ns:PATH`).
    Ns(PathBuf),
    /// User-defined networks (`--network NAME`, repeatable; `bridge` is the
    /// default one, `podman`): an interface on each network's bridge.
    Bridge(Vec<Attachment>),
}

/// A container's place on one user-defined network, as asked for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Attachment {
    pub network: String,
    /// `--network-alias`, or `NAME:alias=A`: more names it answers to there.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub aliases: Vec<String>,
    /// `--ip`, or `NAME:ip=IP`: a fixed address instead of the next free one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ip: Option<IpAddr>,
}

/// How a mode is kept in a container's record: the spelling for the modes
/// that have one (so records written before `Bridge` existed still read), the
/// attachments for user-defined networks.
#[derive(Serialize, Deserialize)]
#[serde(untagged)]
enum Stored {
    Mode(String),
    Networks(Vec<Attachment>),
}

impl From<Network> for Stored {
    fn from(n: Network) -> Stored {
        match n {
            Network::Bridge(attachments) => Stored::Networks(attachments),
            n => Stored::Mode(n.to_string()),
        }
    }
}

impl TryFrom<Stored> for Network {
    type Error = NetError;

    fn try_from(s: Stored) -> Result<Network, NetError> {
        match s {
            Stored::Mode(s) => s.parse(),
            Stored::Networks(attachments) => Ok(Network::Bridge(attachments)),
        }
    }
}

impl Network {
    /// Whether the container gets a namespace of its own that a helper connects
    /// (on bridges, its pasta: there unless every network is internal) and so
    /// can publish ports.
    pub fn has_helper(&self) -> bool {
        matches!(
            self,
            Network::Pasta(_) | Network::Slirp4netns(_) | Network::Bridge(_)
        )
    }
}

impl std::str::FromStr for Network {
    type Err = NetError;

    fn from_str(s: &str) -> Result<Network, NetError> {
        let (name, rest) = match s.split_once(':') {
            Some((name, rest)) => (name, Some(rest)),
            None => (s, None),
        };
        let options = |rest: Option<&str>| -> Vec<String> {
            rest.map(|r| {
                r.split(',')
                    .filter(|o| !o.is_empty())
                    .map(str::to_owned)
                    .collect()
            })
            .unwrap_or_default()
        };
        let needs = |what: &str| {
            NetError::Invalid(format!("--network {name}: needs {what}, as {name}:{what}"))
        };
        match (name, rest) {
            ("none", None) => Ok(Network::None),
            ("host", None) => Ok(Network::Host),
            ("pasta", rest) => Ok(Network::Pasta(options(rest))),
            ("slirp4netns", rest) => Ok(Network::Slirp4netns(options(rest))),
            ("container", Some(c)) if !c.is_empty() => Ok(Network::Container(c.to_owned())),
            ("container", _) => Err(needs("NAME")),
            ("ns", Some(p)) if !p.is_empty() => Ok(Network::Ns(PathBuf::from(p))),
            ("ns", _) => Err(needs("PATH")),
            ("none" | "host", Some(_)) => Err(NetError::Invalid(format!(
                "--network {name} takes no options"
            ))),
            ("", _) => Err(NetError::Invalid(
                "--network needs a mode or a network's name".into(),
            )),
            _ => Ok(Network::Bridge(vec![super::attachments::parse(
                name, rest,
            )?])),
        }
    }
}

impl fmt::Display for Network {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let with = |f: &mut fmt::Formatter<'_>, name: &str, opts: &[String]| match opts.is_empty() {
            true => write!(f, "{name}"),
            false => write!(f, "{name}:{}", opts.join(",")),
        };
        match self {
            Network::None => write!(f, "none"),
            Network::Host => write!(f, "host"),
            Network::Pasta(opts) => with(f, "pasta", opts),
            Network::Slirp4netns(opts) => with(f, "slirp4netns", opts),
            Network::Container(c) => write!(f, "container:{c}"),
            Network::Ns(p) => write!(f, "ns:{}", p.display()),
            Network::Bridge(attachments) => {
                let names: Vec<_> = attachments.iter().map(|a| a.network.as_str()).collect();
                write!(f, "{}", names.join(","))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn modes_parse_as_podman_spells_them_and_print_back() {
        for s in [
            "none",
            "host",
            "pasta",
            "pasta:-T,8080",
            "slirp4netns:port_handler=slirp4netns",
            "container:web",
            "ns:/run/netns/x",
        ] {
            assert_eq!(s.parse::<Network>().unwrap().to_string(), s);
        }
        assert_eq!("pasta:".parse::<Network>().unwrap(), Network::Pasta(vec![]));
        assert!("container:".parse::<Network>().is_err());
        assert!("host:x".parse::<Network>().is_err());
        assert!("".parse::<Network>().is_err());
    }

    #[test]
    fn stored_modes_still_read() {
        let n: Network = serde_json::from_str("\"none\"").unwrap();
        assert_eq!(n, Network::None);
        assert_eq!(serde_json::to_string(&Network::Host).unwrap(), "\"host\"");
    }
}
