//! `login` and `logout`: credentials checked against the registry before they
//! are kept, in the auth file Podman writes (`$XDG_RUNTIME_DIR/containers/auth.json`).

use std::io::Write;
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
use std::path::{Path, PathBuf};

use base64::Engine as _;
use reqwest::header::{HeaderMap, AUTHORIZATION};
use reqwest::{Method, StatusCode};
use serde_json::{Map, Value};

use super::auth::{self, Challenge, Context};
use super::creds::{normalize_key, CredStore, Credentials};
use super::{challenge_of, header_value, Client, ClientOptions, RegistryError};

/// Which registry `login` is about, and where its credentials are kept.
#[derive(Debug, Clone)]
pub struct LoginOptions {
    /// `REGISTRY[/REPOSITORY]`, as typed.
    pub registry: String,
    /// The auth file; `None` is [`default_auth_file`].
    pub authfile: Option<PathBuf>,
    pub tls_verify: bool,
}

#[derive(Debug, Clone)]
pub struct LogoutOptions {
    /// `REGISTRY[/REPOSITORY]`; `None` forgets every registry.
    pub registry: Option<String>,
    /// The auth file; `None` is [`default_auth_file`].
    pub authfile: Option<PathBuf>,
}

/// The credentials saved for the registry in the auth file, if any.
pub fn saved(opts: &LoginOptions) -> Result<Option<Credentials>, RegistryError> {
    let file = auth_file(opts.authfile.as_deref())?;
    let key = registry_key(&opts.registry);
    let (host, repository) = key.split_once('/').unwrap_or((&key, ""));
    Ok(CredStore::load(std::slice::from_ref(&file))?.lookup(host, repository))
}

/// Checks `creds` against the registry and saves them when it takes them.
pub async fn login(opts: &LoginOptions, creds: &Credentials) -> Result<(), RegistryError> {
    let file = auth_file(opts.authfile.as_deref())?;
    check(opts, creds).await?;
    save(&file, &registry_key(&opts.registry), creds)
}

/// Checks `creds` against the registry and keeps nothing: Docker's `/auth`,
/// whose client saves what it was told works.
pub async fn check(opts: &LoginOptions, creds: &Credentials) -> Result<(), RegistryError> {
    let key = registry_key(&opts.registry);
    let host = key.split('/').next().unwrap_or(&key);
    let client = Client::new(ClientOptions {
        tls_verify: opts.tls_verify,
        ..Default::default()
    })?;
    client.check_login(host, creds).await
}

/// Removes the saved credentials of one registry, or of all; one that has none
/// is an error.
pub fn logout(opts: &LogoutOptions) -> Result<(), RegistryError> {
    let file = auth_file(opts.authfile.as_deref())?;
    let Some(registry) = &opts.registry else {
        remove(&file, None)?;
        return Ok(());
    };
    let key = registry_key(registry);
    if !remove(&file, Some(&key))? {
        return Err(RegistryError::NotLoggedIn { registry: key });
    }
    Ok(())
}

fn auth_file(given: Option<&Path>) -> Result<PathBuf, RegistryError> {
    given
        .map(Path::to_owned)
        .or_else(default_auth_file)
        .ok_or(RegistryError::NoAuthFile)
}

/// Where `login` writes: `$REGISTRY_AUTH_FILE`, else
/// `$XDG_RUNTIME_DIR/containers/auth.json`, else `~/.config/containers/auth.json`.
pub fn default_auth_file() -> Option<PathBuf> {
    let set = |name: &str| std::env::var_os(name).filter(|v| !v.is_empty());
    if let Some(file) = set("REGISTRY_AUTH_FILE") {
        return Some(PathBuf::from(file));
    }
    if let Some(dir) = set("XDG_RUNTIME_DIR") {
        return Some(PathBuf::from(dir).join("containers/auth.json"));
    }
    set("HOME").map(|h| PathBuf::from(h).join(".config/containers/auth.json"))
}

/// `http://127.0.0.1:5000/` -> `127.0.0.1:5000`: the key a registry is saved under.
pub fn registry_key(input: &str) -> String {
    normalize_key(input)
}

impl Client {
    /// Checks that `registry` accepts `creds`: GET /v2/ answering its challenge
    /// (a token fetched with them, or basic auth). A registry that wants no
    /// credentials accepts any.
    pub async fn check_login(
        &self,
        registry: &str,
        creds: &Credentials,
    ) -> Result<(), RegistryError> {
        let transport = &self.inner.transport;
        let resp = transport
            .send(Method::GET, registry, "/v2/", HeaderMap::new(), None)
            .await?;
        if resp.status() != StatusCode::UNAUTHORIZED {
            return Ok(());
        }
        let challenge = challenge_of(&resp);
        let refused = || RegistryError::LoginRefused {
            registry: registry.to_owned(),
        };
        let header = match challenge {
            Some(Challenge::Bearer { realm, service, .. }) => {
                let ctx = Context {
                    registry,
                    image: registry,
                };
                let http = transport.client_for(&realm);
                auth::fetch_token(http, &realm, service.as_deref(), "", Some(creds), &ctx)
                    .await
                    .map_err(|e| match e {
                        RegistryError::Unauthorized { .. } => refused(),
                        other => other,
                    })?
                    .header
            }
            Some(Challenge::Basic) | None => auth::basic_header(creds),
        };
        let mut headers = HeaderMap::new();
        let mut value = header_value(registry, &header)?;
        value.set_sensitive(true);
        headers.insert(AUTHORIZATION, value);
        let resp = transport
            .send(Method::GET, registry, "/v2/", headers, None)
            .await?;
        match resp.status() {
            StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN => Err(refused()),
            _ => Ok(()),
        }
    }
}

/// Saves credentials for `key` in the auth file (mode 0600), keeping what else
/// it holds.
pub fn save(path: &Path, key: &str, creds: &Credentials) -> Result<(), RegistryError> {
    let mut json = read(path)?;
    let raw = format!("{}:{}", creds.username, creds.password);
    let entry = serde_json::json!({
        "auth": base64::engine::general_purpose::STANDARD.encode(raw)
    });
    auths(&mut json).insert(key.to_owned(), entry);
    write(path, &json)
}

/// Removes `key` (or every entry, for `None`); false when there was nothing to remove.
pub fn remove(path: &Path, key: Option<&str>) -> Result<bool, RegistryError> {
    if !path.exists() {
        return Ok(false);
    }
    let mut json = read(path)?;
    let entries = auths(&mut json);
    let removed = match key {
        Some(key) => entries.remove(key).is_some(),
        None => {
            let had = !entries.is_empty();
            entries.clear();
            had
        }
    };
    if removed {
        write(path, &json)?;
    }
    Ok(removed)
}

fn auths(json: &mut Map<String, Value>) -> &mut Map<String, Value> {
    let slot = json
        .entry("auths")
        .or_insert_with(|| Value::Object(Map::new()));
    if !slot.is_object() {
        *slot = Value::Object(Map::new());
    }
    slot.as_object_mut().expect("made an object above")
}

fn read(path: &Path) -> Result<Map<String, Value>, RegistryError> {
    let err = |message: String| RegistryError::Credentials {
        path: path.to_owned(),
        message,
    };
    match std::fs::read(path) {
        Ok(bytes) if bytes.iter().all(u8::is_ascii_whitespace) => Ok(Map::new()),
        Ok(bytes) => {
            serde_json::from_slice(&bytes).map_err(|e| err(format!("malformed json: {e}")))
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Map::new()),
        Err(e) => Err(err(e.to_string().to_lowercase())),
    }
}

/// Writes beside the file and renames, so a crash never leaves half a file; 0600
/// from the start, so the secret is never readable by others.
fn write(path: &Path, json: &Map<String, Value>) -> Result<(), RegistryError> {
    let err = |e: std::io::Error| RegistryError::Credentials {
        path: path.to_owned(),
        message: e.to_string().to_lowercase(),
    };
    if let Some(dir) = path.parent() {
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(dir)
            .map_err(err)?;
    }
    let tmp = path.with_extension(format!("tmp-{}", std::process::id()));
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(&tmp)
        .map_err(err)?;
    let bytes = serde_json::to_vec_pretty(json).expect("JSON values serialise");
    file.write_all(&bytes)
        .and_then(|()| file.sync_all())
        .and_then(|()| std::fs::rename(&tmp, path))
        .map_err(|e| {
            let _ = std::fs::remove_file(&tmp);
            err(e)
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn save_keeps_other_entries_and_remove_takes_one_or_all() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("containers/auth.json");
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(
            &path,
            r#"{"auths":{"a.io":{"auth":"eDp5"}},"credHelpers":{}}"#,
        )
        .unwrap();
        let creds = Credentials {
            username: "u".into(),
            password: "p:w".into(),
        };
        save(&path, "127.0.0.1:5000", &creds).unwrap();
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
        let store = super::super::creds::CredStore::load(std::slice::from_ref(&path)).unwrap();
        assert_eq!(store.lookup("127.0.0.1:5000", "x"), Some(creds));
        assert!(store.lookup("a.io", "x").is_some());
        assert!(remove(&path, Some("127.0.0.1:5000")).unwrap());
        assert!(!remove(&path, Some("127.0.0.1:5000")).unwrap());
        let json: Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
        assert!(json.get("credHelpers").is_some());
        assert!(remove(&path, None).unwrap());
        assert!(!remove(&path, None).unwrap());
    }

    #[test]
    fn saved_then_logout_then_not_logged_in() {
        let dir = tempfile::tempdir().unwrap();
        let authfile = Some(dir.path().join("auth.json"));
        let login = LoginOptions {
            registry: "http://127.0.0.1:5000/".into(),
            authfile: authfile.clone(),
            tls_verify: true,
        };
        assert_eq!(saved(&login).unwrap(), None);
        let creds = Credentials {
            username: "u".into(),
            password: "p".into(),
        };
        save(authfile.as_deref().unwrap(), "127.0.0.1:5000", &creds).unwrap();
        assert_eq!(saved(&login).unwrap(), Some(creds));
        let logout_of = |registry: Option<&str>| LogoutOptions {
            registry: registry.map(str::to_owned),
            authfile: authfile.clone(),
        };
        logout(&logout_of(Some("127.0.0.1:5000"))).unwrap();
        let e = logout(&logout_of(Some("127.0.0.1:5000"))).unwrap_err();
        assert_eq!(e.to_string(), "not logged into 127.0.0.1:5000");
        logout(&logout_of(None)).unwrap();
    }

    #[test]
    fn keys() {
        assert_eq!(registry_key("http://127.0.0.1:5000/"), "127.0.0.1:5000");
        assert_eq!(registry_key("quay.io/org"), "quay.io/org");
        assert_eq!(registry_key("index.docker.io"), "docker.io");
    }
}
