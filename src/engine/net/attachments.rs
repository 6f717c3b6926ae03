//! `--network NAME[:alias=A,ip=IP]` (repeatable), `--network-alias` and `--ip`
//! made into one mode, as Podman combines them: several networks only as
//! attachments, aliases on every network given, a fixed address on the one.
//! Whether the networks exist is for create to check.

use super::mode::{Attachment, Network};
use super::network::DEFAULT_NAME;
use super::NetError;
use std::net::IpAddr;

/// One `--network` value that names a network: `bridge` is the default one.
pub fn parse(name: &str, options: Option<&str>) -> Result<Attachment, NetError> {
    let network = match name {
        "bridge" => DEFAULT_NAME,
        name => name,
    };
    let mut attachment = Attachment {
        network: network.to_owned(),
        aliases: Vec::new(),
        ip: None,
    };
    let invalid =
        |what: String| NetError::Invalid(format!("invalid option for network {name}: {what}"));
    for option in options
        .unwrap_or_default()
        .split(',')
        .filter(|o| !o.is_empty())
    {
        match option.split_once('=') {
            Some(("alias", alias)) if !alias.is_empty() => add_alias(&mut attachment, alias),
            Some(("ip", ip)) if attachment.ip.is_none() => {
                let ip = ip
                    .parse()
                    .map_err(|_| invalid(format!("invalid ip address {ip:?}")))?;
                attachment.ip = Some(ip);
            }
            Some(("ip", _)) => return Err(invalid("ip given twice".into())),
            _ => {
                return Err(invalid(format!(
                    "unknown bridge network option: {option} (use alias=NAME or ip=ADDRESS)"
                )))
            }
        }
    }
    Ok(attachment)
}

/// The mode `--network` (each one given), `--network-alias` and `--ip` ask
/// for; None when no `--network` was given and neither flag needs one.
pub fn from_flags(
    networks: &[String],
    aliases: &[String],
    ip: Option<&str>,
) -> Result<Option<Network>, NetError> {
    let mut modes = networks
        .iter()
        .map(|n| n.parse::<Network>())
        .collect::<Result<Vec<_>, _>>()?;
    let mut network = match modes.len() {
        0 | 1 => modes.pop(),
        _ => Some(Network::Bridge(combine(modes)?)),
    };
    if !aliases.is_empty() {
        let Some(Network::Bridge(attachments)) = &mut network else {
            return Err(NetError::Invalid(
                "--network-alias can only be set when the network mode is bridge: give --network NAME".into(),
            ));
        };
        for a in attachments.iter_mut() {
            aliases.iter().for_each(|alias| add_alias(a, alias));
        }
    }
    if let Some(ip) = ip {
        fixed_ip(network.as_mut(), ip)?;
    }
    Ok(network)
}

/// Several `--network`s: each must name a network, and one named twice is
/// attached once.
fn combine(modes: Vec<Network>) -> Result<Vec<Attachment>, NetError> {
    let mut all: Vec<Attachment> = Vec::new();
    for mode in modes {
        let Network::Bridge(attachments) = mode else {
            return Err(NetError::Invalid(format!(
                "cannot set multiple networks without bridge network mode, selected mode {mode}"
            )));
        };
        for a in attachments {
            match all.iter_mut().find(|have| have.network == a.network) {
                Some(have) => {
                    a.aliases.iter().for_each(|alias| add_alias(have, alias));
                    have.ip = have.ip.or(a.ip);
                }
                None => all.push(a),
            }
        }
    }
    Ok(all)
}

/// `--ip`: for a container on exactly one network.
fn fixed_ip(network: Option<&mut Network>, ip: &str) -> Result<(), NetError> {
    let invalid = |m: &str| NetError::Invalid(m.into());
    let addr: IpAddr = ip
        .parse()
        .map_err(|_| NetError::Invalid(format!("{ip:?} is not an ip address")))?;
    match network {
        Some(Network::Bridge(attachments)) => match attachments.as_mut_slice() {
            [a] if a.ip.is_none_or(|have| have == addr) => {
                a.ip = Some(addr);
                Ok(())
            }
            [_] => Err(invalid(
                "conflicting options: --ip and an ip= in --network: give the address once",
            )),
            _ => Err(invalid("--ip can only be set for a single network")),
        },
        _ => Err(invalid(
            "--ip can only be set when the network mode is bridge: give --network NAME",
        )),
    }
}

fn add_alias(a: &mut Attachment, alias: &str) {
    if !a.aliases.iter().any(|have| have == alias) {
        a.aliases.push(alias.to_owned());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn flags(
        networks: &[&str],
        aliases: &[&str],
        ip: Option<&str>,
    ) -> Result<Option<Network>, NetError> {
        let s = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        from_flags(&s(networks), &s(aliases), ip)
    }

    fn on(network: &str, aliases: &[&str], ip: Option<&str>) -> Attachment {
        Attachment {
            network: network.into(),
            aliases: aliases.iter().map(|s| s.to_string()).collect(),
            ip: ip.map(|i| i.parse().unwrap()),
        }
    }

    #[test]
    fn names_become_attachments_and_bridge_is_the_default_network() {
        assert_eq!(
            "web".parse::<Network>().unwrap(),
            Network::Bridge(vec![on("web", &[], None)])
        );
        assert_eq!(
            "bridge".parse::<Network>().unwrap(),
            Network::Bridge(vec![on("podman", &[], None)])
        );
        assert_eq!(
            "web:alias=a,alias=b,ip=10.89.0.5"
                .parse::<Network>()
                .unwrap(),
            Network::Bridge(vec![on("web", &["a", "b"], Some("10.89.0.5"))])
        );
        assert!("web:ip=300.1.1.1".parse::<Network>().is_err());
        assert!("web:mac=x".parse::<Network>().is_err());
    }

    #[test]
    fn flags_combine_as_podmans_do() {
        assert_eq!(flags(&[], &[], None).unwrap(), None);
        assert_eq!(flags(&["none"], &[], None).unwrap(), Some(Network::None));
        let both = flags(&["a", "b:alias=x", "a"], &["y"], None).unwrap();
        assert_eq!(
            both,
            Some(Network::Bridge(vec![
                on("a", &["y"], None),
                on("b", &["x", "y"], None)
            ]))
        );
        let one = flags(&["a"], &[], Some("10.89.0.7")).unwrap();
        assert_eq!(
            one,
            Some(Network::Bridge(vec![on("a", &[], Some("10.89.0.7"))]))
        );
    }

    #[test]
    fn flags_that_cannot_go_together_are_refused() {
        let err =
            |n: &[&str], a: &[&str], ip: Option<&str>| flags(n, a, ip).unwrap_err().to_string();
        assert_eq!(
            err(&["none", "a"], &[], None),
            "cannot set multiple networks without bridge network mode, selected mode none"
        );
        assert!(err(&[], &["x"], None).contains("--network-alias"));
        assert!(err(&["pasta"], &["x"], None).contains("--network-alias"));
        assert!(err(&[], &[], Some("10.89.0.5")).contains("--ip"));
        assert_eq!(
            err(&["a", "b"], &[], Some("10.89.0.5")),
            "--ip can only be set for a single network"
        );
        assert_eq!(err(&["a"], &[], Some("x")), "\"x\" is not an ip address");
        assert!(err(&["a:ip=10.89.0.4"], &[], Some("10.89.0.5")).contains("conflicting"));
    }
}
