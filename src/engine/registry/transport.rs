//! Getting a request to a registry: which host, which scheme, which TLS rules.
//!
//! Loopback registries and any registry when `tls_verify` is off are "insecure"
//! (Docker's word): https without checking the certificate first, and plain http
//! when that connection cannot be made. The scheme that worked is remembered per
//! registry for the client's lifetime, so the probe happens once.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;

use bytes::Bytes;
use reqwest::header::HeaderMap;
use reqwest::Method;

use super::error::{cause_of, RegistryError};
use super::ClientOptions;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Scheme {
    Https,
    Http,
}

impl Scheme {
    fn as_str(self) -> &'static str {
        match self {
            Scheme::Https => "https",
            Scheme::Http => "http",
        }
    }
}

pub struct Transport {
    /// https with certificate verification.
    secure: reqwest::Client,
    /// https without verification, and plain http.
    insecure: reqwest::Client,
    tls_verify: bool,
    schemes: Mutex<HashMap<String, Scheme>>,
}

impl Transport {
    pub fn new(opts: &ClientOptions) -> Result<Transport, RegistryError> {
        let build = |verify: bool| {
            reqwest::Client::builder()
                .user_agent(concat!("coracle/", env!("CARGO_PKG_VERSION")))
                .connect_timeout(opts.connect_timeout)
                // Per read, not per request: a large layer may take as long as it
                // takes, a registry that stops sending may not.
                .read_timeout(opts.read_timeout)
                .tls_danger_accept_invalid_certs(!verify)
                .tls_danger_accept_invalid_hostnames(!verify)
                .build()
                .map_err(|e| RegistryError::Setup(cause_of(&e)))
        };
        Ok(Transport {
            secure: build(true)?,
            insecure: build(false)?,
            tls_verify: opts.tls_verify,
            schemes: Mutex::new(HashMap::new()),
        })
    }

    /// May this registry be reached without verified TLS?
    pub fn is_insecure(&self, registry: &str) -> bool {
        !self.tls_verify || is_loopback(registry)
    }

    /// The client to use for a URL that is not the registry's own (a token
    /// realm): the same rules, applied to the URL's host.
    pub fn client_for(&self, url: &str) -> &reqwest::Client {
        let host = reqwest::Url::parse(url)
            .ok()
            .and_then(|u| u.host_str().map(str::to_string));
        match host {
            Some(h) if self.is_insecure(&h) => &self.insecure,
            _ => &self.secure,
        }
    }

    /// Sends a request to `target`: a path starting with `/v2/` on the registry
    /// (choosing the scheme), or an absolute URL the registry gave us (an upload
    /// `Location`), sent as it is.
    pub async fn send(
        &self,
        method: Method,
        registry: &str,
        target: &str,
        headers: HeaderMap,
        body: Option<Bytes>,
    ) -> Result<reqwest::Response, RegistryError> {
        let insecure = self.is_insecure(registry);
        let client = if insecure {
            &self.insecure
        } else {
            &self.secure
        };
        let request = |url: &str| {
            let mut req = client.request(method.clone(), url).headers(headers.clone());
            if let Some(body) = &body {
                req = req.body(body.clone());
            }
            req
        };
        if !target.starts_with('/') {
            return send(request(target), registry).await;
        }
        let host = api_host(registry);
        let known = self.schemes.lock().unwrap().get(registry).copied();
        if !insecure {
            return send(request(&format!("https://{host}{target}")), registry).await;
        }
        if let Some(scheme) = known {
            let url = format!("{}://{host}{target}", scheme.as_str());
            return send(request(&url), registry).await;
        }
        match request(&format!("https://{host}{target}")).send().await {
            Ok(resp) => {
                self.remember(registry, Scheme::Https);
                Ok(resp)
            }
            Err(e) if e.is_connect() => {
                log::debug!("{registry}: https failed ({}), trying http", cause_of(&e));
                let resp = send(request(&format!("http://{host}{target}")), registry).await?;
                self.remember(registry, Scheme::Http);
                Ok(resp)
            }
            Err(e) => Err(unreachable(registry, &e)),
        }
    }

    fn remember(&self, registry: &str, scheme: Scheme) {
        self.schemes
            .lock()
            .unwrap()
            .insert(registry.to_string(), scheme);
    }
}

async fn send(
    req: reqwest::RequestBuilder,
    registry: &str,
) -> Result<reqwest::Response, RegistryError> {
    req.send().await.map_err(|e| unreachable(registry, &e))
}

fn unreachable(registry: &str, e: &reqwest::Error) -> RegistryError {
    RegistryError::Unreachable {
        registry: registry.to_string(),
        cause: cause_of(e),
    }
}

/// The host that serves a registry's API: the Docker Hub is not at docker.io.
pub fn api_host(registry: &str) -> &str {
    match registry {
        "docker.io" | "index.docker.io" => "registry-1.docker.io",
        other => other,
    }
}

/// `localhost`, 127.0.0.0/8 and ::1, with or without a port.
pub fn is_loopback(registry: &str) -> bool {
    let host = if let Some(v6) = registry.strip_prefix('[') {
        v6.split(']').next().unwrap_or("")
    } else if registry.matches(':').count() > 1 {
        registry // a bare IPv6 address
    } else {
        registry.split(':').next().unwrap_or("")
    };
    if host.eq_ignore_ascii_case("localhost") || host.to_ascii_lowercase().ends_with(".localhost") {
        return true;
    }
    host.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_registries() {
        for yes in [
            "localhost",
            "localhost:5000",
            "127.0.0.1:5000",
            "127.1.2.3",
            "[::1]:5000",
            "[::1]",
            "::1",
            "LOCALHOST:1",
            "a.localhost:5000",
        ] {
            assert!(is_loopback(yes), "{yes}");
        }
        for no in [
            "docker.io",
            "quay.io:443",
            "10.0.0.1:5000",
            "128.0.0.1",
            "[::2]:5000",
            "localhost.example.com",
            "127.0.0.1.nip.io",
        ] {
            assert!(!is_loopback(no), "{no}");
        }
    }

    #[test]
    fn docker_hub_api_host() {
        assert_eq!(api_host("docker.io"), "registry-1.docker.io");
        assert_eq!(api_host("quay.io"), "quay.io");
        assert_eq!(api_host("127.0.0.1:5000"), "127.0.0.1:5000");
    }
}

/// A registry with a self-signed certificate, reached with verification on:
/// `CORACLE_TEST_TLS_REGISTRY=127.0.0.1:PORT cargo test --lib
/// live_verified_tls -- --ignored`.
#[cfg(test)]
#[tokio::test]
#[ignore]
async fn live_verified_tls() {
    let registry = std::env::var("CORACLE_TEST_TLS_REGISTRY").expect("CORACLE_TEST_TLS_REGISTRY");
    let _ = rustls::crypto::ring::default_provider().install_default();
    let t = Transport::new(&ClientOptions::default()).unwrap();
    let e = send(t.secure.get(format!("https://{registry}/v2/")), &registry)
        .await
        .unwrap_err();
    eprintln!("{e}");
    assert!(e.to_string().contains("--tls-verify=false"), "{e}");
}
