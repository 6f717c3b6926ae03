//! Docker's stdio framing on a hijacked or streamed connection: without a TTY
//! each write is one frame, an 8-byte header (stream, 0, 0, 0, big-endian
//! length) and the bytes; with a TTY the bytes go as they are.

pub const STDIN: u8 = 0;
pub const STDOUT: u8 = 1;
pub const STDERR: u8 = 2;

/// The header of a frame of `len` bytes on `stream`.
pub fn header(stream: u8, len: usize) -> [u8; 8] {
    let len = (len as u32).to_be_bytes();
    [stream, 0, 0, 0, len[0], len[1], len[2], len[3]]
}
