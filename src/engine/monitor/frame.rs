//! The attach protocol between a monitor and its clients (`attach`, `start -a`): a
//! unix stream socket carrying frames of `[kind: u8][length: u32 BE][payload]`.
//! The monitor sends output and, last, the exit code; a client sends input, the
//! end of its input, and window sizes.

const HEADER: usize = 5;
/// More than any read fills: a larger length means a broken peer.
const MAX_PAYLOAD: usize = 1 << 20;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Frame {
    Stdout(Vec<u8>),
    Stderr(Vec<u8>),
    /// The container exited with this code (the last frame a monitor sends).
    Exit(i32),
    Stdin(Vec<u8>),
    StdinEof,
    Resize {
        rows: u16,
        cols: u16,
    },
    /// Send this signal to the container (an attached client's sig-proxy).
    Signal(i32),
}

impl Frame {
    pub fn encode(&self) -> Vec<u8> {
        let (kind, payload): (u8, Vec<u8>) = match self {
            Frame::Stdout(d) => (1, d.clone()),
            Frame::Stderr(d) => (2, d.clone()),
            Frame::Exit(code) => (3, code.to_be_bytes().to_vec()),
            Frame::Stdin(d) => (4, d.clone()),
            Frame::StdinEof => (5, Vec::new()),
            Frame::Resize { rows, cols } => (6, [rows.to_be_bytes(), cols.to_be_bytes()].concat()),
            Frame::Signal(n) => (7, n.to_be_bytes().to_vec()),
        };
        let mut out = Vec::with_capacity(HEADER + payload.len());
        out.push(kind);
        out.extend_from_slice(&(payload.len() as u32).to_be_bytes());
        out.extend_from_slice(&payload);
        out
    }
}

/// Collects bytes as they arrive and hands out whole frames.
#[derive(Default)]
pub struct Decoder {
    buf: Vec<u8>,
}

#[derive(Debug, thiserror::Error)]
#[error("malformed attach frame")]
pub struct Malformed;

impl Decoder {
    pub fn push(&mut self, data: &[u8]) {
        self.buf.extend_from_slice(data);
    }

    pub fn next_frame(&mut self) -> Result<Option<Frame>, Malformed> {
        if self.buf.len() < HEADER {
            return Ok(None);
        }
        let len = u32::from_be_bytes(self.buf[1..HEADER].try_into().unwrap()) as usize;
        if len > MAX_PAYLOAD {
            return Err(Malformed);
        }
        if self.buf.len() < HEADER + len {
            return Ok(None);
        }
        let kind = self.buf[0];
        let payload: Vec<u8> = self.buf.drain(..HEADER + len).skip(HEADER).collect();
        let frame = match (kind, payload.len()) {
            (1, _) => Frame::Stdout(payload),
            (2, _) => Frame::Stderr(payload),
            (3, 4) => Frame::Exit(i32::from_be_bytes(payload.try_into().unwrap())),
            (4, _) => Frame::Stdin(payload),
            (5, 0) => Frame::StdinEof,
            (6, 4) => Frame::Resize {
                rows: u16::from_be_bytes([payload[0], payload[1]]),
                cols: u16::from_be_bytes([payload[2], payload[3]]),
            },
            (7, 4) => Frame::Signal(i32::from_be_bytes(payload.try_into().unwrap())),
            _ => return Err(Malformed),
        };
        Ok(Some(frame))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_survive_arbitrary_splits() {
        let frames = [
            Frame::Stdout(b"hello\n".to_vec()),
            Frame::Stderr(Vec::new()),
            Frame::Resize { rows: 24, cols: 80 },
            Frame::StdinEof,
            Frame::Signal(15),
            Frame::Exit(-3),
        ];
        let bytes: Vec<u8> = frames.iter().flat_map(Frame::encode).collect();
        let mut decoder = Decoder::default();
        let mut got = Vec::new();
        for chunk in bytes.chunks(3) {
            decoder.push(chunk);
            while let Some(f) = decoder.next_frame().unwrap() {
                got.push(f);
            }
        }
        assert_eq!(got, frames);
    }

    #[test]
    fn refuses_nonsense() {
        let mut decoder = Decoder::default();
        decoder.push(&[9, 0, 0, 0, 0]);
        assert!(decoder.next_frame().is_err());
    }
}
