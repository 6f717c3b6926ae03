//! Writing Docker's stdio frames (crate::wire::frames) onto a hijacked or
//! streamed connection.

use std::io::Write;
use std::sync::{Arc, Mutex};

pub use crate::wire::frames::{header, STDERR, STDOUT};

/// The content type of a hijacked stream, as Docker names it.
pub fn content_type(tty: bool) -> &'static str {
    match tty {
        true => "application/vnd.docker.raw-stream",
        false => "application/vnd.docker.multiplexed-stream",
    }
}

/// One stream's writer onto a connection shared with the other stream.
pub struct Framed<W> {
    out: Arc<Mutex<W>>,
    stream: u8,
    tty: bool,
}

impl<W: Write> Framed<W> {
    /// Writers for stdout and stderr onto `out`.
    pub fn pair(out: W, tty: bool) -> (Framed<W>, Framed<W>) {
        let out = Arc::new(Mutex::new(out));
        let stdout = Framed {
            out: out.clone(),
            stream: STDOUT,
            tty,
        };
        let stderr = Framed {
            out,
            stream: STDERR,
            tty,
        };
        (stdout, stderr)
    }
}

impl<W: Write> Write for Framed<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let mut out = self.out.lock().unwrap_or_else(|e| e.into_inner());
        if !self.tty && !buf.is_empty() {
            let mut frame = Vec::with_capacity(buf.len() + 8);
            frame.extend_from_slice(&header(self.stream, buf.len()));
            frame.extend_from_slice(buf);
            out.write_all(&frame)?;
        } else {
            out.write_all(buf)?;
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.out.lock().unwrap_or_else(|e| e.into_inner()).flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_carry_stream_and_length() {
        let (mut out, mut err) = Framed::pair(Vec::new(), false);
        out.write_all(b"hi").unwrap();
        err.write_all(b"oops").unwrap();
        drop(err);
        let bytes = Arc::try_unwrap(out.out).ok().unwrap().into_inner().unwrap();
        assert_eq!(bytes, b"\x01\0\0\0\0\0\0\x02hi\x02\0\0\0\0\0\0\x04oops");
    }
}
