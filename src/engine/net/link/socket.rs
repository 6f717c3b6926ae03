//! One request, its replies: a blocking NETLINK_ROUTE socket that sends a
//! message and reads until the kernel acknowledges it or says why not.

use netlink_packet_core::{NetlinkMessage, NetlinkPayload, NLM_F_ACK, NLM_F_REQUEST};
use netlink_packet_route::RouteNetlinkMessage;
use netlink_sys::protocols::NETLINK_ROUTE;
use std::cell::Cell;
use std::io;

pub struct Socket {
    socket: netlink_sys::Socket,
    /// A Cell, not an atomic: replies are read by whoever sent the request, so
    /// two threads sharing a socket would read each other's. The Cell keeps
    /// `Socket` (and so `Netlink`) from being shared across threads.
    sequence: Cell<u32>,
}

impl Socket {
    /// A socket in the calling thread's network namespace, which it keeps for
    /// life wherever the thread goes.
    pub fn open() -> io::Result<Socket> {
        let mut socket = netlink_sys::Socket::new(NETLINK_ROUTE)?;
        socket.bind_auto()?;
        Ok(Socket {
            socket,
            sequence: Cell::new(0),
        })
    }

    /// Sends `message` with `flags` (beyond request and ack) and returns what
    /// the kernel answered before its acknowledgement. The kernel's refusal
    /// comes back as the errno it gave.
    pub fn request(
        &self,
        message: RouteNetlinkMessage,
        flags: u16,
    ) -> io::Result<Vec<RouteNetlinkMessage>> {
        let sequence = self.sequence.get().wrapping_add(1);
        self.sequence.set(sequence);
        let mut request = NetlinkMessage::from(message);
        request.header.flags = NLM_F_REQUEST | NLM_F_ACK | flags;
        request.header.sequence_number = sequence;
        request.finalize();
        let mut buffer = vec![0; request.buffer_len()];
        request.serialize(&mut buffer);
        self.socket.send(&buffer, 0)?;
        self.replies(sequence)
    }

    fn replies(&self, sequence: u32) -> io::Result<Vec<RouteNetlinkMessage>> {
        let mut answers = Vec::new();
        loop {
            let (datagram, _) = self.socket.recv_from_full()?;
            for message in split(&datagram)? {
                // Left over from an earlier request that failed half-read.
                if message.header.sequence_number != sequence {
                    continue;
                }
                match message.payload {
                    NetlinkPayload::InnerMessage(inner) => answers.push(inner),
                    NetlinkPayload::Error(error) => match error.code {
                        None => return Ok(answers),
                        Some(_) => return Err(error.to_io()),
                    },
                    NetlinkPayload::Done(_) => return Ok(answers),
                    _ => {}
                }
            }
        }
    }
}

/// The messages one datagram holds: a reply may pack several.
fn split(mut datagram: &[u8]) -> io::Result<Vec<NetlinkMessage<RouteNetlinkMessage>>> {
    let mut messages = Vec::new();
    while !datagram.is_empty() {
        let message = NetlinkMessage::<RouteNetlinkMessage>::deserialize(datagram)
            .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e.to_string()))?;
        // Messages sit at 4-byte boundaries; a zero length would never end.
        let length = (message.header.length as usize).next_multiple_of(4);
        if length == 0 {
            break;
        }
        messages.push(message);
        datagram = datagram.get(length..).unwrap_or_default();
    }
    Ok(messages)
}

#[cfg(test)]
mod tests {
    use super::*;
    use netlink_packet_core::ErrorMessage;
    use netlink_packet_route::link::LinkMessage;
    use std::num::NonZeroI32;

    fn bytes(payload: NetlinkPayload<RouteNetlinkMessage>, sequence: u32) -> Vec<u8> {
        let mut message = NetlinkMessage::new(Default::default(), payload);
        message.header.sequence_number = sequence;
        message.finalize();
        let mut buffer = vec![0; message.buffer_len()];
        message.serialize(&mut buffer);
        buffer
    }

    fn error(code: i32) -> NetlinkPayload<RouteNetlinkMessage> {
        let mut error = ErrorMessage::default();
        error.code = NonZeroI32::new(code);
        NetlinkPayload::Error(error)
    }

    #[test]
    fn split_reads_every_message_of_a_datagram() {
        let link = RouteNetlinkMessage::NewLink(LinkMessage::default());
        let mut datagram = bytes(NetlinkPayload::InnerMessage(link.clone()), 7);
        datagram.extend(bytes(error(0), 7));
        let messages = split(&datagram).unwrap();
        assert_eq!(messages.len(), 2);
        assert_eq!(messages[0].payload, NetlinkPayload::InnerMessage(link));
        assert_eq!(messages[1].payload, error(0));
    }

    #[test]
    fn split_refuses_garbage() {
        let err = split(&[1, 2, 3]).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::InvalidData);
    }
}
