//! Registry authentication: `WWW-Authenticate` challenges, Bearer tokens and
//! the per-client cache of what to send.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use base64::Engine as _;
use serde::Deserialize;

use super::creds::Credentials;
use super::error::{cause_of, ErrorBody, RegistryError};

/// One challenge out of a `WWW-Authenticate` header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Challenge {
    Bearer {
        realm: String,
        service: Option<String>,
        scope: Option<String>,
    },
    Basic,
}

/// Parses every challenge in a header value; schemes we do not speak, and
/// Bearer challenges without a realm, are left out. Bearer comes first.
pub fn parse_www_authenticate(value: &str) -> Vec<Challenge> {
    let mut challenges: Vec<Challenge> = raw_challenges(value)
        .into_iter()
        .filter_map(|(scheme, mut params)| match scheme.as_str() {
            "bearer" => Some(Challenge::Bearer {
                realm: params.remove("realm").filter(|r| !r.is_empty())?,
                service: params.remove("service"),
                scope: params.remove("scope"),
            }),
            "basic" => Some(Challenge::Basic),
            _ => None,
        })
        .collect();
    challenges.sort_by_key(|c| matches!(c, Challenge::Basic));
    challenges
}

/// RFC 7235 challenges: `scheme param=value, param="quoted, \"value\"", scheme2 ...`.
/// A token followed by `=` is a parameter of the current challenge; any other
/// token starts a new one. Scheme and parameter names are lower-cased.
fn raw_challenges(value: &str) -> Vec<(String, HashMap<String, String>)> {
    let b = value.as_bytes();
    let mut i = 0;
    let mut out: Vec<(String, HashMap<String, String>)> = Vec::new();
    let is_delim = |c: u8| c == b',' || c == b'=' || c.is_ascii_whitespace();
    loop {
        while i < b.len() && (b[i] == b',' || b[i].is_ascii_whitespace()) {
            i += 1;
        }
        if i >= b.len() {
            break;
        }
        let start = i;
        while i < b.len() && !is_delim(b[i]) {
            i += 1;
        }
        let token = value[start..i].to_ascii_lowercase();
        let mut j = i;
        while j < b.len() && b[j].is_ascii_whitespace() {
            j += 1;
        }
        if j < b.len() && b[j] == b'=' && !token.is_empty() {
            i = j + 1;
            while i < b.len() && b[i].is_ascii_whitespace() {
                i += 1;
            }
            let mut val = String::new();
            if i < b.len() && b[i] == b'"' {
                i += 1;
                let mut chars = value[i..].char_indices();
                let mut end = value.len() - i;
                while let Some((k, c)) = chars.next() {
                    match c {
                        '\\' => {
                            if let Some((_, next)) = chars.next() {
                                val.push(next);
                            }
                        }
                        '"' => {
                            end = k + 1;
                            break;
                        }
                        c => val.push(c),
                    }
                }
                i += end;
            } else {
                let vs = i;
                while i < b.len() && b[i] != b',' && !b[i].is_ascii_whitespace() {
                    i += 1;
                }
                val.push_str(&value[vs..i]);
            }
            if let Some((_, params)) = out.last_mut() {
                params.insert(token, val);
            }
        } else if token.is_empty() {
            // A stray '=' (token68 padding): skip it.
            i += 1;
        } else {
            out.push((token, HashMap::new()));
        }
    }
    out
}

pub fn basic_header(creds: &Credentials) -> String {
    let raw = format!("{}:{}", creds.username, creds.password);
    format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(raw)
    )
}

/// What to send in `Authorization` for one (registry, scope), and until when.
#[derive(Debug, Clone)]
pub struct CachedAuth {
    pub header: String,
    pub expires: Option<Instant>,
}

/// Authorization headers per (registry, scope), for the client's lifetime, and
/// the challenge each registry last sent (so a new repository on a registry we
/// know gets its token before its first request instead of after a 401).
#[derive(Default)]
pub struct AuthCache {
    headers: Mutex<HashMap<(String, String), CachedAuth>>,
    challenges: Mutex<HashMap<String, Challenge>>,
}

impl AuthCache {
    pub fn get(&self, registry: &str, scope: &str) -> Option<String> {
        let headers = self.headers.lock().unwrap();
        let cached = headers.get(&(registry.to_string(), scope.to_string()))?;
        match cached.expires {
            Some(t) if Instant::now() >= t => None,
            _ => Some(cached.header.clone()),
        }
    }

    pub fn put(&self, registry: &str, scope: &str, auth: CachedAuth) {
        self.headers
            .lock()
            .unwrap()
            .insert((registry.to_string(), scope.to_string()), auth);
    }

    pub fn challenge(&self, registry: &str) -> Option<Challenge> {
        self.challenges.lock().unwrap().get(registry).cloned()
    }

    pub fn set_challenge(&self, registry: &str, challenge: Challenge) {
        self.challenges
            .lock()
            .unwrap()
            .insert(registry.to_string(), challenge);
    }
}

#[derive(Deserialize)]
struct TokenResponse {
    #[serde(default)]
    token: Option<String>,
    #[serde(default)]
    access_token: Option<String>,
    #[serde(default)]
    expires_in: Option<u64>,
}

/// Who is asking, for error messages.
pub struct Context<'a> {
    pub registry: &'a str,
    pub image: &'a str,
}

/// GETs a token from the realm of a Bearer challenge, with basic credentials
/// when we have them (anonymous otherwise).
pub async fn fetch_token(
    http: &reqwest::Client,
    realm: &str,
    service: Option<&str>,
    scope: &str,
    creds: Option<&Credentials>,
    ctx: &Context<'_>,
) -> Result<CachedAuth, RegistryError> {
    let protocol = |message: String| RegistryError::Protocol {
        registry: ctx.registry.to_string(),
        message,
    };
    let mut url = reqwest::Url::parse(realm)
        .map_err(|e| protocol(format!("the token realm \"{realm}\" is not a url: {e}")))?;
    {
        let mut q = url.query_pairs_mut();
        if let Some(service) = service {
            q.append_pair("service", service);
        }
        for scope in scope.split_whitespace() {
            q.append_pair("scope", scope);
        }
    }
    let mut req = http.get(url);
    if let Some(c) = creds {
        req = req.basic_auth(&c.username, Some(&c.password));
    }
    let resp = req.send().await.map_err(|e| RegistryError::Unreachable {
        registry: ctx.registry.to_string(),
        cause: format!("its token service {realm} failed: {}", cause_of(&e)),
    })?;
    let status = resp.status();
    let body = resp.bytes().await.map_err(|e| RegistryError::Transfer {
        registry: ctx.registry.to_string(),
        cause: cause_of(&e),
    })?;
    if status == reqwest::StatusCode::UNAUTHORIZED || status == reqwest::StatusCode::FORBIDDEN {
        return Err(RegistryError::Unauthorized {
            image: ctx.image.to_string(),
            registry: ctx.registry.to_string(),
            had_credentials: creds.is_some(),
        });
    }
    if !status.is_success() {
        let reason = status.canonical_reason().unwrap_or("error").to_lowercase();
        return Err(RegistryError::Http {
            registry: ctx.registry.to_string(),
            image: ctx.image.to_string(),
            status: status.as_u16(),
            message: format!(
                "token service {realm}: {}",
                ErrorBody::parse(&body).summary(&body, &reason)
            ),
        });
    }
    let parsed: TokenResponse = serde_json::from_slice(&body)
        .map_err(|e| protocol(format!("the token service sent malformed json: {e}")))?;
    let token = parsed
        .token
        .or(parsed.access_token)
        .filter(|t| !t.is_empty())
        .ok_or_else(|| protocol("the token service sent no token".to_string()))?;
    // Refresh a little early; the spec's default lifetime is 60 seconds.
    let lifetime = parsed.expires_in.unwrap_or(60).max(60);
    Ok(CachedAuth {
        header: format!("Bearer {token}"),
        expires: Some(Instant::now() + Duration::from_secs(lifetime - 10)),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bearer(realm: &str, service: Option<&str>, scope: Option<&str>) -> Challenge {
        Challenge::Bearer {
            realm: realm.into(),
            service: service.map(Into::into),
            scope: scope.map(Into::into),
        }
    }

    #[test]
    fn docker_hub_challenge() {
        let h = r#"Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/busybox:pull""#;
        assert_eq!(
            parse_www_authenticate(h),
            vec![bearer(
                "https://auth.docker.io/token",
                Some("registry.docker.io"),
                Some("repository:library/busybox:pull")
            )]
        );
    }

    #[test]
    fn unquoted_spaces_case_and_escapes() {
        let h = r#"bearer  Realm = http://127.0.0.1:5001/auth , service=reg, scope="repository:a/b:pull,push", error="invalid_token""#;
        assert_eq!(
            parse_www_authenticate(h),
            vec![bearer(
                "http://127.0.0.1:5001/auth",
                Some("reg"),
                Some("repository:a/b:pull,push")
            )]
        );
        let h = r#"Bearer realm="https://x/tok\"en""#;
        assert_eq!(
            parse_www_authenticate(h),
            vec![bearer("https://x/tok\"en", None, None)]
        );
    }

    #[test]
    fn basic_and_several_challenges() {
        assert_eq!(
            parse_www_authenticate(r#"Basic realm="Registry Realm""#),
            vec![Challenge::Basic]
        );
        assert_eq!(parse_www_authenticate("Basic"), vec![Challenge::Basic]);
        let h = r#"Basic realm="x", Bearer realm="https://a/t", service="s""#;
        assert_eq!(
            parse_www_authenticate(h),
            vec![bearer("https://a/t", Some("s"), None), Challenge::Basic]
        );
        // Unknown schemes and realm-less Bearer challenges are dropped.
        assert_eq!(
            parse_www_authenticate(r#"Negotiate abc==, Bearer service="s""#),
            vec![]
        );
        assert_eq!(parse_www_authenticate(""), vec![]);
        assert_eq!(
            parse_www_authenticate("Bearer realm=\"unterminated"),
            vec![bearer("unterminated", None, None)]
        );
    }

    #[test]
    fn basic_header_encodes_user_and_password() {
        let c = Credentials {
            username: "u".into(),
            password: "p:w".into(),
        };
        assert_eq!(basic_header(&c), "Basic dTpwOnc=");
    }

    #[test]
    fn cache_honours_expiry() {
        let cache = AuthCache::default();
        cache.put(
            "r",
            "s",
            CachedAuth {
                header: "Bearer a".into(),
                expires: None,
            },
        );
        assert_eq!(cache.get("r", "s").as_deref(), Some("Bearer a"));
        assert_eq!(cache.get("r", "t"), None);
        cache.put(
            "r",
            "s",
            CachedAuth {
                header: "Bearer b".into(),
                expires: Some(Instant::now()),
            },
        );
        assert_eq!(cache.get("r", "s"), None);
    }
}
