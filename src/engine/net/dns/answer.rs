//! One query in, what to do with it out: answer a container's name (or
//! address) from the records, or leave the query to the host's resolvers.

use super::records::{LocalName, Records};
use hickory_proto::op::{Header, Message, MessageType, OpCode, Query, ResponseCode};
use hickory_proto::rr::rdata::{A, AAAA, PTR};
use hickory_proto::rr::{DNSClass, Name, RData, Record, RecordType};
use hickory_proto::serialize::binary::BinDecodable;
use std::net::IpAddr;

/// Containers can be recreated with another address at any moment: clients
/// may keep an answer for a minute only (aardvark-dns's choice).
const TTL: u32 = 60;

#[derive(Debug, PartialEq, Eq)]
pub enum Answer {
    /// Send these bytes back to the client.
    Reply(Vec<u8>),
    /// Not a name on the network: the host's resolvers answer it.
    Forward,
    /// Send nothing.
    Drop,
}

/// What to do with `query`, a datagram a client sent to `network`'s server.
pub fn answer(query: &[u8], network: &str, records: &dyn Records) -> Answer {
    let Ok(message) = Message::from_vec(query) else {
        return malformed(query);
    };
    // Never answer a response: two servers could bounce one forever.
    if message.message_type() != MessageType::Query {
        return Answer::Drop;
    }
    if message.op_code() != OpCode::Query {
        return reply(&message, ResponseCode::NotImp, vec![]);
    }
    let [question] = message.queries() else {
        return reply(&message, ResponseCode::FormErr, vec![]);
    };
    match find(question, network, records) {
        Found::Records(answers) => reply(&message, ResponseCode::NoError, answers),
        Found::NoSuchName => reply(&message, ResponseCode::NXDomain, vec![]),
        Found::Unknown => Answer::Forward,
    }
}

/// SERVFAIL for `query`: what the client gets when no upstream answered.
pub fn server_failure(query: &[u8]) -> Option<Vec<u8>> {
    let message = Message::from_vec(query).ok()?;
    response(&message, ResponseCode::ServFail, vec![])
}

enum Found {
    /// The name is known: these records (none when it lacks the type asked).
    Records(Vec<Record>),
    /// Under our search domain, and no container has it.
    NoSuchName,
    Unknown,
}

fn find(question: &Query, network: &str, records: &dyn Records) -> Found {
    if question.query_class() != DNSClass::IN {
        return Found::Unknown;
    }
    if question.query_type() == RecordType::PTR {
        if let Some(ip) = arpa_address(question.name()) {
            return reverse(question, records.reverse(network, ip));
        }
    }
    let Some(local) = LocalName::of(&question.name().to_ascii()) else {
        return Found::Unknown;
    };
    let ips = records.lookup(network, local.bare());
    match (ips.is_empty(), local) {
        (false, _) => Found::Records(address_records(question, &ips)),
        (true, LocalName::Ours(_)) => Found::NoSuchName,
        (true, LocalName::Name(_)) => Found::Unknown,
    }
}

/// The address a PTR query asks about, if it names one whole address.
fn arpa_address(name: &Name) -> Option<IpAddr> {
    let net = name.parse_arpa_name().ok()?;
    (net.prefix_len() == net.max_prefix_len()).then(|| net.addr())
}

/// A container's name as aardvark-dns gives it: bare, made absolute.
fn reverse(question: &Query, name: Option<String>) -> Found {
    match name.and_then(|n| Name::from_ascii(format!("{n}.")).ok()) {
        Some(target) => Found::Records(vec![record(question, RData::PTR(PTR(target)))]),
        None => Found::Unknown,
    }
}

fn address_records(question: &Query, ips: &[IpAddr]) -> Vec<Record> {
    let wanted = question.query_type();
    ips.iter()
        .filter_map(|ip| match (wanted, *ip) {
            (RecordType::A | RecordType::ANY, IpAddr::V4(v4)) => Some(RData::A(A(v4))),
            (RecordType::AAAA | RecordType::ANY, IpAddr::V6(v6)) => Some(RData::AAAA(AAAA(v6))),
            _ => None,
        })
        .map(|data| record(question, data))
        .collect()
}

/// A record under the name as the client spelt it: resolvers that vary the
/// case of what they ask (0x20 encoding) check that it comes back so.
fn record(question: &Query, data: RData) -> Record {
    Record::from_rdata(question.name().clone(), TTL, data)
}

fn reply(query: &Message, code: ResponseCode, answers: Vec<Record>) -> Answer {
    response(query, code, answers).map_or(Answer::Drop, Answer::Reply)
}

fn response(query: &Message, code: ResponseCode, answers: Vec<Record>) -> Option<Vec<u8>> {
    let mut response = Message::new();
    response
        .set_id(query.id())
        .set_message_type(MessageType::Response)
        .set_op_code(query.op_code())
        .set_authoritative(code != ResponseCode::ServFail)
        .set_recursion_desired(query.recursion_desired())
        .set_recursion_available(true)
        .set_response_code(code)
        .add_queries(query.queries().iter().cloned())
        .add_answers(answers);
    response.to_vec().ok()
}

/// A query whose header can be read gets FORMERR, so that its client stops
/// waiting; anything less gets nothing.
fn malformed(query: &[u8]) -> Answer {
    match Header::from_bytes(query) {
        Ok(header) if header.message_type() == MessageType::Query => {
            let response = Message::error_msg(header.id(), header.op_code(), ResponseCode::FormErr);
            response.to_vec().map_or(Answer::Drop, Answer::Reply)
        }
        _ => Answer::Drop,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::net::dns::fixture::{networks, query};
    use rand::{Rng, SeedableRng};

    fn ask(name: &str, kind: RecordType) -> Answer {
        answer(&query(7, name, kind), "front", &networks())
    }

    /// The reply's code and its answers' data, as text.
    fn replied(answer: Answer) -> (ResponseCode, Vec<String>) {
        let Answer::Reply(bytes) = answer else {
            panic!("no reply: {answer:?}");
        };
        let reply = Message::from_vec(&bytes).unwrap();
        assert_eq!(reply.id(), 7);
        assert_eq!(reply.message_type(), MessageType::Response);
        let data = reply.answers().iter().map(|r| r.data().to_string());
        (reply.response_code(), data.collect())
    }

    #[test]
    fn names_on_the_network_get_their_addresses() {
        let ok = ResponseCode::NoError;
        assert_eq!(
            replied(ask("web.", RecordType::A)),
            (ok, vec!["10.89.0.2".into()])
        );
        assert_eq!(
            replied(ask("web.", RecordType::AAAA)),
            (ok, vec!["fd00::2".into()])
        );
        assert_eq!(
            replied(ask("www", RecordType::A)),
            (ok, vec!["10.89.0.2".into()])
        );
        assert_eq!(replied(ask("web.", RecordType::ANY)).1.len(), 2);
    }

    #[test]
    fn case_and_the_search_domain_do_not_matter() {
        for name in ["WeB.", "web.dns.podman.", "Web.DNS.podman"] {
            assert_eq!(replied(ask(name, RecordType::A)).1, ["10.89.0.2"], "{name}");
        }
        let Answer::Reply(bytes) = ask("WeB.", RecordType::A) else {
            panic!()
        };
        let reply = Message::from_vec(&bytes).unwrap();
        // As asked, for resolvers that check the case they sent.
        assert_eq!(reply.answers()[0].name().to_ascii(), "WeB.");
    }

    #[test]
    fn a_known_name_without_the_type_has_no_answers() {
        let none = (ResponseCode::NoError, vec![]);
        assert_eq!(replied(ask("www.", RecordType::AAAA)), none);
        assert_eq!(replied(ask("web.", RecordType::MX)), none);
    }

    #[test]
    fn addresses_give_names_back() {
        let (code, names) = replied(ask("2.0.89.10.in-addr.arpa.", RecordType::PTR));
        assert_eq!((code, names), (ResponseCode::NoError, vec!["web.".into()]));
        let v6 = "2.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.d.f.ip6.arpa.";
        assert_eq!(replied(ask(v6, RecordType::PTR)).1, ["web."]);
        assert_eq!(
            ask("9.0.89.10.in-addr.arpa.", RecordType::PTR),
            Answer::Forward
        );
        assert_eq!(ask("89.10.in-addr.arpa.", RecordType::PTR), Answer::Forward);
    }

    #[test]
    fn other_names_go_upstream_except_under_the_search_domain() {
        assert_eq!(ask("example.com.", RecordType::A), Answer::Forward);
        // On another network only: never across networks.
        assert_eq!(ask("db.", RecordType::A), Answer::Forward);
        let (code, answers) = replied(ask("db.dns.podman.", RecordType::A));
        assert_eq!((code, answers.len()), (ResponseCode::NXDomain, 0));
    }

    #[test]
    fn unsupported_requests_are_refused_politely() {
        let mut notify = Message::from_vec(&query(7, "web.", RecordType::A)).unwrap();
        notify.set_op_code(OpCode::Notify);
        let notify = answer(&notify.to_vec().unwrap(), "front", &networks());
        assert_eq!(replied(notify).0, ResponseCode::NotImp);

        let mut two = Message::from_vec(&query(7, "web.", RecordType::A)).unwrap();
        two.add_query(Query::query(
            Name::from_ascii("www.").unwrap(),
            RecordType::A,
        ));
        let two = answer(&two.to_vec().unwrap(), "front", &networks());
        assert_eq!(replied(two).0, ResponseCode::FormErr);
    }

    #[test]
    fn malformed_packets_never_panic() {
        let good = query(7, "web.dns.podman.", RecordType::A);
        for len in 0..good.len() {
            answer(&good[..len], "front", &networks());
        }
        let mut bent = good.clone();
        for i in 12..bent.len() {
            bent[i] = 0xff;
            answer(&bent, "front", &networks());
        }
        let mut random = rand::rngs::StdRng::seed_from_u64(12);
        for _ in 0..10_000 {
            let mut noise = vec![0u8; random.random_range(0..64)];
            random.fill(&mut noise[..]);
            answer(&noise, "front", &networks());
        }
        assert_eq!(answer(&[], "front", &networks()), Answer::Drop);
        // A header but a broken question: the client hears FORMERR.
        assert_eq!(
            replied(answer(&good[..14], "front", &networks())).0,
            ResponseCode::FormErr
        );
    }

    #[test]
    fn responses_are_never_answered() {
        let Answer::Reply(reply) = ask("web.", RecordType::A) else {
            panic!()
        };
        assert_eq!(answer(&reply, "front", &networks()), Answer::Drop);
        assert_eq!(answer(&reply[..14], "front", &networks()), Answer::Drop);
    }

    #[test]
    fn servfail_keeps_the_question() {
        let failed = server_failure(&query(7, "example.com.", RecordType::A)).unwrap();
        let (code, answers) = replied(Answer::Reply(failed.clone()));
        assert_eq!((code, answers.len()), (ResponseCode::ServFail, 0));
        let failed = Message::from_vec(&failed).unwrap();
        assert_eq!(failed.queries()[0].name().to_ascii(), "example.com.");
    }
}
