//! Credentials from the files `podman login` and `docker login` write.
//!
//! Searched in Podman's order: `$REGISTRY_AUTH_FILE`,
//! `$XDG_RUNTIME_DIR/containers/auth.json`, `$XDG_CONFIG_HOME/containers/auth.json`
//! and `$DOCKER_CONFIG/config.json`; the first file with an entry for the image wins,
//! and inside a file the most specific key (`registry/repo` before `registry`).

use std::collections::HashMap;
use std::ffi::OsString;
use std::fmt;
use std::path::{Path, PathBuf};

use base64::Engine as _;
use serde::Deserialize;

use super::error::RegistryError;
use crate::engine::oci::reference::normalize_registry;

#[derive(Clone, PartialEq, Eq)]
pub struct Credentials {
    pub username: String,
    pub password: String,
}

impl fmt::Debug for Credentials {
    // Never let a password reach a log line.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials")
            .field("username", &self.username)
            .field("password", &"<redacted>")
            .finish()
    }
}

/// The auth files to search, from the environment, most important first.
pub fn default_auth_files() -> Vec<PathBuf> {
    auth_files_from(|name| std::env::var_os(name))
}

fn auth_files_from(env: impl Fn(&str) -> Option<OsString>) -> Vec<PathBuf> {
    let set = |name: &str| env(name).filter(|v| !v.is_empty()).map(PathBuf::from);
    let home = set("HOME");
    let mut files = Vec::new();
    if let Some(f) = set("REGISTRY_AUTH_FILE") {
        files.push(f);
    }
    if let Some(dir) = set("XDG_RUNTIME_DIR") {
        files.push(dir.join("containers/auth.json"));
    }
    if let Some(dir) = set("XDG_CONFIG_HOME").or_else(|| home.as_ref().map(|h| h.join(".config"))) {
        files.push(dir.join("containers/auth.json"));
    }
    if let Some(dir) = set("DOCKER_CONFIG").or_else(|| home.as_ref().map(|h| h.join(".docker"))) {
        files.push(dir.join("config.json"));
    }
    files
}

#[derive(Deserialize)]
struct AuthFileJson {
    #[serde(default)]
    auths: HashMap<String, AuthEntryJson>,
    #[serde(default, rename = "credHelpers")]
    cred_helpers: HashMap<String, String>,
    #[serde(default, rename = "credsStore")]
    creds_store: Option<String>,
}

#[derive(Deserialize)]
struct AuthEntryJson {
    #[serde(default)]
    auth: Option<String>,
    #[serde(default)]
    username: Option<String>,
    #[serde(default)]
    password: Option<String>,
}

/// The credentials of every file that exists, read once.
#[derive(Debug, Default)]
pub struct CredStore {
    /// Per file, in search order: normalised key -> credentials.
    files: Vec<HashMap<String, Credentials>>,
}

impl CredStore {
    /// Reads the files that exist; a missing file is skipped, a malformed one is
    /// an error naming it.
    pub fn load(paths: &[PathBuf]) -> Result<CredStore, RegistryError> {
        let mut files = Vec::new();
        for path in paths {
            match std::fs::read(path) {
                Ok(bytes) => files.push(parse_file(path, &bytes)?),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => {
                    return Err(RegistryError::Credentials {
                        path: path.clone(),
                        message: e.to_string().to_lowercase(),
                    })
                }
            }
        }
        Ok(CredStore { files })
    }

    /// Reads files the user named (`--authfile`): unlike the default search, a
    /// missing one is an error.
    pub fn load_named(paths: &[PathBuf]) -> Result<CredStore, RegistryError> {
        if let Some(missing) = paths.iter().find(|p| !p.exists()) {
            return Err(RegistryError::Credentials {
                path: missing.clone(),
                message: "no such file".to_string(),
            });
        }
        CredStore::load(paths)
    }

    /// The credentials for `registry/repository`, if any file has some.
    pub fn lookup(&self, registry: &str, repository: &str) -> Option<Credentials> {
        let registry = normalize_registry(registry);
        // `reg/a/b/c`, `reg/a/b`, `reg/a`, `reg`.
        let mut keys = vec![];
        let mut scope = format!("{registry}/{repository}");
        loop {
            keys.push(scope.clone());
            match scope.rfind('/') {
                Some(i) => scope.truncate(i),
                None => break,
            }
        }
        self.files
            .iter()
            .find_map(|file| keys.iter().find_map(|k| file.get(k).cloned()))
    }
}

fn parse_file(path: &Path, bytes: &[u8]) -> Result<HashMap<String, Credentials>, RegistryError> {
    let err = |message: String| RegistryError::Credentials {
        path: path.to_path_buf(),
        message,
    };
    let json: AuthFileJson =
        serde_json::from_slice(bytes).map_err(|e| err(format!("malformed json: {e}")))?;
    if !json.cred_helpers.is_empty() || json.creds_store.is_some() {
        log::debug!(
            "{}: credential helpers (credHelpers, credsStore) are not supported yet; ignoring them",
            path.display()
        );
    }
    let mut map = HashMap::new();
    for (key, entry) in json.auths {
        let creds = match (entry.auth.as_deref(), entry.username, entry.password) {
            (Some(auth), _, _) if !auth.is_empty() => {
                decode_auth(auth).map_err(|m| err(format!("entry \"{key}\": {m}")))?
            }
            (_, Some(username), Some(password)) if !username.is_empty() => {
                Credentials { username, password }
            }
            // `docker login` with a credential store leaves empty entries behind.
            _ => continue,
        };
        map.insert(normalize_key(&key), creds);
    }
    Ok(map)
}

fn decode_auth(auth: &str) -> Result<Credentials, String> {
    let raw = base64::engine::general_purpose::STANDARD
        .decode(auth.trim())
        .map_err(|_| "\"auth\" is not valid base64".to_string())?;
    let text = String::from_utf8(raw).map_err(|_| "\"auth\" is not utf-8".to_string())?;
    let (user, pass) = text
        .split_once(':')
        .ok_or_else(|| "\"auth\" is not base64 of user:password".to_string())?;
    Ok(Credentials {
        username: user.to_string(),
        password: pass.to_string(),
    })
}

/// `https://index.docker.io/v1/` -> `docker.io`; `quay.io/org/` -> `quay.io/org`.
/// A URL-style key names a whole registry (its path is an API version, not a
/// repository); a bare key may be scoped to a repository.
pub(crate) fn normalize_key(key: &str) -> String {
    let (had_scheme, rest) = match key
        .strip_prefix("https://")
        .or_else(|| key.strip_prefix("http://"))
    {
        Some(rest) => (true, rest),
        None => (false, key),
    };
    let rest = rest.trim_end_matches('/');
    let (host, path) = match rest.split_once('/') {
        Some((host, path)) if !had_scheme => (host, Some(path)),
        Some((host, _)) => (host, None),
        None => (rest, None),
    };
    let host = normalize_registry(host);
    match path {
        Some(path) => format!("{host}/{path}"),
        None => host,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn b64(s: &str) -> String {
        base64::engine::general_purpose::STANDARD.encode(s)
    }

    fn write(dir: &Path, name: &str, json: serde_json::Value) -> PathBuf {
        let path = dir.join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, serde_json::to_vec(&json).unwrap()).unwrap();
        path
    }

    fn user(store: &CredStore, reg: &str, repo: &str) -> Option<String> {
        store.lookup(reg, repo).map(|c| c.username)
    }

    #[test]
    fn file_order_follows_the_environment() {
        let env = |vars: &'static [(&'static str, &'static str)]| {
            move |name: &str| {
                vars.iter()
                    .find(|(k, _)| *k == name)
                    .map(|(_, v)| OsString::from(v))
            }
        };
        let all = auth_files_from(env(&[
            ("REGISTRY_AUTH_FILE", "/a/auth.json"),
            ("XDG_RUNTIME_DIR", "/run/user/1000"),
            ("XDG_CONFIG_HOME", "/cfg"),
            ("DOCKER_CONFIG", "/dk"),
            ("HOME", "/home/u"),
        ]));
        let want: Vec<PathBuf> = [
            "/a/auth.json",
            "/run/user/1000/containers/auth.json",
            "/cfg/containers/auth.json",
            "/dk/config.json",
        ]
        .iter()
        .map(PathBuf::from)
        .collect();
        assert_eq!(all, want);
        let home_only = auth_files_from(env(&[("HOME", "/home/u"), ("XDG_RUNTIME_DIR", "")]));
        let want: Vec<PathBuf> = [
            "/home/u/.config/containers/auth.json",
            "/home/u/.docker/config.json",
        ]
        .iter()
        .map(PathBuf::from)
        .collect();
        assert_eq!(home_only, want);
        assert!(auth_files_from(env(&[])).is_empty());
    }

    #[test]
    fn most_specific_key_wins_and_first_file_wins() {
        let dir = tempfile::tempdir().unwrap();
        let first = write(
            dir.path(),
            "run/containers/auth.json",
            serde_json::json!({"auths": {
                "127.0.0.1:5000": {"auth": b64("reg:p1")},
                "127.0.0.1:5000/team": {"auth": b64("team:p2")},
                "127.0.0.1:5000/team/app": {"auth": b64("app:p3")},
            }}),
        );
        let second = write(
            dir.path(),
            "docker/config.json",
            serde_json::json!({"auths": {
                "https://index.docker.io/v1/": {"auth": b64("hub:pw:with:colons")},
                "http://quay.io/": {"auth": b64("quay:q")},
                "127.0.0.1:5000/other": {"auth": b64("other:o")},
                "ghcr.io": {"username": "gh", "password": "tok"},
                "empty.io": {},
            },
            "credsStore": "desktop"}),
        );
        let missing = dir.path().join("missing.json");
        let store = CredStore::load(&[missing, first, second]).unwrap();
        assert_eq!(
            user(&store, "127.0.0.1:5000", "team/app").as_deref(),
            Some("app")
        );
        assert_eq!(
            user(&store, "127.0.0.1:5000", "team/app2").as_deref(),
            Some("team")
        );
        assert_eq!(
            user(&store, "127.0.0.1:5000", "team/app/sub").as_deref(),
            Some("app")
        );
        assert_eq!(user(&store, "127.0.0.1:5000", "x").as_deref(), Some("reg"));
        // The first file has a registry-wide entry: it wins over a later file's
        // repository-scoped one.
        assert_eq!(
            user(&store, "127.0.0.1:5000", "other").as_deref(),
            Some("reg")
        );
        let hub = store.lookup("docker.io", "library/busybox").unwrap();
        assert_eq!(
            (hub.username.as_str(), hub.password.as_str()),
            ("hub", "pw:with:colons")
        );
        assert_eq!(
            user(&store, "index.docker.io", "x/y").as_deref(),
            Some("hub")
        );
        assert_eq!(user(&store, "quay.io", "org/app").as_deref(), Some("quay"));
        assert_eq!(user(&store, "ghcr.io", "o/a").as_deref(), Some("gh"));
        assert_eq!(user(&store, "empty.io", "a"), None);
        assert_eq!(user(&store, "127.0.0.2:5000", "x"), None);
        // The password never shows in Debug output.
        assert!(!format!("{hub:?}").contains("pw:with"));
    }

    #[test]
    fn malformed_files_name_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let bad = dir.path().join("auth.json");
        std::fs::write(&bad, b"{not json").unwrap();
        let e = CredStore::load(std::slice::from_ref(&bad))
            .unwrap_err()
            .to_string();
        assert!(
            e.starts_with(&format!(
                "cannot read credentials from {}: malformed json",
                bad.display()
            )),
            "{e}"
        );
        let bad = write(
            dir.path(),
            "b.json",
            serde_json::json!({"auths": {"r.io": {"auth": "%%%"}}}),
        );
        let e = CredStore::load(&[bad]).unwrap_err().to_string();
        assert!(
            e.contains("entry \"r.io\": \"auth\" is not valid base64"),
            "{e}"
        );
        let bad = write(
            dir.path(),
            "c.json",
            serde_json::json!({"auths": {"r.io": {"auth": b64("nocolon")}}}),
        );
        assert!(CredStore::load(&[bad]).is_err());
    }

    #[test]
    fn keys_normalise() {
        assert_eq!(normalize_key("https://index.docker.io/v1/"), "docker.io");
        assert_eq!(normalize_key("registry-1.docker.io"), "docker.io");
        assert_eq!(normalize_key("docker.io/user/app"), "docker.io/user/app");
        assert_eq!(normalize_key("https://quay.io/v2/"), "quay.io");
        assert_eq!(normalize_key("quay.io/org/"), "quay.io/org");
        assert_eq!(normalize_key("localhost:5000"), "localhost:5000");
    }
}
