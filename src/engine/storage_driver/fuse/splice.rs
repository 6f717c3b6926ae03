//! Reads answered by splice(2), as libfuse answers fuse-overlayfs's: the
//! bytes go from the layer's file through a pipe into /dev/fuse by page
//! reference, where read(2) then write(2) would copy every byte into this
//! process and out again. Reading a large file, those copies were most of
//! the server's time.

use super::view::Open;
use std::cell::RefCell;
use std::fs::File;
use std::io;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};

/// The pipe asked for: a read of max_pages (1 MiB) with its header does not
/// fit, but reads the kernel's readahead sends (128 KiB) do; 1 MiB is all an
/// unprivileged process may ask for (fs.pipe-max-size).
const PIPE_SIZE: libc::c_int = 1024 * 1024;
/// struct fuse_out_header: the reply's length, its error and the request's id.
const HEADER: usize = 16;

/// Sends read replies into the FUSE device the requests came from.
pub struct Splicer {
    device: OwnedFd,
}

struct Pipe {
    read: OwnedFd,
    write: OwnedFd,
    capacity: usize,
}

thread_local! {
    /// Each serving thread fills and empties a pipe of its own.
    static PIPE: RefCell<Option<Pipe>> = const { RefCell::new(None) };
}

impl Splicer {
    /// `device` must be the very descriptor the requests are read from (a
    /// clone of it has its own queue of requests awaiting replies).
    pub fn new(device: OwnedFd) -> Splicer {
        Splicer { device }
    }

    /// Answers read request `unique` with up to `size` bytes of `file` at
    /// `offset`; false when it did not, and the caller answers it with a read
    /// of its own: nothing to send, more than the pipe holds, or an error
    /// (which that read meets and reports as well).
    pub fn reply(&self, unique: u64, open: &Open, offset: u64, size: u32) -> bool {
        // The header says the length before the data is in the pipe, so it
        // is taken from the file's size; a file that shrinks meanwhile (only
        // an upper file can) fails the splice, and the pipe is dropped.
        let Some(file_len) = open
            .fixed_len
            .or_else(|| open.metadata().ok().map(|m| m.len()))
        else {
            return false;
        };
        let file = &open.file;
        let len = file_len.saturating_sub(offset).min(size.into()) as usize;
        if len == 0 {
            return false;
        }
        PIPE.with(|cell| {
            let mut slot = cell.borrow_mut();
            if slot.is_none() {
                *slot = Pipe::new().ok();
            }
            let Some(pipe) = slot.as_ref() else {
                return false;
            };
            if HEADER + len > pipe.capacity {
                return false;
            }
            let sent = pipe.send(self.device.as_raw_fd(), unique, file, offset, len);
            if sent.is_err() {
                // Whatever is left in it belongs to no reply.
                *slot = None;
            }
            sent.is_ok()
        })
    }
}

impl Pipe {
    fn new() -> io::Result<Pipe> {
        let mut fds = [0; 2];
        // SAFETY: fds has room for the two descriptors pipe2 returns.
        check(unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) })?;
        // SAFETY: both just made, owned by nobody else.
        let (read, write) = unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) };
        // SAFETY: fcntl on a pipe this function owns.
        let capacity = check(unsafe { libc::fcntl(fds[1], libc::F_SETPIPE_SZ, PIPE_SIZE) })
            // SAFETY: as above; the size it has when it cannot grow.
            .or_else(|_| check(unsafe { libc::fcntl(fds[1], libc::F_GETPIPE_SZ) }))?;
        Ok(Pipe {
            read,
            write,
            capacity: capacity as usize,
        })
    }

    /// The header, then `len` bytes of `file`, then all of it to `device`.
    fn send(
        &self,
        device: RawFd,
        unique: u64,
        file: &File,
        offset: u64,
        len: usize,
    ) -> io::Result<()> {
        let mut header = [0u8; HEADER];
        header[..4].copy_from_slice(&((HEADER + len) as u32).to_ne_bytes());
        header[8..].copy_from_slice(&unique.to_ne_bytes());
        // SAFETY: writes from a buffer of HEADER bytes.
        let wrote = check(unsafe {
            libc::write(self.write.as_raw_fd(), header.as_ptr().cast(), HEADER) as i32
        })?;
        if wrote as usize != HEADER {
            return Err(io::Error::from_raw_os_error(libc::EIO));
        }
        let mut at = offset as libc::loff_t;
        let mut left = len;
        while left > 0 {
            // SAFETY: descriptors this process holds; `at` outlives the call.
            let n = unsafe {
                libc::splice(
                    file.as_raw_fd(),
                    &mut at,
                    self.write.as_raw_fd(),
                    std::ptr::null_mut(),
                    left,
                    0,
                )
            };
            match n {
                0 => return Err(io::Error::from_raw_os_error(libc::EIO)),
                n if n < 0 => {
                    let e = io::Error::last_os_error();
                    if e.kind() != io::ErrorKind::Interrupted {
                        return Err(e);
                    }
                }
                n => left -= n as usize,
            }
        }
        // The device takes a whole reply or none of it.
        let total = HEADER + len;
        // SAFETY: descriptors this process holds.
        let n = unsafe {
            libc::splice(
                self.read.as_raw_fd(),
                std::ptr::null_mut(),
                device,
                std::ptr::null_mut(),
                total,
                0,
            )
        };
        match n {
            n if n < 0 => Err(io::Error::last_os_error()),
            n if n as usize != total => Err(io::Error::from_raw_os_error(libc::EIO)),
            _ => Ok(()),
        }
    }
}

fn check(ret: i32) -> io::Result<i32> {
    match ret {
        -1 => Err(io::Error::last_os_error()),
        n => Ok(n),
    }
}
