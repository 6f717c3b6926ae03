//! A message body framed by Content-Length or chunked transfer coding, read
//! from a buffered connection without reading past its end.

use super::HttpError;
use std::io::{BufRead, Read};

/// How a message's body ends.
pub enum Framing {
    Length(u64),
    Chunked(ChunkState),
    /// When the peer closes the connection: a response with neither header.
    UntilEof,
}

impl Framing {
    /// From a message's Transfer-Encoding and Content-Length; neither is an
    /// empty body (as a request's is).
    pub fn of(
        transfer_encoding: Option<&str>,
        content_length: Option<&str>,
    ) -> Result<Framing, HttpError> {
        if let Some(te) = transfer_encoding {
            if te.to_ascii_lowercase().contains("chunked") {
                return Ok(Framing::Chunked(ChunkState::Size));
            }
        }
        match content_length {
            None => Ok(Framing::Length(0)),
            Some(n) => n
                .trim()
                .parse()
                .map(Framing::Length)
                .map_err(|_| HttpError::Malformed(format!("bad Content-Length {n:?}"))),
        }
    }
}

pub enum ChunkState {
    Size,
    Data(u64),
    Done,
}

/// The body of one message, read from the connection; reads end where the
/// body does, so the next message stays in the connection.
pub struct Body<R> {
    reader: R,
    framing: Framing,
}

impl<R: BufRead> Body<R> {
    pub fn new(framing: Framing, reader: R) -> Body<R> {
        Body { reader, framing }
    }

    /// The connection, with what was read past the body.
    pub fn into_inner(self) -> R {
        self.reader
    }

    /// The whole body, refused past `limit` bytes.
    pub fn read_limited(&mut self, limit: u64) -> Result<Vec<u8>, HttpError> {
        let mut out = Vec::new();
        self.by_ref().take(limit + 1).read_to_end(&mut out)?;
        match out.len() as u64 > limit {
            true => Err(HttpError::BodyTooLarge(limit)),
            false => Ok(out),
        }
    }

    /// Reads and drops what is left of the body, so that the connection can
    /// carry another request; false when that was more than `limit` bytes.
    pub fn drain(&mut self, limit: u64) -> bool {
        std::io::copy(&mut self.by_ref().take(limit), &mut std::io::sink()).is_ok()
            && self.is_done()
    }

    fn is_done(&self) -> bool {
        matches!(
            self.framing,
            Framing::Length(0) | Framing::Chunked(ChunkState::Done)
        )
    }

    fn chunk_size(&mut self) -> std::io::Result<u64> {
        let mut line = String::new();
        self.reader.read_line(&mut line)?;
        let size = line.trim().split(';').next().unwrap_or("");
        u64::from_str_radix(size, 16).map_err(|_| {
            std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                format!("bad chunk size {:?}", line.trim()),
            )
        })
    }

    fn skip_line(&mut self) -> std::io::Result<()> {
        let mut line = String::new();
        self.reader.read_line(&mut line).map(drop)
    }
}

impl<R: BufRead> Read for Body<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        loop {
            match &mut self.framing {
                Framing::Length(0) | Framing::Chunked(ChunkState::Done) => return Ok(0),
                Framing::UntilEof => return self.reader.read(buf),
                Framing::Length(left) => {
                    let max = buf.len().min(*left as usize);
                    let n = self.reader.read(&mut buf[..max])?;
                    if n == 0 {
                        return Err(std::io::ErrorKind::UnexpectedEof.into());
                    }
                    *left -= n as u64;
                    return Ok(n);
                }
                Framing::Chunked(ChunkState::Size) => {
                    let size = self.chunk_size()?;
                    self.framing = match size {
                        0 => {
                            // Trailers, then the blank line that ends the body.
                            loop {
                                let mut line = String::new();
                                if self.reader.read_line(&mut line)? == 0 || line.trim().is_empty()
                                {
                                    break;
                                }
                            }
                            Framing::Chunked(ChunkState::Done)
                        }
                        n => Framing::Chunked(ChunkState::Data(n)),
                    };
                }
                Framing::Chunked(ChunkState::Data(left)) => {
                    let max = buf.len().min(*left as usize);
                    let n = self.reader.read(&mut buf[..max])?;
                    if n == 0 {
                        return Err(std::io::ErrorKind::UnexpectedEof.into());
                    }
                    *left -= n as u64;
                    if *left == 0 {
                        self.skip_line()?;
                        self.framing = Framing::Chunked(ChunkState::Size);
                    }
                    return Ok(n);
                }
            }
        }
    }
}
