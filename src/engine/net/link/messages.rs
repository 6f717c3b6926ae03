//! The rtnetlink requests `Netlink` sends, built without touching the kernel
//! (so they are unit-tested), and the facts it reads back from link replies.

use ipnet::IpNet;
use netlink_packet_route::address::{AddressAttribute, AddressHeaderFlags, AddressMessage};
use netlink_packet_route::link::{
    InfoData, InfoKind, InfoVeth, LinkAttribute, LinkFlags, LinkInfo, LinkMessage,
};
use netlink_packet_route::route::{
    RouteAddress, RouteAttribute, RouteHeader, RouteMessage, RouteProtocol, RouteScope, RouteType,
};
use netlink_packet_route::{AddressFamily, RouteNetlinkMessage};
use std::net::IpAddr;
use std::os::fd::RawFd;

/// A veth pair to create: `host` in the socket's namespace on the bridge
/// `master`, `peer` straight in the namespace `peer_netns` refers to.
pub struct Veth<'a> {
    pub host: &'a str,
    pub master: u32,
    pub peer: &'a str,
    pub peer_netns: RawFd,
    pub mtu: Option<u32>,
}

/// A link named `name`; the kernel looks links up by name when the index is 0.
fn named(name: &str) -> LinkMessage {
    let mut link = LinkMessage::default();
    link.attributes.push(LinkAttribute::IfName(name.to_owned()));
    link
}

fn up(mut link: LinkMessage) -> LinkMessage {
    link.header.flags |= LinkFlags::Up;
    link.header.change_mask |= LinkFlags::Up;
    link
}

pub fn get_link(name: &str) -> RouteNetlinkMessage {
    RouteNetlinkMessage::GetLink(named(name))
}

pub fn delete_link(name: &str) -> RouteNetlinkMessage {
    RouteNetlinkMessage::DelLink(named(name))
}

pub fn set_up(name: &str) -> RouteNetlinkMessage {
    RouteNetlinkMessage::SetLink(up(named(name)))
}

pub fn new_bridge(name: &str, mac: [u8; 6], mtu: Option<u32>) -> RouteNetlinkMessage {
    let mut link = named(name);
    link.attributes.push(LinkAttribute::Address(mac.to_vec()));
    link.attributes.extend(mtu.map(LinkAttribute::Mtu));
    link.attributes
        .push(LinkAttribute::LinkInfo(vec![LinkInfo::Kind(
            InfoKind::Bridge,
        )]));
    RouteNetlinkMessage::NewLink(link)
}

/// The host end comes up on its bridge in the same request; the peer stays
/// down until its namespace's side has given it an address.
pub fn new_veth(veth: &Veth) -> RouteNetlinkMessage {
    let mut peer = named(veth.peer);
    peer.attributes
        .push(LinkAttribute::NetNsFd(veth.peer_netns));
    peer.attributes.extend(veth.mtu.map(LinkAttribute::Mtu));
    let mut host = up(named(veth.host));
    host.attributes.push(LinkAttribute::Controller(veth.master));
    host.attributes.extend(veth.mtu.map(LinkAttribute::Mtu));
    host.attributes.push(LinkAttribute::LinkInfo(vec![
        LinkInfo::Kind(InfoKind::Veth),
        LinkInfo::Data(InfoData::Veth(InfoVeth::Peer(peer))),
    ]));
    RouteNetlinkMessage::NewLink(host)
}

fn family(address: IpAddr) -> AddressFamily {
    match address {
        IpAddr::V4(_) => AddressFamily::Inet,
        IpAddr::V6(_) => AddressFamily::Inet6,
    }
}

/// `address` with its prefix on the link `index`, as `ip address add` does.
pub fn new_address(index: u32, address: IpNet) -> RouteNetlinkMessage {
    let mut message = AddressMessage::default();
    message.header.family = family(address.addr());
    message.header.prefix_len = address.prefix_len();
    message.header.index = index;
    if address.addr().is_ipv6() {
        // Duplicate address detection would hold the address back for a second
        // or two; the addresses are handed out by us and unique (as netavark).
        message.header.flags |= AddressHeaderFlags::Nodad;
    }
    message
        .attributes
        .push(AddressAttribute::Local(address.addr()));
    message
        .attributes
        .push(AddressAttribute::Address(address.addr()));
    RouteNetlinkMessage::NewAddress(message)
}

/// A default route through `gateway`, in the main table, as `ip route add
/// default via GATEWAY` makes it.
pub fn new_default_route(gateway: IpAddr) -> RouteNetlinkMessage {
    let mut route = RouteMessage::default();
    route.header.address_family = family(gateway);
    route.header.table = RouteHeader::RT_TABLE_MAIN;
    route.header.protocol = RouteProtocol::Boot;
    route.header.scope = RouteScope::Universe;
    route.header.kind = RouteType::Unicast;
    route
        .attributes
        .push(RouteAttribute::Gateway(RouteAddress::from(gateway)));
    RouteNetlinkMessage::NewRoute(route)
}

/// Every IPv4 route (sent with NLM_F_DUMP).
pub fn get_routes() -> RouteNetlinkMessage {
    let mut route = RouteMessage::default();
    route.header.address_family = AddressFamily::Inet;
    RouteNetlinkMessage::GetRoute(route)
}

/// Whether a route read back is a default route of the main table.
pub fn is_default(route: &RouteMessage) -> bool {
    route.header.destination_prefix_length == 0
        && route.header.table == RouteHeader::RT_TABLE_MAIN
        && route.header.kind == RouteType::Unicast
}

/// The link's kind ("bridge", "veth", ...), if it has one (lo has none).
pub fn kind(link: &LinkMessage) -> Option<&InfoKind> {
    link.attributes
        .iter()
        .find_map(|attribute| match attribute {
            LinkAttribute::LinkInfo(infos) => infos.iter().find_map(|info| match info {
                LinkInfo::Kind(kind) => Some(kind),
                _ => None,
            }),
            _ => None,
        })
}

/// The link's Ethernet address, if it has one.
pub fn mac(link: &LinkMessage) -> Option<[u8; 6]> {
    link.attributes
        .iter()
        .find_map(|attribute| match attribute {
            LinkAttribute::Address(address) => address.as_slice().try_into().ok(),
            _ => None,
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use netlink_packet_core::{NetlinkMessage, NetlinkPayload};

    /// What the kernel would read: the message through its wire format.
    fn wire(message: RouteNetlinkMessage) -> RouteNetlinkMessage {
        let mut message = NetlinkMessage::from(message);
        message.finalize();
        let mut buffer = vec![0; message.buffer_len()];
        message.serialize(&mut buffer);
        match NetlinkMessage::<RouteNetlinkMessage>::deserialize(&buffer)
            .unwrap()
            .payload
        {
            NetlinkPayload::InnerMessage(inner) => inner,
            other => panic!("not a route message: {other:?}"),
        }
    }

    fn link(message: RouteNetlinkMessage) -> LinkMessage {
        match wire(message) {
            RouteNetlinkMessage::NewLink(link) | RouteNetlinkMessage::SetLink(link) => link,
            other => panic!("not a link: {other:?}"),
        }
    }

    fn peer(link: &LinkMessage) -> &LinkMessage {
        link.attributes
            .iter()
            .find_map(|a| match a {
                LinkAttribute::LinkInfo(infos) => infos.iter().find_map(|i| match i {
                    LinkInfo::Data(InfoData::Veth(InfoVeth::Peer(peer))) => Some(peer),
                    _ => None,
                }),
                _ => None,
            })
            .expect("a veth peer")
    }

    #[test]
    fn a_veth_host_end_comes_up_on_its_bridge_and_the_peer_lands_in_the_namespace() {
        let veth = Veth {
            host: "veth0123abcd",
            master: 7,
            peer: "eth0",
            peer_netns: 42,
            mtu: Some(1400),
        };
        let host = link(new_veth(&veth));
        assert!(host.header.flags.contains(LinkFlags::Up));
        assert_eq!(kind(&host), Some(&InfoKind::Veth));
        for attribute in [
            LinkAttribute::IfName("veth0123abcd".into()),
            LinkAttribute::Controller(7),
            LinkAttribute::Mtu(1400),
        ] {
            assert!(host.attributes.contains(&attribute), "{attribute:?}");
        }
        let peer = peer(&host);
        assert!(!peer.header.flags.contains(LinkFlags::Up));
        for attribute in [
            LinkAttribute::IfName("eth0".into()),
            LinkAttribute::NetNsFd(42),
            LinkAttribute::Mtu(1400),
        ] {
            assert!(peer.attributes.contains(&attribute), "{attribute:?}");
        }
    }

    #[test]
    fn a_bridge_gets_the_address_it_is_given_and_no_mtu_unless_asked() {
        let mac = [0x02, 1, 2, 3, 4, 5];
        let bridge = link(new_bridge("podman1", mac, None));
        assert_eq!(kind(&bridge), Some(&InfoKind::Bridge));
        assert_eq!(super::mac(&bridge), Some(mac));
        assert!(!bridge
            .attributes
            .iter()
            .any(|a| matches!(a, LinkAttribute::Mtu(_))));
        let bridge = link(new_bridge("podman1", mac, Some(9000)));
        assert!(bridge.attributes.contains(&LinkAttribute::Mtu(9000)));
    }

    #[test]
    fn set_up_names_the_link_and_changes_only_up() {
        let link = link(set_up("eth0"));
        assert_eq!(link.header.index, 0);
        assert_eq!(link.header.change_mask, LinkFlags::Up);
        assert_eq!(link.attributes, vec![LinkAttribute::IfName("eth0".into())]);
    }

    fn address(message: RouteNetlinkMessage) -> AddressMessage {
        match wire(message) {
            RouteNetlinkMessage::NewAddress(address) => address,
            other => panic!("not an address: {other:?}"),
        }
    }

    #[test]
    fn an_ipv4_address_keeps_its_prefix() {
        let message = address(new_address(3, "10.89.0.2/24".parse().unwrap()));
        assert_eq!(message.header.family, AddressFamily::Inet);
        assert_eq!((message.header.index, message.header.prefix_len), (3, 24));
        let ip: IpAddr = "10.89.0.2".parse().unwrap();
        assert!(message.attributes.contains(&AddressAttribute::Local(ip)));
        assert!(message.attributes.contains(&AddressAttribute::Address(ip)));
        assert!(!message.header.flags.contains(AddressHeaderFlags::Nodad));
    }

    #[test]
    fn an_ipv6_address_skips_duplicate_detection() {
        let message = address(new_address(3, "fd00:89::2/64".parse().unwrap()));
        assert_eq!(message.header.family, AddressFamily::Inet6);
        assert_eq!(message.header.prefix_len, 64);
        assert!(message.header.flags.contains(AddressHeaderFlags::Nodad));
    }

    #[test]
    fn lo_has_no_kind() {
        let mut lo = LinkMessage::default();
        lo.attributes.push(LinkAttribute::Address(vec![0; 6]));
        assert_eq!(kind(&lo), None);
        assert_eq!(mac(&lo), Some([0; 6]));
    }
}
