//! The responder on one network's gateway: reads queries, answers the
//! network's names itself and relays the rest through the host's resolvers.

use super::answer::{answer, server_failure, Answer};
use super::records::Records;
use super::upstream::Upstream;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use tokio::net::UdpSocket;

/// The largest query read; a longer one is cut, fails to parse and gets
/// FORMERR.
const MAX_QUERY: usize = 4096;

/// Answers DNS on `socket` (the gateway of `network`, port 53) until the task
/// is dropped. Without `upstream` (an internal network: no way out, not even
/// for a name) other names get SERVFAIL, so a resolver moves on to its next
/// server.
pub async fn serve(
    socket: UdpSocket,
    network: String,
    records: Arc<dyn Records + Send + Sync>,
    upstream: Option<Arc<Upstream>>,
) {
    let socket = Arc::new(socket);
    let mut buf = vec![0; MAX_QUERY];
    loop {
        let (len, client) = match socket.recv_from(&mut buf).await {
            Ok(got) => got,
            // An ICMP error about an earlier reply: the socket is fine.
            Err(e) => {
                log::debug!("dns on {network}: {e}");
                continue;
            }
        };
        let query = &buf[..len];
        let answered = answer(query, &network, &View::of(&*records, &network, client.ip()));
        match answered {
            Answer::Reply(reply) => send(&socket, &reply, client).await,
            Answer::Forward => match &upstream {
                Some(upstream) => {
                    let relay = relay(socket.clone(), client, query.to_vec(), upstream.clone());
                    tokio::spawn(relay);
                }
                None => {
                    if let Some(reply) = server_failure(query) {
                        send(&socket, &reply, client).await;
                    }
                }
            },
            Answer::Drop => {}
        }
    }
}

/// What a client may learn: the names on the networks its container shares
/// with it (all of its own), none if it is not one of the network's
/// containers; names never resolve across networks.
struct View<'a> {
    records: &'a dyn Records,
    networks: Vec<String>,
}

impl<'a> View<'a> {
    fn of(records: &'a dyn Records, network: &str, client: IpAddr) -> View<'a> {
        View {
            records,
            networks: records.visible(network, client.to_canonical()),
        }
    }
}

impl Records for View<'_> {
    fn lookup(&self, _: &str, name: &str) -> Vec<IpAddr> {
        self.networks
            .iter()
            .flat_map(|n| self.records.lookup(n, name))
            .collect()
    }

    fn reverse(&self, _: &str, ip: IpAddr) -> Option<String> {
        self.networks
            .iter()
            .find_map(|n| self.records.reverse(n, ip))
    }
}

/// Forwards `query` and sends the client the reply, or SERVFAIL.
async fn relay(
    socket: Arc<UdpSocket>,
    client: SocketAddr,
    query: Vec<u8>,
    upstream: Arc<Upstream>,
) {
    let reply = upstream.resolve(&query).await;
    if let Some(reply) = reply.or_else(|| server_failure(&query)) {
        send(&socket, &reply, client).await;
    }
}

async fn send(socket: &UdpSocket, reply: &[u8], client: SocketAddr) {
    if let Err(e) = socket.send_to(reply, client).await {
        log::debug!("dns: answering {client}: {e}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::net::dns::fixture::{networks, query};
    use crate::engine::net::dns::upstream::Timeouts;
    use hickory_proto::op::{Message, ResponseCode};
    use hickory_proto::rr::rdata::A;
    use hickory_proto::rr::{RData, Record, RecordType};
    use std::net::Ipv4Addr;
    use std::time::Duration;
    use tokio::time::timeout;

    /// Serves `network` on 127.0.0.1; its address.
    async fn start(network: &str, upstream: Upstream) -> SocketAddr {
        start_with(network, Some(Arc::new(upstream))).await
    }

    async fn start_with(network: &str, upstream: Option<Arc<Upstream>>) -> SocketAddr {
        let socket = UdpSocket::bind("127.0.0.1:0").await.unwrap();
        let addr = socket.local_addr().unwrap();
        let records = Arc::new(networks());
        tokio::spawn(serve(socket, network.into(), records, upstream));
        addr
    }

    /// Forwards to `servers` over four sockets, quickly giving up.
    fn upstream(servers: &[SocketAddr]) -> Upstream {
        let sockets = (0..4)
            .map(|_| std::net::UdpSocket::bind("127.0.0.1:0").unwrap())
            .collect();
        let timeouts = Timeouts {
            per_server: Duration::from_millis(200),
            total: Duration::from_millis(600),
        };
        Upstream::new(servers.to_vec(), sockets)
            .unwrap()
            .with_timeouts(timeouts)
    }

    async fn ask(server: SocketAddr, id: u16, name: &str) -> Message {
        let client = UdpSocket::bind("127.0.0.1:0").await.unwrap();
        let query = query(id, name, RecordType::A);
        client.send_to(&query, server).await.unwrap();
        let mut buf = vec![0; 4096];
        let wait = timeout(Duration::from_secs(5), client.recv(&mut buf));
        let len = wait.await.expect("an answer in time").unwrap();
        let reply = Message::from_vec(&buf[..len]).unwrap();
        assert_eq!(reply.id(), id);
        reply
    }

    fn addresses(reply: &Message) -> Vec<String> {
        let data = reply.answers().iter().map(|r| r.data().to_string());
        data.collect()
    }

    /// A nameserver that never answers, kept open while the test runs.
    fn silent() -> (std::net::UdpSocket, SocketAddr) {
        let socket = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
        let addr = socket.local_addr().unwrap();
        (socket, addr)
    }

    /// A nameserver that waits for `count` queries, then answers them last
    /// first: `one.example.` is 192.0.2.1, any other name 192.0.2.2. The
    /// IDs it was asked with come out of the task.
    async fn nameserver(count: usize) -> (SocketAddr, tokio::task::JoinHandle<Vec<u16>>) {
        let socket = UdpSocket::bind("127.0.0.1:0").await.unwrap();
        let addr = socket.local_addr().unwrap();
        let task = tokio::spawn(async move {
            let mut asked = Vec::new();
            let mut buf = vec![0; 4096];
            while asked.len() < count {
                let (len, from) = socket.recv_from(&mut buf).await.unwrap();
                asked.push((Message::from_vec(&buf[..len]).unwrap(), from));
            }
            for (query, from) in asked.iter().rev() {
                let reply = reply_to(query);
                socket.send_to(&reply, from).await.unwrap();
            }
            asked.iter().map(|(q, _)| q.id()).collect()
        });
        (addr, task)
    }

    fn reply_to(query: &Message) -> Vec<u8> {
        let name = query.queries()[0].name().clone();
        let last = if name.to_ascii() == "one.example." {
            1
        } else {
            2
        };
        let data = RData::A(A(Ipv4Addr::new(192, 0, 2, last)));
        let mut reply = query.clone();
        reply
            .set_message_type(hickory_proto::op::MessageType::Response)
            .add_answer(Record::from_rdata(name, 60, data));
        reply.to_vec().unwrap()
    }

    #[tokio::test]
    async fn the_networks_names_are_answered_here() {
        let (_quiet, nowhere) = silent();
        let front = start("front", upstream(&[nowhere])).await;
        assert_eq!(addresses(&ask(front, 1, "web.").await), ["10.89.0.2"]);
        assert_eq!(
            addresses(&ask(front, 2, "www.dns.podman.").await),
            ["10.89.0.2"]
        );
    }

    #[tokio::test]
    async fn a_client_from_another_network_learns_no_names() {
        let (_quiet, nowhere) = silent();
        // The client (127.0.0.1) is a container on front, not on back.
        let back = start("back", upstream(&[nowhere])).await;
        let reply = ask(back, 1, "db.dns.podman.").await;
        assert_eq!(reply.response_code(), ResponseCode::NXDomain);
    }

    #[tokio::test]
    async fn other_names_are_relayed_each_to_its_client() {
        let (nameserver, asked) = nameserver(2).await;
        let front = start("front", upstream(&[nameserver])).await;
        // Two clients with the same ID, both waiting at once.
        let (one, two) = tokio::join!(
            ask(front, 4242, "one.example."),
            ask(front, 4242, "two.example.")
        );
        assert_eq!(addresses(&one), ["192.0.2.1"]);
        assert_eq!(addresses(&two), ["192.0.2.2"]);
        let ids = asked.await.unwrap();
        assert_ne!(ids[0], ids[1], "upstream IDs are the relay's own");
    }

    #[tokio::test]
    async fn a_silent_nameserver_passes_to_the_next() {
        let (_quiet, nowhere) = silent();
        let (nameserver, _) = nameserver(1).await;
        let front = start("front", upstream(&[nowhere, nameserver])).await;
        let reply = ask(front, 9, "one.example.").await;
        assert_eq!(addresses(&reply), ["192.0.2.1"]);
    }

    #[tokio::test]
    async fn no_answer_upstream_is_servfail() {
        let (_quiet, nowhere) = silent();
        let front = start("front", upstream(&[nowhere])).await;
        let reply = ask(front, 77, "example.com.").await;
        assert_eq!(reply.response_code(), ResponseCode::ServFail);
        assert_eq!(reply.queries()[0].name().to_ascii(), "example.com.");
    }

    #[tokio::test]
    async fn an_internal_network_forwards_nothing() {
        let front = start_with("front", None).await;
        let reply = ask(front, 78, "example.com.").await;
        assert_eq!(reply.response_code(), ResponseCode::ServFail);
        let local = ask(front, 79, "web.").await;
        assert_eq!(addresses(&local), ["10.89.0.2"]);
    }
}
