//! A tiny token server for the registry's `auth.token` mode (Distribution 2.8).
//!
//! GET /token?service=S&scope=repository:NAME:pull,push with HTTP basic
//! credentials returns `{"token": JWT, "access_token": JWT}`. The JWT is ES256,
//! signed by a key whose self-signed certificate is both in the registry's
//! `rootcertbundle` and in the token's `x5c` header, which is how Distribution
//! finds the key. Right credentials get every action asked for; no credentials
//! get `pull` on repositories under `public/` only (as Docker Hub serves
//! anonymous pulls); wrong credentials get 401.

use anyhow::{Context, Result};
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine;
use ring::rand::SystemRandom;
use ring::signature::{EcdsaKeyPair, ECDSA_P256_SHA256_FIXED_SIGNING};
use serde_json::{json, Value};
use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

pub(crate) const SERVICE: &str = "coracle-test-registry";
pub(crate) const ISSUER: &str = "coracle-testkit-token-server";

struct Signer {
    key: EcdsaKeyPair,
    cert_der: Vec<u8>,
    user: String,
    pass: String,
    serial: AtomicU64,
}

pub(crate) struct TokenServer {
    pub port: u16,
    pub cert_pem: String,
    stop: Arc<AtomicBool>,
}

impl TokenServer {
    pub fn start(user: &str, pass: &str) -> Result<TokenServer> {
        let key_pair = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256)
            .context("generate a P-256 key")?;
        let params =
            rcgen::CertificateParams::new(vec!["coracle-testkit-token-server".to_string()])?;
        let cert = params
            .self_signed(&key_pair)
            .context("self-sign the token certificate")?;
        let rng = SystemRandom::new();
        let key = EcdsaKeyPair::from_pkcs8(
            &ECDSA_P256_SHA256_FIXED_SIGNING,
            &key_pair.serialize_der(),
            &rng,
        )
        .map_err(|e| anyhow::anyhow!("load the token key: {e}"))?;
        let signer = Arc::new(Signer {
            key,
            cert_der: cert.der().to_vec(),
            user: user.into(),
            pass: pass.into(),
            serial: AtomicU64::new(0),
        });
        let listener = TcpListener::bind("127.0.0.1:0").context("bind the token server")?;
        let port = listener.local_addr()?.port();
        let stop = Arc::new(AtomicBool::new(false));
        let s = stop.clone();
        std::thread::spawn(move || {
            for conn in listener.incoming() {
                if s.load(Ordering::SeqCst) {
                    break;
                }
                if let Ok(conn) = conn {
                    let signer = signer.clone();
                    std::thread::spawn(move || {
                        let _ = serve(&signer, conn);
                    });
                }
            }
        });
        Ok(TokenServer {
            port,
            cert_pem: cert.pem(),
            stop,
        })
    }

    pub fn realm(&self) -> String {
        format!("http://127.0.0.1:{}/token", self.port)
    }
}

impl Drop for TokenServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        let _ = TcpStream::connect(("127.0.0.1", self.port));
    }
}

fn serve(signer: &Signer, mut conn: TcpStream) -> Result<()> {
    let mut reader = BufReader::new(conn.try_clone()?);
    let mut request_line = String::new();
    reader.read_line(&mut request_line)?;
    let mut authorization = None;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line)? == 0 || line.trim().is_empty() {
            break;
        }
        if let Some((k, v)) = line.split_once(':') {
            if k.trim().eq_ignore_ascii_case("authorization") {
                authorization = Some(v.trim().to_string());
            }
        }
    }
    let target = request_line.split_whitespace().nth(1).unwrap_or("/");
    let query = target.split_once('?').map(|(_, q)| q).unwrap_or("");
    let scopes: Vec<String> = query
        .split('&')
        .filter_map(|kv| kv.split_once('='))
        .filter(|(k, _)| *k == "scope")
        .map(|(_, v)| percent_decode(v))
        .collect();

    let who = match authorization
        .as_deref()
        .and_then(|a| a.strip_prefix("Basic "))
    {
        None => None,
        Some(b64) => {
            let decoded = STANDARD.decode(b64.trim()).unwrap_or_default();
            let decoded = String::from_utf8_lossy(&decoded).into_owned();
            if decoded != format!("{}:{}", signer.user, signer.pass) {
                return respond(
                    &mut conn,
                    401,
                    &json!({"details": "incorrect username or password"}),
                );
            }
            Some(signer.user.clone())
        }
    };
    let access: Vec<Value> = scopes
        .iter()
        .filter_map(|s| grant(s, who.is_some()))
        .collect();
    let token = signer.token(who.as_deref().unwrap_or(""), access)?;
    respond(
        &mut conn,
        200,
        &json!({"token": token, "access_token": token, "expires_in": 300}),
    )
}

/// What one `type:name:actions` scope is granted.
fn grant(scope: &str, authenticated: bool) -> Option<Value> {
    let (kind, rest) = scope.split_once(':')?;
    let (name, actions) = rest.rsplit_once(':')?;
    let actions: Vec<&str> = actions
        .split(',')
        .filter(|a| {
            authenticated || (*a == "pull" && kind == "repository" && name.starts_with("public/"))
        })
        .collect();
    Some(json!({"type": kind, "name": name, "actions": actions}))
}

impl Signer {
    fn token(&self, subject: &str, access: Vec<Value>) -> Result<String> {
        let now = SystemTime::now().duration_since(UNIX_EPOCH)?.as_secs();
        let header =
            json!({"typ": "JWT", "alg": "ES256", "x5c": [STANDARD.encode(&self.cert_der)]});
        let claims = json!({
            "iss": ISSUER,
            "sub": subject,
            "aud": SERVICE,
            "exp": now + 600,
            "nbf": now - 30,
            "iat": now,
            "jti": format!("{now}-{}", self.serial.fetch_add(1, Ordering::SeqCst)),
            "access": access,
        });
        let signing_input = format!(
            "{}.{}",
            URL_SAFE_NO_PAD.encode(serde_json::to_vec(&header)?),
            URL_SAFE_NO_PAD.encode(serde_json::to_vec(&claims)?)
        );
        let sig = self
            .key
            .sign(&SystemRandom::new(), signing_input.as_bytes())
            .map_err(|e| anyhow::anyhow!("sign the token: {e}"))?;
        Ok(format!(
            "{signing_input}.{}",
            URL_SAFE_NO_PAD.encode(sig.as_ref())
        ))
    }
}

fn respond(conn: &mut TcpStream, status: u16, body: &Value) -> Result<()> {
    let body = serde_json::to_vec(body)?;
    let reason = if status == 200 { "OK" } else { "Unauthorized" };
    write!(
        conn,
        "HTTP/1.1 {status} {reason}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    )?;
    conn.write_all(&body)?;
    Ok(())
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' if i + 2 < bytes.len() => {
                let h = std::str::from_utf8(&bytes[i + 1..i + 3])
                    .ok()
                    .and_then(|h| u8::from_str_radix(h, 16).ok());
                match h {
                    Some(b) => {
                        out.push(b);
                        i += 3;
                        continue;
                    }
                    None => out.push(b'%'),
                }
            }
            b'+' => out.push(b' '),
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scopes() {
        assert_eq!(
            percent_decode("repository%3Afoo%2Fbar%3Apull%2Cpush"),
            "repository:foo/bar:pull,push"
        );
        assert_eq!(
            grant("repository:foo:pull,push", true).unwrap()["actions"],
            json!(["pull", "push"])
        );
        assert_eq!(
            grant("repository:foo:pull,push", false).unwrap()["actions"],
            json!([])
        );
        assert_eq!(
            grant("repository:public/foo:pull,push", false).unwrap()["actions"],
            json!(["pull"])
        );
    }
}
