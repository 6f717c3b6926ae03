//! What the responder knows: the names and addresses on each network, asked
//! through a trait that the holder implements over its own table, so that this
//! module never sees how containers come and go.

use std::net::IpAddr;

/// The search domain containers get in resolv.conf (aardvark-dns's): `web`
/// and `web.dns.podman` are the same container.
pub const SEARCH_DOMAIN: &str = "dns.podman";

/// The containers' names and addresses, per network.
pub trait Records {
    /// The addresses of the container (or alias) `name` on `network`; none if
    /// no container there has that name. `name` comes lower-cased, without a
    /// trailing dot or the search domain: compare it with lower-cased names.
    fn lookup(&self, network: &str, name: &str) -> Vec<IpAddr>;

    /// The name of the container that has `ip` on `network`.
    fn reverse(&self, network: &str, ip: IpAddr) -> Option<String>;

    /// The networks whose names `client`, asking on `network`, may learn:
    /// `network` if the client is one of its containers, none otherwise. A
    /// container on several networks learns the names on all of them (as
    /// with aardvark-dns) whichever gateway it asks.
    fn visible(&self, network: &str, client: IpAddr) -> Vec<String> {
        match self.reverse(network, client) {
            Some(_) => vec![network.to_owned()],
            None => Vec::new(),
        }
    }
}

/// How a queried name is looked up: what [`Records::lookup`] gets.
#[derive(Debug, PartialEq, Eq)]
pub enum LocalName {
    /// A name a container may have.
    Name(String),
    /// A name under the search domain, so ours to answer and never the
    /// upstream's; its bare part.
    Ours(String),
}

impl LocalName {
    /// Reads a name as asked (`Web.`, `web.dns.podman.`); none for the
    /// search domain itself or the root.
    pub fn of(asked: &str) -> Option<LocalName> {
        let name = asked.trim_end_matches('.').to_ascii_lowercase();
        if name == SEARCH_DOMAIN {
            return None;
        }
        let under_ours = name
            .strip_suffix(SEARCH_DOMAIN)
            .and_then(|n| n.strip_suffix('.'));
        let local = match under_ours {
            Some(bare) => LocalName::Ours(bare.to_owned()),
            None => LocalName::Name(name),
        };
        (!local.bare().is_empty()).then_some(local)
    }

    pub fn bare(&self) -> &str {
        match self {
            LocalName::Name(n) | LocalName::Ours(n) => n,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_lose_case_dot_and_search_domain() {
        let of = |s| LocalName::of(s);
        assert_eq!(of("Web."), Some(LocalName::Name("web".into())));
        assert_eq!(of("web"), Some(LocalName::Name("web".into())));
        assert_eq!(of("WEB.DNS.Podman."), Some(LocalName::Ours("web".into())));
        assert_eq!(of("a.b.dns.podman"), Some(LocalName::Ours("a.b".into())));
        assert_eq!(
            of("example.com."),
            Some(LocalName::Name("example.com".into()))
        );
    }

    #[test]
    fn the_domain_and_root_are_no_names() {
        assert_eq!(LocalName::of("dns.podman."), None);
        assert_eq!(LocalName::of("."), None);
        assert_eq!(LocalName::of(".dns.podman"), None);
        // Not under the domain, only ending like it.
        assert_eq!(
            LocalName::of("xdns.podman"),
            Some(LocalName::Name("xdns.podman".into()))
        );
    }
}
