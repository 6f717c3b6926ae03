//! A throttling TCP proxy, so a test can interrupt a pull half-way reliably, and
//! cut connections that upload too much, to break a push half-way.

use anyhow::{Context, Result};
use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

/// Forwards 127.0.0.1:`port()` to an upstream address, limiting the bytes per
/// second sent back to the client (0 = unlimited; changeable at any time).
pub struct Throttle {
    port: u16,
    rate: Arc<AtomicU64>,
    sent: Arc<AtomicU64>,
    stop: Arc<AtomicBool>,
    cut: Arc<Cut>,
}

/// Connections that send the upstream more than `after` bytes are closed there
/// (`u64::MAX`: never); `once` switches cutting off after the first cut.
struct Cut {
    after: AtomicU64,
    once: AtomicBool,
    /// Answer PATCH requests 405 instead of passing them on (a registry that only
    /// takes monolithic uploads).
    refuse_patch: AtomicBool,
}

impl Cut {
    /// May a connection that has sent `sent` bytes send `n` more? Trips the cut.
    fn allows(&self, sent: u64, n: u64) -> bool {
        let after = self.after.load(Ordering::SeqCst);
        if sent.saturating_add(n) <= after {
            return true;
        }
        if self.once.load(Ordering::SeqCst) {
            self.after.store(u64::MAX, Ordering::SeqCst);
        }
        false
    }
}

impl Throttle {
    pub fn start(upstream: &str, bytes_per_sec: u64) -> Result<Throttle> {
        let listener = TcpListener::bind("127.0.0.1:0").context("bind the throttle proxy")?;
        let port = listener.local_addr()?.port();
        let rate = Arc::new(AtomicU64::new(bytes_per_sec));
        let stop = Arc::new(AtomicBool::new(false));
        let sent = Arc::new(AtomicU64::new(0));
        let cut = Arc::new(Cut {
            after: AtomicU64::new(u64::MAX),
            once: AtomicBool::new(false),
            refuse_patch: AtomicBool::new(false),
        });
        let (r, s, n, up, k) = (
            rate.clone(),
            stop.clone(),
            sent.clone(),
            upstream.to_string(),
            cut.clone(),
        );
        std::thread::spawn(move || {
            for conn in listener.incoming() {
                if s.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(client) = conn else { continue };
                let Ok(server) = TcpStream::connect(&up) else {
                    continue;
                };
                let (r, n) = (r.clone(), n.clone());
                let (c2, s2) = (client.try_clone().unwrap(), server.try_clone().unwrap());
                let k = k.clone();
                std::thread::spawn(move || upload(c2, s2, &k));
                std::thread::spawn(move || pump(server, client, Some(r), Some(n)));
            }
        });
        Ok(Throttle {
            port,
            rate,
            sent,
            stop,
            cut,
        })
    }

    /// Closes every connection once it has sent the upstream more than `bytes`
    /// (a registry that keeps dropping uploads), until [`Throttle::stop_cutting`].
    pub fn cut_uploads_after(&self, bytes: u64) {
        self.cut.once.store(false, Ordering::SeqCst);
        self.cut.after.store(bytes, Ordering::SeqCst);
    }

    /// Closes the first connection that sends the upstream more than `bytes`,
    /// then lets everything through (one dropped connection mid-upload).
    pub fn cut_one_upload_after(&self, bytes: u64) {
        self.cut.once.store(true, Ordering::SeqCst);
        self.cut.after.store(bytes, Ordering::SeqCst);
    }

    /// Answers every PATCH (a chunk of a blob upload) with 405 Method Not Allowed,
    /// as registries that only take whole blobs do.
    pub fn refuse_chunked_uploads(&self) {
        self.cut.refuse_patch.store(true, Ordering::SeqCst);
    }

    pub fn stop_cutting(&self) {
        self.cut.after.store(u64::MAX, Ordering::SeqCst);
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// `127.0.0.1:PORT`, to use in place of the registry's address.
    pub fn addr(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    /// Bytes sent from the upstream to clients so far (to check what a pull fetched).
    pub fn bytes_sent(&self) -> u64 {
        self.sent.load(Ordering::SeqCst)
    }

    pub fn set_rate(&self, bytes_per_sec: u64) {
        self.rate.store(bytes_per_sec, Ordering::SeqCst);
    }
}

impl Drop for Throttle {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        let _ = TcpStream::connect(("127.0.0.1", self.port));
    }
}

/// Client to upstream, closing both sides when the connection is cut.
fn upload(mut from: TcpStream, mut to: TcpStream, cut: &Cut) {
    let mut buf = vec![0u8; 16 * 1024];
    let mut sent = 0u64;
    loop {
        let n = match from.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => n,
        };
        if cut.refuse_patch.load(Ordering::SeqCst) && buf.starts_with(b"PATCH ") {
            refuse(&mut from, &buf[..n]);
            let _ = to.shutdown(Shutdown::Both);
            return;
        }
        if !cut.allows(sent, n as u64) {
            let _ = to.shutdown(Shutdown::Both);
            let _ = from.shutdown(Shutdown::Both);
            return;
        }
        if to.write_all(&buf[..n]).is_err() {
            break;
        }
        sent += n as u64;
    }
    let _ = to.shutdown(Shutdown::Write);
    let _ = from.shutdown(Shutdown::Read);
}

/// Reads the rest of the request that starts with `head` (headers, then a
/// Content-Length body), answers it 405 and closes the connection.
fn refuse(client: &mut TcpStream, head: &[u8]) {
    let mut request = head.to_vec();
    let mut buf = vec![0u8; 16 * 1024];
    let end = loop {
        if let Some(at) = request.windows(4).position(|w| w == b"\r\n\r\n") {
            break at + 4;
        }
        match client.read(&mut buf) {
            Ok(0) | Err(_) => return,
            Ok(n) => request.extend_from_slice(&buf[..n]),
        }
    };
    let headers = String::from_utf8_lossy(&request[..end]).to_ascii_lowercase();
    let length: usize = headers
        .lines()
        .find_map(|l| l.strip_prefix("content-length:"))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(0);
    let mut body = request.len() - end;
    while body < length {
        match client.read(&mut buf) {
            Ok(0) | Err(_) => return,
            Ok(n) => body += n,
        }
    }
    let _ = client.write_all(
        b"HTTP/1.1 405 Method Not Allowed\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
    );
    let _ = client.shutdown(Shutdown::Both);
}

fn pump(
    mut from: TcpStream,
    mut to: TcpStream,
    rate: Option<Arc<AtomicU64>>,
    sent: Option<Arc<AtomicU64>>,
) {
    let mut buf = vec![0u8; 16 * 1024];
    loop {
        let n = match from.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => n,
        };
        if to.write_all(&buf[..n]).is_err() {
            break;
        }
        if let Some(sent) = &sent {
            sent.fetch_add(n as u64, Ordering::SeqCst);
        }
        if let Some(rate) = &rate {
            let bps = rate.load(Ordering::SeqCst);
            if bps > 0 {
                std::thread::sleep(Duration::from_secs_f64(n as f64 / bps as f64));
            }
        }
    }
    let _ = to.shutdown(Shutdown::Write);
    let _ = from.shutdown(Shutdown::Read);
}
