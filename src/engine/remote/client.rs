//! A small blocking HTTP/1.1 client for the API socket: a connection per
//! request (the service forks a process per request anyway), httparse for the
//! response head, crate::wire for the body. A hijacked request keeps its
//! connection as a raw stream once the service answers 101 (or 200).

use super::RemoteError;
use crate::wire::body::{Body, Framing};
use serde::de::DeserializeOwned;
use serde::Serialize;
use std::io::{BufRead, BufReader, Read, Write};
use std::os::unix::net::UnixStream;
use std::path::PathBuf;

/// The API version spoken: the newest the service serves, whose shapes
/// bollard-stubs has.
const VERSION: &str = "/v1.44";
const MAX_HEAD: usize = 64 * 1024;

#[derive(Clone)]
pub struct Client {
    pub socket: PathBuf,
    /// As the user gave it, for messages.
    pub url: String,
}

/// A response whose head has been read; its body is read on demand.
pub struct Reply {
    pub status: u16,
    headers: Vec<(String, String)>,
    pub body: Body<BufReader<UnixStream>>,
}

/// What a request sends after its head.
pub enum Payload<'a> {
    None,
    Json(Vec<u8>),
    /// Sent chunked: its length is not known before it is read (a build context).
    Stream(&'a str, &'a mut dyn Read),
}

impl Payload<'_> {
    pub fn json(value: &impl Serialize) -> Result<Payload<'static>, RemoteError> {
        Ok(Payload::Json(serde_json::to_vec(value)?))
    }
}

impl Client {
    fn connect(&self) -> Result<UnixStream, RemoteError> {
        UnixStream::connect(&self.socket).map_err(|source| RemoteError::Connect {
            url: self.url.clone(),
            source,
        })
    }

    /// Sends a request and reads the response's head; a status of 400 and
    /// above is the service's error, its {"message"} the error's text.
    pub fn call(&self, method: &str, path: &str, payload: Payload) -> Result<Reply, RemoteError> {
        let reply = self.send(method, path, payload, false)?;
        reply.checked()
    }

    /// Sends a request and leaves its response unread: the caller reads it
    /// later with `Reply::read` (a wait that answers when a container exits).
    pub fn post_later(&self, path: &str) -> Result<Pending, RemoteError> {
        let mut conn = self.connect()?;
        conn.write_all(head("POST", path, None, false).as_bytes())?;
        Ok(Pending { conn })
    }

    /// A request whose connection becomes a raw stream of stdio once the
    /// service agrees; returns the stream, with what was read past the head.
    pub fn hijack(&self, path: &str, payload: Payload) -> Result<Hijacked, RemoteError> {
        let reply = self.send("POST", path, payload, true)?.checked()?;
        if reply.status != 101 && reply.status != 200 {
            return Err(RemoteError::Protocol(format!(
                "the service answered {} to an attach",
                reply.status
            )));
        }
        let multiplexed = reply
            .header("content-type")
            .is_none_or(|ct| !ct.contains("raw-stream"));
        Ok(Hijacked {
            reader: reply.body.into_inner(),
            multiplexed,
        })
    }

    fn send(
        &self,
        method: &str,
        path: &str,
        payload: Payload,
        upgrade: bool,
    ) -> Result<Reply, RemoteError> {
        let mut conn = self.connect()?;
        match payload {
            Payload::None => conn.write_all(head(method, path, None, upgrade).as_bytes())?,
            Payload::Json(bytes) => {
                let framing = format!(
                    "Content-Type: application/json\r\nContent-Length: {}\r\n",
                    bytes.len()
                );
                let mut out = head(method, path, Some(&framing), upgrade).into_bytes();
                out.extend_from_slice(&bytes);
                conn.write_all(&out)?;
            }
            Payload::Stream(content_type, input) => {
                let framing =
                    format!("Content-Type: {content_type}\r\nTransfer-Encoding: chunked\r\n");
                conn.write_all(head(method, path, Some(&framing), upgrade).as_bytes())?;
                send_chunked(&mut conn, input)?;
            }
        }
        read_reply(conn, method == "HEAD")
    }
}

/// A request sent whose response is yet to be read.
pub struct Pending {
    conn: UnixStream,
}

impl Pending {
    pub fn read<T: DeserializeOwned>(self) -> Result<T, RemoteError> {
        read_reply(self.conn, false)?.checked()?.json()
    }
}

/// A hijacked connection: stdio frames (or raw bytes with a TTY) come in, the
/// caller's input goes out.
pub struct Hijacked {
    pub reader: BufReader<UnixStream>,
    pub multiplexed: bool,
}

impl Reply {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    fn checked(mut self) -> Result<Reply, RemoteError> {
        if self.status < 400 {
            return Ok(self);
        }
        let mut text = Vec::new();
        self.body
            .by_ref()
            .take(MAX_HEAD as u64)
            .read_to_end(&mut text)?;
        #[derive(serde::Deserialize)]
        struct Message {
            message: String,
        }
        let message = match serde_json::from_slice::<Message>(&text) {
            Ok(m) => m.message,
            Err(_) => String::from_utf8_lossy(&text).trim().to_owned(),
        };
        Err(RemoteError::Status {
            status: self.status,
            message,
        })
    }

    pub fn json<T: DeserializeOwned>(mut self) -> Result<T, RemoteError> {
        let mut bytes = Vec::new();
        self.body.read_to_end(&mut bytes)?;
        Ok(serde_json::from_slice(&bytes)?)
    }

    /// Each line of a JSON-lines body (pull and build progress) as `T`.
    pub fn json_lines<T: DeserializeOwned>(self) -> impl Iterator<Item = Result<T, RemoteError>> {
        BufReader::new(self.body)
            .lines()
            .filter(|line| line.as_ref().map_or(true, |l| !l.trim().is_empty()))
            .map(|line| Ok(serde_json::from_str(&line?)?))
    }
}

fn head(method: &str, path: &str, framing: Option<&str>, upgrade: bool) -> String {
    let connection = match upgrade {
        true => "Connection: Upgrade\r\nUpgrade: tcp\r\n",
        false => "Connection: close\r\n",
    };
    format!(
        "{method} {VERSION}{path} HTTP/1.1\r\nHost: d\r\nUser-Agent: coracle\r\n{connection}{}\r\n",
        framing.unwrap_or("")
    )
}

fn send_chunked(conn: &mut UnixStream, input: &mut dyn Read) -> Result<(), RemoteError> {
    let mut buf = vec![0; 64 * 1024];
    loop {
        let n = input.read(&mut buf)?;
        if n == 0 {
            conn.write_all(b"0\r\n\r\n")?;
            return Ok(());
        }
        conn.write_all(format!("{n:x}\r\n").as_bytes())?;
        conn.write_all(&buf[..n])?;
        conn.write_all(b"\r\n")?;
    }
}

fn read_reply(conn: UnixStream, head_only: bool) -> Result<Reply, RemoteError> {
    let mut reader = BufReader::new(conn);
    let mut raw = Vec::new();
    loop {
        let n = reader.read_until(b'\n', &mut raw)?;
        if n == 0 {
            return Err(RemoteError::Protocol(
                "the service closed the connection before answering".into(),
            ));
        }
        if raw.ends_with(b"\r\n\r\n") || raw.ends_with(b"\n\n") {
            break;
        }
        if raw.len() > MAX_HEAD {
            return Err(RemoteError::Protocol(
                "the response head is too long".into(),
            ));
        }
    }
    let mut headers = [httparse::EMPTY_HEADER; 64];
    let mut response = httparse::Response::new(&mut headers);
    match response.parse(&raw) {
        Ok(httparse::Status::Complete(_)) => {}
        _ => return Err(RemoteError::Protocol("malformed response head".into())),
    }
    let status = response.code.unwrap_or(0);
    let headers: Vec<(String, String)> = response
        .headers
        .iter()
        .map(|h| {
            let value = String::from_utf8_lossy(h.value).into_owned();
            (h.name.to_ascii_lowercase(), value)
        })
        .collect();
    let find = |name: &str| {
        headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    };
    // A response without a body by its status, or with neither header, which
    // then runs to the end of the connection (we asked for it to close).
    let framing = if head_only || status == 101 || status == 204 || status == 304 {
        Framing::Length(0)
    } else if find("transfer-encoding").is_none() && find("content-length").is_none() {
        Framing::UntilEof
    } else {
        Framing::of(find("transfer-encoding"), find("content-length"))
            .map_err(|e| RemoteError::Protocol(e.to_string()))?
    };
    Ok(Reply {
        status,
        body: Body::new(framing, reader),
        headers,
    })
}
