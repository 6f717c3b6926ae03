//! The host's resolvers, for every name that is not a container's.
//!
//! The holder lives in a network namespace of its own, from which the host's
//! resolvers (often 127.0.0.53, systemd-resolved) cannot be reached. A socket
//! keeps the namespace it was made in, so the holder makes a few UDP sockets
//! before it leaves the host's, and every network's forwarded queries share
//! them. Each forwarded query gets a fresh random ID (clients' IDs collide,
//! and a guessable one would let a spoofed reply in); a table maps it back to
//! the waiting query until its reply comes or its time is up.

use super::DnsError;
use rand::Rng;
use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;
use tokio::net::UdpSocket;
use tokio::sync::oneshot;
use tokio::task::AbortHandle;
use tokio::time::{timeout_at, Instant};

/// Forwarded queries in flight at most; past it, clients get SERVFAIL rather
/// than the holder growing without bound.
const MAX_PENDING: usize = 4096;
/// The largest UDP reply (EDNS lets the client ask for big ones, and the
/// upstream's answer is relayed as it is).
const MAX_REPLY: usize = 65535;

/// The host's nameservers, reached through sockets made in its namespace.
pub struct Upstream {
    servers: Vec<SocketAddr>,
    sockets: Vec<Arc<UdpSocket>>,
    pending: Arc<Mutex<Table>>,
    readers: Vec<AbortHandle>,
    timeouts: Timeouts,
}

type Table = HashMap<u16, Pending>;

/// A forwarded query waiting for its reply.
struct Pending {
    /// Taken by the reply; the entry stays, its ID not to be handed out
    /// again, until the query's task lets it go.
    reply: Option<oneshot::Sender<Vec<u8>>>,
    /// Where it went: a reply from anywhere else is not its.
    asked: Vec<SocketAddr>,
}

#[derive(Debug, Clone, Copy)]
pub(super) struct Timeouts {
    /// How long one nameserver has before the next one is asked too.
    pub per_server: Duration,
    /// How long a client waits in all before it gets SERVFAIL; under glibc's
    /// 5 s, so that the client hears of the failure before it asks again.
    pub total: Duration,
}

const TIMEOUTS: Timeouts = Timeouts {
    per_server: Duration::from_secs(2),
    total: Duration::from_millis(4500),
};

impl Upstream {
    /// Forwards to `servers` (see `nameservers`) through `sockets`, unbound
    /// UDP sockets (0.0.0.0:0, [::]:0) made in the host's network namespace;
    /// a server is asked through a socket of its address family.
    ///
    /// Call it inside the tokio runtime that will serve: the sockets are
    /// registered with it, and each gets a task that reads replies for as long
    /// as the `Upstream` lives.
    pub fn new(
        servers: Vec<SocketAddr>,
        sockets: Vec<std::net::UdpSocket>,
    ) -> Result<Upstream, DnsError> {
        let pending = Arc::new(Mutex::new(Table::new()));
        let sockets = sockets
            .into_iter()
            .map(|s| {
                s.set_nonblocking(true)?;
                UdpSocket::from_std(s).map(Arc::new)
            })
            .collect::<Result<Vec<_>, _>>()
            .map_err(|source| DnsError::Io {
                what: "upstream socket",
                source,
            })?;
        let readers = sockets
            .iter()
            .map(|s| tokio::spawn(read_replies(s.clone(), pending.clone())).abort_handle())
            .collect();
        Ok(Upstream {
            servers,
            sockets,
            pending,
            readers,
            timeouts: TIMEOUTS,
        })
    }

    #[cfg(test)]
    pub(super) fn with_timeouts(mut self, timeouts: Timeouts) -> Upstream {
        self.timeouts = timeouts;
        self
    }

    /// The reply to `query` (its ID the client's), or none if no server
    /// answered in time. Asks the servers in turn, and takes the first reply
    /// from any it has asked.
    pub async fn resolve(&self, query: &[u8]) -> Option<Vec<u8>> {
        let client_id = query.get(..2)?;
        let mut waiting = Waiting::register(&self.pending)?;
        let mut forwarded = query.to_vec();
        forwarded[..2].copy_from_slice(&waiting.id.to_be_bytes());
        let deadline = Instant::now() + self.timeouts.total;
        let mut asked = false;
        for &server in &self.servers {
            if !self.send(&forwarded, server, &waiting).await {
                continue;
            }
            asked = true;
            let turn_ends = (Instant::now() + self.timeouts.per_server).min(deadline);
            if let Ok(reply) = timeout_at(turn_ends, &mut waiting.reply).await {
                return with_id(reply.ok()?, client_id);
            }
        }
        if !asked {
            return None;
        }
        // The last server asked (or an earlier one) may still answer.
        let reply = timeout_at(deadline, &mut waiting.reply).await.ok()?.ok()?;
        with_id(reply, client_id)
    }

    /// Sends `query` to `server` through a socket of its family; false if
    /// there is none or the send fails.
    async fn send(&self, query: &[u8], server: SocketAddr, waiting: &Waiting) -> bool {
        let family: Vec<&Arc<UdpSocket>> = self
            .sockets
            .iter()
            .filter(|s| {
                s.local_addr()
                    .is_ok_and(|a| a.is_ipv4() == server.is_ipv4())
            })
            .collect();
        if family.is_empty() {
            return false;
        }
        // Spread over the sockets: more source ports for a spoofer to guess.
        let socket = family[rand::rng().random_range(0..family.len())];
        waiting.expect_from(server);
        match socket.send_to(query, server).await {
            Ok(_) => true,
            Err(e) => {
                log::debug!("dns: forwarding to {server}: {e}");
                false
            }
        }
    }
}

impl Drop for Upstream {
    fn drop(&mut self) {
        for reader in &self.readers {
            reader.abort();
        }
    }
}

fn with_id(mut reply: Vec<u8>, id: &[u8]) -> Option<Vec<u8>> {
    reply.get_mut(..2)?.copy_from_slice(id);
    Some(reply)
}

/// A query's place in the table; leaving it (answered, timed out, or the
/// task dropped) frees its ID.
struct Waiting {
    id: u16,
    reply: oneshot::Receiver<Vec<u8>>,
    table: Arc<Mutex<Table>>,
}

impl Waiting {
    fn register(table: &Arc<Mutex<Table>>) -> Option<Waiting> {
        let mut entries = lock(table);
        if entries.len() >= MAX_PENDING {
            return None;
        }
        // At most one in 16 IDs is taken: a free one comes quickly.
        let id = loop {
            let id: u16 = rand::random();
            if !entries.contains_key(&id) {
                break id;
            }
        };
        let (sender, reply) = oneshot::channel();
        let pending = Pending {
            reply: Some(sender),
            asked: Vec::new(),
        };
        entries.insert(id, pending);
        Some(Waiting {
            id,
            reply,
            table: table.clone(),
        })
    }

    fn expect_from(&self, server: SocketAddr) {
        if let Some(pending) = lock(&self.table).get_mut(&self.id) {
            pending.asked.push(server);
        }
    }
}

impl Drop for Waiting {
    fn drop(&mut self) {
        lock(&self.table).remove(&self.id);
    }
}

/// Hands each reply that arrives on `socket` to the query waiting for it;
/// late, stray and spoofed ones are dropped.
async fn read_replies(socket: Arc<UdpSocket>, table: Arc<Mutex<Table>>) {
    let mut buf = vec![0; MAX_REPLY];
    loop {
        let (len, from) = match socket.recv_from(&mut buf).await {
            Ok(got) => got,
            // An ICMP error about an earlier send: the socket is fine.
            Err(e) => {
                log::debug!("dns: reading an upstream reply: {e}");
                continue;
            }
        };
        let reply = &buf[..len];
        let is_response = reply.len() >= 12 && reply[2] & 0x80 != 0;
        if !is_response {
            continue;
        }
        let id = u16::from_be_bytes([reply[0], reply[1]]);
        let waiting = lock(&table)
            .get_mut(&id)
            .filter(|p| p.asked.contains(&from))
            .and_then(|p| p.reply.take());
        if let Some(waiting) = waiting {
            // The query's task may have just given up: nothing to do then.
            let _ = waiting.send(reply.to_vec());
        }
    }
}

/// The table stays consistent even if a holder of the lock panicked (every
/// change is one insert or remove), so a poisoned lock is used as it is.
fn lock(table: &Mutex<Table>) -> MutexGuard<'_, Table> {
    table.lock().unwrap_or_else(|e| e.into_inner())
}
