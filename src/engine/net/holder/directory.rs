//! Who is on which network under which names: what the DNS server answers from.
//! A container is listed from its attach until its detach (or its monitor's
//! connection closing), so one started later is seen at once, and a name is
//! looked up only among the entries of the network the query came in on.

use crate::engine::net::dns::Records;
use std::net::IpAddr;
use std::sync::Mutex;

#[derive(Debug, Default)]
pub struct Directory {
    entries: Mutex<Vec<Entry>>,
}

#[derive(Debug, Clone)]
struct Entry {
    /// The connection that attached it, which takes it away.
    owner: u64,
    network: String,
    /// Lower-case: DNS names are case-insensitive.
    names: Vec<String>,
    ip: IpAddr,
}

impl Directory {
    pub fn add(&self, owner: u64, network: &str, names: &[String], ip: IpAddr) {
        let names = names.iter().map(|n| n.to_ascii_lowercase()).collect();
        self.lock().push(Entry {
            owner,
            network: network.to_owned(),
            names,
            ip,
        });
    }

    pub fn remove_owner(&self, owner: u64) {
        self.lock().retain(|e| e.owner != owner);
    }

    /// Forgets `owner`'s names on one network (a disconnect).
    pub fn remove(&self, owner: u64, network: &str) {
        self.lock()
            .retain(|e| e.owner != owner || e.network != network);
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<Entry>> {
        // An entry list is always whole: a panic elsewhere leaves it usable.
        self.entries.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl Records for Directory {
    fn lookup(&self, network: &str, name: &str) -> Vec<IpAddr> {
        let name = name.to_ascii_lowercase();
        self.lock()
            .iter()
            .filter(|e| e.network == network && e.names.contains(&name))
            .map(|e| e.ip)
            .collect()
    }

    fn reverse(&self, network: &str, ip: IpAddr) -> Option<String> {
        self.lock()
            .iter()
            .find(|e| e.network == network && e.ip == ip)
            .and_then(|e| e.names.first().cloned())
    }

    fn visible(&self, network: &str, client: IpAddr) -> Vec<String> {
        let entries = self.lock();
        let Some(asker) = entries
            .iter()
            .find(|e| e.network == network && e.ip == client)
        else {
            return Vec::new();
        };
        entries
            .iter()
            .filter(|e| e.owner == asker.owner)
            .map(|e| e.network.clone())
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_resolve_only_on_their_own_network_and_go_with_their_owner() {
        let d = Directory::default();
        let ip: IpAddr = "10.89.0.2".parse().unwrap();
        d.add(1, "a", &["Web".into(), "www".into()], ip);
        assert_eq!(d.lookup("a", "web"), vec![ip]);
        assert_eq!(d.lookup("a", "WWW"), vec![ip]);
        assert!(d.lookup("b", "web").is_empty());
        assert_eq!(d.reverse("a", ip).as_deref(), Some("web"));
        let client: IpAddr = "10.89.0.3".parse().unwrap();
        assert!(d.visible("a", client).is_empty());
        d.add(2, "a", &["c".into()], client);
        d.add(2, "b", &["c".into()], "10.89.1.3".parse().unwrap());
        assert_eq!(d.visible("a", client), vec!["a", "b"]);
        d.remove(2, "b");
        assert_eq!(d.visible("a", client), vec!["a"]);
        assert_eq!(d.lookup("a", "c"), vec![client]);
        d.remove_owner(1);
        assert!(d.lookup("a", "web").is_empty());
    }
}
