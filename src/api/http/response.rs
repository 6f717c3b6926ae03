//! Writing responses: whole bodies with Content-Length, streams in chunks, and
//! hijacked connections that stop being HTTP.

use std::fs::File;
use std::io::Write;
use std::os::fd::AsFd;

/// The API version the socket speaks when a client names none.
pub const API_VERSION: &str = "1.44";

pub struct Response {
    conn: File,
    /// Set once a status line has gone out: an error after that can only
    /// close the connection.
    sent: bool,
    /// The connection may carry another request after this one.
    pub keep_alive: bool,
    /// HEAD: headers only.
    head_only: bool,
    /// The origin `system service --cors` allows, sent on every response.
    cors: Option<String>,
}

impl Response {
    pub fn new(conn: File, keep_alive: bool, head_only: bool) -> Response {
        Response {
            conn,
            sent: false,
            keep_alive,
            head_only,
            cors: None,
        }
    }

    /// Sends `Access-Control-Allow-Origin: ORIGIN` with each head.
    pub fn allow_origin(mut self, origin: Option<&str>) -> Response {
        self.cors = origin.map(str::to_owned);
        self
    }

    pub fn sent(&self) -> bool {
        self.sent
    }

    fn write_head(
        &mut self,
        status: u16,
        headers: &[(&str, &str)],
        length: Option<u64>,
    ) -> std::io::Result<()> {
        let mut head = format!("HTTP/1.1 {status} {}\r\n", reason(status));
        let server = format!("Coracle/{} (linux)", env!("CARGO_PKG_VERSION"));
        let common = [
            ("Api-Version", API_VERSION),
            ("Docker-Experimental", "false"),
            ("Ostype", "linux"),
            ("Server", server.as_str()),
        ];
        for (name, value) in common.iter().chain(headers) {
            head.push_str(&format!("{name}: {value}\r\n"));
        }
        if let Some(origin) = &self.cors {
            head.push_str(&format!("Access-Control-Allow-Origin: {origin}\r\n"));
        }
        match length {
            Some(n) => head.push_str(&format!("Content-Length: {n}\r\n")),
            None if status == 101 => {}
            None => head.push_str("Transfer-Encoding: chunked\r\n"),
        }
        if !self.keep_alive && status != 101 {
            head.push_str("Connection: close\r\n");
        }
        head.push_str("\r\n");
        self.sent = true;
        self.conn.write_all(head.as_bytes())
    }

    /// A whole body.
    pub fn bytes(&mut self, status: u16, content_type: &str, body: &[u8]) -> std::io::Result<()> {
        self.write_head(
            status,
            &[("Content-Type", content_type)],
            Some(body.len() as u64),
        )?;
        if !self.head_only {
            self.conn.write_all(body)?;
        }
        Ok(())
    }

    pub fn json<T: serde::Serialize + ?Sized>(
        &mut self,
        status: u16,
        value: &T,
    ) -> std::io::Result<()> {
        let mut body = serde_json::to_vec(value).map_err(std::io::Error::other)?;
        body.push(b'\n');
        self.bytes(status, "application/json", &body)
    }

    /// A status with no body (204, or 200 for a ping).
    pub fn empty(&mut self, status: u16, headers: &[(&str, &str)]) -> std::io::Result<()> {
        self.write_head(status, headers, Some(0))
    }

    /// Headers for a body of `length` that the caller writes through
    /// [`Response::raw`] (an archive whose size is known).
    pub fn head(
        &mut self,
        status: u16,
        headers: &[(&str, &str)],
        length: u64,
    ) -> std::io::Result<()> {
        self.write_head(status, headers, Some(length))
    }

    /// Starts a body of unknown length: each write is sent as a chunk at once.
    pub fn stream(
        &mut self,
        status: u16,
        headers: &[(&str, &str)],
    ) -> std::io::Result<Chunked<'_>> {
        self.write_head(status, headers, None)?;
        Ok(Chunked {
            conn: &mut self.conn,
            head_only: self.head_only,
        })
    }

    /// Turns the connection into a raw byte stream (Docker's hijack): 101 when
    /// the client asked to upgrade, 200 otherwise. Returns the connection.
    pub fn hijack(&mut self, upgrade: bool, content_type: &str) -> std::io::Result<File> {
        self.keep_alive = false;
        match upgrade {
            true => self.write_head(
                101,
                &[
                    ("Content-Type", content_type),
                    ("Connection", "Upgrade"),
                    ("Upgrade", "tcp"),
                ],
                None,
            )?,
            false => {
                let mut head = format!("HTTP/1.1 200 OK\r\nContent-Type: {content_type}\r\n");
                head.push_str(&format!(
                    "Api-Version: {API_VERSION}\r\nOstype: linux\r\n\r\n"
                ));
                self.sent = true;
                self.conn.write_all(head.as_bytes())?;
            }
        }
        self.conn.try_clone()
    }

    /// The connection, for a body whose head went out with [`Response::head`].
    pub fn raw(&mut self) -> &mut File {
        &mut self.conn
    }

    /// Tells the client no more comes from us (after a hijack) while its
    /// input may still be read.
    pub fn shutdown_write(&self) {
        let _ = nix::sys::socket::shutdown(
            std::os::fd::AsRawFd::as_raw_fd(&self.conn.as_fd()),
            nix::sys::socket::Shutdown::Write,
        );
    }
}

/// A body sent in chunks; [`Chunked::finish`] ends it.
pub struct Chunked<'a> {
    conn: &'a mut File,
    head_only: bool,
}

impl Chunked<'_> {
    /// The client has closed its end: a stream that waits for something to
    /// send looks now and then, so as not to wait for a reader long gone.
    pub fn peer_closed(&self) -> bool {
        use std::os::fd::AsRawFd;
        let mut fd = libc::pollfd {
            fd: self.conn.as_raw_fd(),
            events: libc::POLLRDHUP,
            revents: 0,
        };
        // SAFETY: one pollfd for a descriptor we hold, and no waiting.
        let ready = unsafe { libc::poll(&mut fd, 1, 0) };
        ready > 0 && fd.revents & (libc::POLLRDHUP | libc::POLLHUP | libc::POLLERR) != 0
    }

    pub fn finish(self) -> std::io::Result<()> {
        match self.head_only {
            true => Ok(()),
            false => self.conn.write_all(b"0\r\n\r\n"),
        }
    }
}

impl Write for Chunked<'_> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if buf.is_empty() || self.head_only {
            return Ok(buf.len());
        }
        let mut chunk = Vec::with_capacity(buf.len() + 16);
        chunk.extend_from_slice(format!("{:x}\r\n", buf.len()).as_bytes());
        chunk.extend_from_slice(buf);
        chunk.extend_from_slice(b"\r\n");
        self.conn.write_all(&chunk)?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.conn.flush()
    }
}

fn reason(status: u16) -> &'static str {
    match status {
        101 => "UPGRADED",
        200 => "OK",
        201 => "Created",
        204 => "No Content",
        304 => "Not Modified",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        409 => "Conflict",
        413 => "Payload Too Large",
        415 => "Unsupported Media Type",
        431 => "Request Header Fields Too Large",
        500 => "Internal Server Error",
        501 => "Not Implemented",
        _ => "Unknown",
    }
}
