//! The client against a small scripted HTTP server on 127.0.0.1: auth flows,
//! error mapping and the https-then-http probe, without a real registry.
//! (`live_registry` at the end runs against Debian's docker-registry; it is
//! ignored by default.)

use std::collections::HashMap;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};

use futures_util::TryStreamExt;

use super::*;

#[derive(Debug, Clone)]
struct Req {
    path: String,
    headers: HashMap<String, String>,
}

struct Resp {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

fn resp(status: u16, headers: &[(&str, &str)], body: impl Into<Vec<u8>>) -> Resp {
    Resp {
        status,
        headers: headers
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
        body: body.into(),
    }
}

type Handler = dyn Fn(&Req, u16) -> Resp + Send + Sync;

/// A one-request-per-connection HTTP/1.1 server. TLS client hellos are hung up
/// on, which is what an http-only registry looks like to an https probe.
struct Fake {
    port: u16,
    log: Arc<Mutex<Vec<Req>>>,
}

impl Fake {
    fn start(handler: impl Fn(&Req, u16) -> Resp + Send + Sync + 'static) -> Fake {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let log = Arc::new(Mutex::new(Vec::new()));
        let handler: Arc<Handler> = Arc::new(handler);
        let log2 = log.clone();
        std::thread::spawn(move || {
            for conn in listener.incoming() {
                let Ok(conn) = conn else { return };
                let (handler, log) = (handler.clone(), log2.clone());
                std::thread::spawn(move || serve(conn, port, &*handler, &log));
            }
        });
        Fake { port, log }
    }

    fn registry(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    fn reference(&self, repo: &str) -> Reference {
        Reference::parse(&format!("{}/{repo}", self.registry())).unwrap()
    }

    fn paths(&self) -> Vec<String> {
        self.log
            .lock()
            .unwrap()
            .iter()
            .map(|r| r.path.clone())
            .collect()
    }
}

fn serve(mut conn: TcpStream, port: u16, handler: &Handler, log: &Mutex<Vec<Req>>) {
    let mut buf = Vec::new();
    let mut byte = [0u8; 1];
    while !buf.ends_with(b"\r\n\r\n") {
        match conn.read(&mut byte) {
            Ok(1) => buf.push(byte[0]),
            _ => return,
        }
        if buf.len() == 1 && !buf[0].is_ascii_uppercase() {
            return; // not HTTP: a TLS handshake
        }
    }
    let text = String::from_utf8_lossy(&buf);
    let mut lines = text.split("\r\n");
    let path = lines
        .next()
        .unwrap_or("")
        .split(' ')
        .nth(1)
        .unwrap_or("")
        .to_string();
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    let req = Req { path, headers };
    log.lock().unwrap().push(req.clone());
    let r = handler(&req, port);
    let mut out = format!(
        "HTTP/1.1 {} X\r\nContent-Length: {}\r\nConnection: close\r\n",
        r.status,
        r.body.len()
    );
    for (k, v) in &r.headers {
        out.push_str(&format!("{k}: {v}\r\n"));
    }
    out.push_str("\r\n");
    let _ = conn.write_all(out.as_bytes());
    let _ = conn.write_all(&r.body);
}

const MANIFEST: &[u8] = br#"{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:0000000000000000000000000000000000000000000000000000000000000000","size":2},"layers":[]}"#;

fn manifest_resp() -> Resp {
    resp(200, &[("Content-Type", MEDIA_OCI_MANIFEST)], MANIFEST)
}

fn client() -> Client {
    Client::new(ClientOptions {
        auth_files: Some(vec![]),
        ..ClientOptions::default()
    })
    .unwrap()
}

fn client_with(user: &str, pass: &str) -> Client {
    Client::new(ClientOptions {
        credentials: Some(Credentials {
            username: user.into(),
            password: pass.into(),
        }),
        ..ClientOptions::default()
    })
    .unwrap()
}

#[tokio::test]
async fn anonymous_manifest_over_http_fallback() {
    let fake = Fake::start(|_, _| manifest_resp());
    let c = client();
    let m = c.manifest(&fake.reference("x")).await.unwrap();
    assert_eq!(m.bytes, MANIFEST);
    assert_eq!(m.media_type, MEDIA_OCI_MANIFEST);
    assert_eq!(m.digest, digest_of("sha256", MANIFEST));
    // The http scheme is remembered: no second probe.
    c.manifest(&fake.reference("x")).await.unwrap();
    assert_eq!(fake.paths(), vec!["/v2/x/manifests/latest"; 2]);
}

#[tokio::test]
async fn bearer_tokens_are_fetched_once_per_scope() {
    let tokens = Arc::new(Mutex::new(0));
    let t2 = tokens.clone();
    let fake = Fake::start(move |req, port| {
        if req.path.starts_with("/token?") {
            *t2.lock().unwrap() += 1;
            let scope = req.path.split("scope=").nth(1).unwrap_or("");
            let token = scope.replace("%3A", ":").replace("%2F", "/");
            assert!(req.path.contains("service=fake"), "{}", req.path);
            return resp(
                200,
                &[],
                format!(r#"{{"access_token":"{token}","expires_in":300}}"#),
            );
        }
        let repo = req
            .path
            .trim_start_matches("/v2/")
            .split("/manifests/")
            .next()
            .unwrap();
        let want = format!("Bearer repository:{repo}:pull");
        if req.headers.get("authorization") == Some(&want) {
            return manifest_resp();
        }
        let challenge = format!(
            r#"Bearer realm="http://127.0.0.1:{port}/token",service="fake",scope="repository:{repo}:pull""#
        );
        resp(
            401,
            &[("WWW-Authenticate", &challenge)],
            r#"{"errors":[{"code":"UNAUTHORIZED"}]}"#,
        )
    });
    let c = client();
    c.manifest(&fake.reference("a/b")).await.unwrap();
    c.manifest(&fake.reference("a/b:2")).await.unwrap();
    assert_eq!(*tokens.lock().unwrap(), 1);
    // A second repository: its token is fetched before the request, no 401.
    c.manifest(&fake.reference("other")).await.unwrap();
    assert_eq!(*tokens.lock().unwrap(), 2);
    let paths = fake.paths();
    assert_eq!(
        paths.iter().filter(|p| p.starts_with("/v2/other/")).count(),
        1,
        "{paths:?}"
    );
}

#[tokio::test]
async fn basic_auth_with_and_without_credentials() {
    let fake = Fake::start(|req, _| {
        // "u:p"
        if req.headers.get("authorization").map(String::as_str) == Some("Basic dTpw") {
            return manifest_resp();
        }
        resp(
            401,
            &[("WWW-Authenticate", r#"Basic realm="Registry Realm""#)],
            "",
        )
    });
    let r = fake.reference("foo");
    client_with("u", "p").manifest(&r).await.unwrap();
    let e = client_with("u", "wrong").manifest(&r).await.unwrap_err();
    assert_eq!(
        e.to_string(),
        format!(
            "unauthorized: the registry {0} refused the credentials for {0}/foo:latest",
            fake.registry()
        )
    );
    let e = client().manifest(&r).await.unwrap_err();
    assert_eq!(
        e.to_string(),
        format!(
            "authentication required for {}/foo:latest: log in with coracle login",
            fake.registry()
        )
    );
}

#[tokio::test]
async fn credentials_come_from_the_auth_file() {
    let fake = Fake::start(|req, _| {
        if req.headers.get("authorization").map(String::as_str) == Some("Basic dTpw") {
            return manifest_resp();
        }
        resp(401, &[("WWW-Authenticate", "Basic")], "")
    });
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("auth.json");
    let key = format!("{}/foo", fake.registry());
    std::fs::write(
        &file,
        serde_json::json!({"auths": {key: {"auth": "dTpw"}}}).to_string(),
    )
    .unwrap();
    let c = Client::new(ClientOptions {
        auth_files: Some(vec![file]),
        ..ClientOptions::default()
    })
    .unwrap();
    c.manifest(&fake.reference("foo")).await.unwrap();
    // Scoped to foo: bar gets no credentials.
    assert!(matches!(
        c.manifest(&fake.reference("bar")).await,
        Err(RegistryError::Unauthorized {
            had_credentials: false,
            ..
        })
    ));
}

#[tokio::test]
async fn a_refused_token_request_is_unauthorized() {
    let fake = Fake::start(|req, port| {
        if req.path.starts_with("/token") {
            return resp(401, &[], "");
        }
        let challenge = format!(r#"Bearer realm="http://127.0.0.1:{port}/token""#);
        resp(401, &[("WWW-Authenticate", &challenge)], "")
    });
    let e = client_with("u", "bad")
        .manifest(&fake.reference("x"))
        .await
        .unwrap_err();
    assert!(
        matches!(
            e,
            RegistryError::Unauthorized {
                had_credentials: true,
                ..
            }
        ),
        "{e}"
    );
}

#[tokio::test]
async fn errors_map_to_their_kinds() {
    let fake = Fake::start(|req, _| match req.path.as_str() {
        "/v2/nope/manifests/latest" => resp(
            404,
            &[],
            r#"{"errors":[{"code":"MANIFEST_UNKNOWN","message":"manifest unknown"}]}"#,
        ),
        "/v2/boom/manifests/latest" => resp(
            500,
            &[],
            r#"{"errors":[{"code":"UNKNOWN","message":"disk on fire"}]}"#,
        ),
        "/v2/slow/manifests/latest" => resp(429, &[], "too many requests, slow down\n"),
        p if p.starts_with("/v2/x/blobs/") => {
            resp(404, &[], r#"{"errors":[{"code":"BLOB_UNKNOWN"}]}"#)
        }
        p if p.starts_with("/v2/x/manifests/sha256:") => manifest_resp(),
        _ => resp(200, &[("Content-Type", "text/plain")], "not json"),
    });
    let reg = fake.registry();
    let c = client();
    let e = c.manifest(&fake.reference("nope")).await.unwrap_err();
    assert_eq!(
        e.to_string(),
        format!("image {reg}/nope:latest not found in the registry")
    );
    let e = c.manifest(&fake.reference("boom")).await.unwrap_err();
    assert_eq!(
        e.to_string(),
        format!("registry {reg} answered 500 for {reg}/boom:latest: unknown: disk on fire")
    );
    let e = c.manifest(&fake.reference("slow")).await.unwrap_err();
    assert_eq!(
        e.to_string(),
        format!("registry {reg} answered 429 for {reg}/slow:latest: too many requests, slow down")
    );
    let digest = digest_of("sha256", b"other");
    let e = c.blob(&fake.reference("x"), &digest).await.err().unwrap();
    assert_eq!(
        e.to_string(),
        format!("blob {digest} of image {reg}/x:latest not found in the registry")
    );
    let e = c
        .manifest_by_digest(&fake.reference("x"), &digest)
        .await
        .unwrap_err();
    assert!(matches!(e, RegistryError::DigestMismatch { .. }), "{e}");
    assert!(
        e.to_string().starts_with(&format!(
            "manifest of {reg}/x@{digest} does not match its digest"
        )),
        "{e}"
    );
    let good = digest_of("sha256", MANIFEST);
    let m = c
        .manifest(&fake.reference(&format!("x@{good}")))
        .await
        .unwrap();
    assert_eq!(m.digest, good);
    let e = c.manifest(&fake.reference("plain")).await.unwrap_err();
    assert!(matches!(e, RegistryError::Protocol { .. }), "{e}");
    let e = c
        .blob(&fake.reference("x"), "sha256:../../etc")
        .await
        .err()
        .unwrap();
    assert!(matches!(e, RegistryError::InvalidDigest { .. }), "{e}");
}

#[tokio::test]
async fn blobs_stream_with_their_size() {
    let data: Vec<u8> = (0..200_000u32).map(|i| i as u8).collect();
    let d2 = data.clone();
    let fake = Fake::start(move |_, _| resp(200, &[], d2.clone()));
    let blob = client()
        .blob(&fake.reference("x"), &digest_of("sha256", &data))
        .await
        .unwrap();
    assert_eq!(blob.size, Some(data.len() as u64));
    let chunks: Vec<Bytes> = blob.stream.try_collect().await.unwrap();
    assert_eq!(chunks.concat(), data);
}

#[tokio::test]
async fn unreachable_registries_say_why() {
    let port = {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let r = Reference::parse(&format!("127.0.0.1:{port}/x")).unwrap();
    let e = client().manifest(&r).await.unwrap_err();
    assert_eq!(
        e.to_string(),
        format!("registry 127.0.0.1:{port} is unreachable: connection refused")
    );
}

#[test]
fn media_types() {
    let oci_index = br#"{"schemaVersion":2,"manifests":[]}"#;
    assert_eq!(
        media_type_of(Some(MEDIA_DOCKER_LIST), b"{}").as_deref(),
        Some(MEDIA_DOCKER_LIST)
    );
    assert_eq!(
        media_type_of(Some("application/json"), MANIFEST).as_deref(),
        Some(MEDIA_OCI_MANIFEST)
    );
    assert_eq!(
        media_type_of(None, oci_index).as_deref(),
        Some(MEDIA_OCI_INDEX)
    );
    assert_eq!(
        media_type_of(None, br#"{"config":{},"layers":[]}"#).as_deref(),
        Some(MEDIA_OCI_MANIFEST)
    );
    assert_eq!(media_type_of(None, b"{}"), None);
    assert_eq!(media_type_of(Some(""), b"nope"), None);
}

/// Against a real registry: `CORACLE_TEST_REGISTRY=127.0.0.1:PORT/repo:tag
/// cargo test --lib live_registry -- --ignored`, with
/// `CORACLE_TEST_CREDS=user:pass` for one with htpasswd auth.
#[tokio::test]
#[ignore]
async fn live_registry() {
    let image = std::env::var("CORACLE_TEST_REGISTRY").expect("CORACLE_TEST_REGISTRY");
    let credentials = std::env::var("CORACLE_TEST_CREDS").ok().map(|c| {
        let (u, p) = c.split_once(':').unwrap();
        Credentials {
            username: u.into(),
            password: p.into(),
        }
    });
    let c = Client::new(ClientOptions {
        credentials,
        auth_files: Some(vec![]),
        ..ClientOptions::default()
    })
    .unwrap();
    let r = Reference::parse(&image).unwrap();
    let m = c.manifest(&r).await.unwrap();
    eprintln!(
        "{r}: {} {} ({} bytes)",
        m.media_type,
        m.digest,
        m.bytes.len()
    );
    let again = c.manifest_by_digest(&r, &m.digest).await.unwrap();
    assert_eq!(again.bytes, m.bytes);
    let json: serde_json::Value = serde_json::from_slice(&m.bytes).unwrap();
    let manifest = if let Some(list) = json.get("manifests") {
        let index: oci_spec::image::ImageIndex = serde_json::from_slice(&m.bytes).unwrap();
        let want = crate::engine::oci::platform::Platform::host();
        let child = crate::engine::oci::platform::select(&index, &want).unwrap();
        eprintln!(
            "index of {}: picked {}",
            list.as_array().unwrap().len(),
            child.digest()
        );
        let m = c
            .manifest_by_digest(&r, child.digest().as_ref())
            .await
            .unwrap();
        serde_json::from_slice(&m.bytes).unwrap()
    } else {
        json
    };
    let blobs = std::iter::once(&manifest["config"]).chain(manifest["layers"].as_array().unwrap());
    for desc in blobs {
        let digest = desc["digest"].as_str().unwrap();
        let blob = c.blob(&r, digest).await.unwrap();
        let chunks: Vec<Bytes> = blob.stream.try_collect().await.unwrap();
        let bytes = chunks.concat();
        assert_eq!(digest_of("sha256", &bytes), digest);
        assert_eq!(bytes.len() as u64, desc["size"].as_u64().unwrap());
        eprintln!(
            "blob {digest}: {} bytes, content-length {:?}",
            bytes.len(),
            blob.size
        );
    }
    let missing = Reference::parse(&format!("{}:no-such-tag", r.name())).unwrap();
    let e = c.manifest(&missing).await.unwrap_err();
    eprintln!("{e}");
    assert!(matches!(e, RegistryError::NotFound { .. }));
}

/// The failures a user meets against a real registry with htpasswd auth:
/// `CORACLE_TEST_AUTH_REGISTRY=127.0.0.1:PORT cargo test --lib
/// live_auth_errors -- --ignored`.
#[tokio::test]
#[ignore]
async fn live_auth_errors() {
    let registry = std::env::var("CORACLE_TEST_AUTH_REGISTRY").expect("CORACLE_TEST_AUTH_REGISTRY");
    let r = Reference::parse(&format!("{registry}/private/bb")).unwrap();
    let e = client().manifest(&r).await.unwrap_err();
    eprintln!("{e}");
    assert_eq!(
        e.to_string(),
        format!(
            "authentication required for {registry}/private/bb:latest: log in with coracle login"
        )
    );
    let e = client_with("alice", "wrong")
        .manifest(&r)
        .await
        .unwrap_err();
    eprintln!("{e}");
    assert_eq!(
        e.to_string(),
        format!("unauthorized: the registry {registry} refused the credentials for {registry}/private/bb:latest")
    );
    let nope = Reference::parse(&format!("{registry}/nope")).unwrap();
    let e = client_with("alice", "s3cret")
        .manifest(&nope)
        .await
        .unwrap_err();
    eprintln!("{e}");
    assert_eq!(
        e.to_string(),
        format!("image {registry}/nope:latest not found in the registry")
    );
}

#[tokio::test]
async fn a_stalled_download_times_out() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for conn in listener.incoming() {
            let Ok(mut conn) = conn else { return };
            std::thread::spawn(move || {
                let mut first = [0u8; 1];
                if conn.read(&mut first).is_err() || !first[0].is_ascii_uppercase() {
                    return; // the https probe
                }
                let _ =
                    conn.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n0123456789");
                std::thread::sleep(std::time::Duration::from_secs(5));
            });
        }
    });
    let c = Client::new(ClientOptions {
        auth_files: Some(vec![]),
        read_timeout: Duration::from_millis(300),
        ..ClientOptions::default()
    })
    .unwrap();
    let r = Reference::parse(&format!("127.0.0.1:{port}/x")).unwrap();
    let blob = c.blob(&r, &digest_of("sha256", b"")).await.unwrap();
    assert_eq!(blob.size, Some(1000));
    let started = std::time::Instant::now();
    let e = blob.stream.try_collect::<Vec<Bytes>>().await.unwrap_err();
    assert!(started.elapsed() < Duration::from_secs(4));
    assert_eq!(
        e.to_string(),
        format!("download from registry 127.0.0.1:{port} failed: timed out")
    );
}
