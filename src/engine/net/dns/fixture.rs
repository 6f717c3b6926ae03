//! For the tests: a network of containers, and queries as clients send them.

use super::Records;
use hickory_proto::op::{Message, Query};
use hickory_proto::rr::{Name, RecordType};
use std::net::IpAddr;

/// Containers by network: (network, name, address).
pub struct Containers(pub Vec<(&'static str, &'static str, &'static str)>);

impl Records for Containers {
    fn lookup(&self, network: &str, name: &str) -> Vec<IpAddr> {
        self.0
            .iter()
            .filter(|(n, c, _)| *n == network && *c == name)
            .map(|(_, _, ip)| ip.parse().unwrap())
            .collect()
    }

    fn reverse(&self, network: &str, ip: IpAddr) -> Option<String> {
        self.0
            .iter()
            .find(|(n, _, a)| *n == network && a.parse::<IpAddr>().unwrap() == ip)
            .map(|(_, c, _)| c.to_string())
    }
}

/// `web` and its alias `www` on `front`; `db` on `back`; the test client
/// (127.0.0.1) is a container on `front` only.
pub fn networks() -> Containers {
    Containers(vec![
        ("front", "web", "10.89.0.2"),
        ("front", "web", "fd00::2"),
        ("front", "www", "10.89.0.2"),
        ("front", "client", "127.0.0.1"),
        ("back", "db", "10.89.1.2"),
    ])
}

pub fn query(id: u16, name: &str, kind: RecordType) -> Vec<u8> {
    let mut message = Message::new();
    message
        .set_id(id)
        .set_recursion_desired(true)
        .add_query(Query::query(Name::from_ascii(name).unwrap(), kind));
    message.to_vec().unwrap()
}
