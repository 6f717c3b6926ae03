//! Docker's stdio framing on a hijacked or streamed connection: without a TTY
//! each write is one frame, an 8-byte header (stream, 0, 0, 0, big-endian
//! length) and the bytes; with a TTY the bytes go as they are.

pub const STDOUT: u8 = 1;
pub const STDERR: u8 = 2;

/// The header of a frame of `len` bytes on `stream`.
pub fn header(stream: u8, len: usize) -> [u8; 8] {
    let len = (len as u32).to_be_bytes();
    [stream, 0, 0, 0, len[0], len[1], len[2], len[3]]
}

/// Reads the next frame: its stream and bytes; None where the connection ends.
pub fn read_frame(input: &mut impl std::io::Read) -> std::io::Result<Option<(u8, Vec<u8>)>> {
    let mut header = [0; 8];
    match input.read_exact(&mut header) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => return Ok(None),
        Err(e) => return Err(e),
    }
    let len = u32::from_be_bytes([header[4], header[5], header[6], header[7]]);
    let mut bytes = vec![0; len as usize];
    input.read_exact(&mut bytes)?;
    Ok(Some((header[0], bytes)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_read_back_as_written() {
        let mut wire = header(STDERR, 3).to_vec();
        wire.extend_from_slice(b"abc");
        let mut input = &wire[..];
        assert_eq!(
            read_frame(&mut input).unwrap(),
            Some((STDERR, b"abc".to_vec()))
        );
        assert_eq!(read_frame(&mut input).unwrap(), None);
    }
}
