//! A request's head, read with httparse; its body is framed as
//! crate::wire::body says.

use super::HttpError;
use crate::wire::body::Framing;
use std::io::BufRead;

/// The longest head we read; Docker's clients send a few hundred bytes.
const MAX_HEAD: usize = 64 * 1024;
const MAX_HEADERS: usize = 64;

#[derive(Debug, Clone)]
pub struct Head {
    pub method: String,
    /// The path, percent-decoded, without the query.
    pub path: String,
    pub query: Vec<(String, String)>,
    pub headers: Vec<(String, String)>,
    /// HTTP/1.0 closes after one response unless asked not to.
    pub http10: bool,
}

impl Head {
    /// Reads the next request's head; `None` when the client closed the
    /// connection between requests.
    pub fn read(reader: &mut impl BufRead) -> Result<Option<Head>, HttpError> {
        let mut raw = Vec::new();
        loop {
            let before = raw.len();
            let n = reader.read_until(b'\n', &mut raw)?;
            if n == 0 {
                return match raw.is_empty() {
                    true => Ok(None),
                    false => Err(HttpError::Malformed("the request ended in its head".into())),
                };
            }
            if raw.len() > MAX_HEAD {
                return Err(HttpError::HeadTooLarge);
            }
            // A blank line ends the head; blank lines before a request are skipped.
            let line = &raw[before..];
            if line == b"\r\n" || line == b"\n" {
                if before == 0 {
                    raw.clear();
                    continue;
                }
                break;
            }
        }
        Self::parse(&raw).map(Some)
    }

    fn parse(raw: &[u8]) -> Result<Head, HttpError> {
        let mut headers = [httparse::EMPTY_HEADER; MAX_HEADERS];
        let mut request = httparse::Request::new(&mut headers);
        match request.parse(raw) {
            Ok(httparse::Status::Complete(_)) => {}
            Ok(httparse::Status::Partial) => {
                return Err(HttpError::Malformed(
                    "the request head is incomplete".into(),
                ))
            }
            Err(e) => return Err(HttpError::Malformed(e.to_string())),
        }
        let target = request.path.unwrap_or("/");
        let (path, query) = target.split_once('?').unwrap_or((target, ""));
        Ok(Head {
            method: request.method.unwrap_or("GET").to_owned(),
            path: percent_encoding::percent_decode_str(path)
                .decode_utf8_lossy()
                .into_owned(),
            query: form_urlencoded::parse(query.as_bytes())
                .into_owned()
                .collect(),
            headers: request
                .headers
                .iter()
                .map(|h| {
                    let value = String::from_utf8_lossy(h.value).into_owned();
                    (h.name.to_ascii_lowercase(), value)
                })
                .collect(),
            http10: request.version == Some(0),
        })
    }

    /// A header's value (names are matched without regard to case).
    pub fn header(&self, name: &str) -> Option<&str> {
        let name = name.to_ascii_lowercase();
        self.headers
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v.as_str())
    }

    /// The last value of a query parameter.
    pub fn param(&self, name: &str) -> Option<&str> {
        self.query
            .iter()
            .rev()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// Every value of a repeated query parameter, in order.
    pub fn params(&self, name: &str) -> Vec<String> {
        self.query
            .iter()
            .filter(|(n, _)| n == name)
            .map(|(_, v)| v.clone())
            .collect()
    }

    /// A boolean parameter as Docker reads them: `1`, `true` (any case) and an
    /// empty value with the name present are true.
    pub fn flag(&self, name: &str) -> bool {
        self.param(name)
            .map(|v| v.is_empty() || v == "1" || v.eq_ignore_ascii_case("true"))
            .unwrap_or(false)
    }

    /// The client asked to keep the connection for another request.
    pub fn keep_alive(&self) -> bool {
        let connection = self.header("connection").map(str::to_ascii_lowercase);
        match connection.as_deref() {
            Some(c) if c.contains("close") => false,
            Some(c) if c.contains("keep-alive") => true,
            _ => !self.http10,
        }
    }

    pub fn wants_upgrade(&self) -> bool {
        self.header("upgrade").is_some()
            || self
                .header("connection")
                .is_some_and(|c| c.to_ascii_lowercase().contains("upgrade"))
    }

    /// How the body is framed, from Transfer-Encoding and Content-Length.
    pub fn framing(&self) -> Result<Framing, HttpError> {
        Framing::of(
            self.header("transfer-encoding"),
            self.header("content-length"),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::body::Body;

    fn head(raw: &str) -> Head {
        Head::read(&mut raw.as_bytes()).unwrap().unwrap()
    }

    #[test]
    fn reads_path_query_and_headers() {
        let h = head("GET /v1.44/containers/json?all=1&filters=%7B%22a%22%3A1%7D HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\n\r\n");
        assert_eq!(h.path, "/v1.44/containers/json");
        assert!(h.flag("all"));
        assert_eq!(h.param("filters"), Some("{\"a\":1}"));
        assert_eq!(h.header("HOST"), Some("x"));
        assert!(h.wants_upgrade());
        assert!(h.keep_alive());
    }

    #[test]
    fn chunked_body_stops_at_its_end() {
        let raw = "POST /x HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2;ext=1\r\nde\r\n0\r\n\r\nGET /next";
        let mut reader = raw.as_bytes();
        let h = Head::read(&mut reader).unwrap().unwrap();
        let mut body = Body::new(h.framing().unwrap(), &mut reader);
        assert_eq!(body.read_limited(100).unwrap(), b"abcde");
        assert_eq!(reader, b"GET /next");
    }

    #[test]
    fn length_body_and_limits() {
        let raw = "POST /x HTTP/1.1\r\nContent-Length: 5\r\n\r\nhello";
        let mut reader = raw.as_bytes();
        let h = Head::read(&mut reader).unwrap().unwrap();
        let mut body = Body::new(h.framing().unwrap(), &mut reader);
        assert!(matches!(
            body.read_limited(4),
            Err(HttpError::BodyTooLarge(4))
        ));
    }

    #[test]
    fn closed_connection_and_garbage() {
        assert!(Head::read(&mut &b""[..]).unwrap().is_none());
        assert!(Head::read(&mut &b"\x00\x01 nonsense\r\n\r\n"[..]).is_err());
        assert!(Head::read(&mut &b"GET / HTTP/1.1\r\nHost"[..]).is_err());
    }
}
