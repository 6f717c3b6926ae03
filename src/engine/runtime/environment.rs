//! The container's environment with Podman's layers: the defaults (PATH, the
//! caller's with `--env-host`, its proxy variables with `--http-proxy`), the
//! image's, `--unsetenv`, `--env-merge`, HOSTNAME, then `-e` and `--env-file`.

use serde::{Deserialize, Serialize};

/// The environment flags beyond `-e` and `--env-file`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct EnvFlags {
    /// `--env-host`: the caller's variables, under the image's.
    pub host: Vec<String>,
    /// `--http-proxy`: the caller's proxy variables; kept by `--unsetenv-all`,
    /// as Podman keeps them.
    pub proxy: Vec<String>,
    /// `--unsetenv`: names dropped from the defaults and the image's.
    pub unset: Vec<String>,
    /// `--unsetenv-all`: no defaults and nothing of the image's.
    pub unset_all: bool,
    /// `--env-merge`: `KEY=VALUE` with `$VAR` and `${VAR}` taken from the
    /// environment so far (the image's).
    pub merge: Vec<String>,
}

/// The proxy variables `--http-proxy` passes on (Podman's list).
pub const PROXY_VARIABLES: [&str; 8] = [
    "http_proxy",
    "HTTP_PROXY",
    "https_proxy",
    "HTTPS_PROXY",
    "ftp_proxy",
    "FTP_PROXY",
    "no_proxy",
    "NO_PROXY",
];

/// The whole environment, in the order the process sees it.
pub fn merge(
    default_path: &str,
    image: &[String],
    hostname: &str,
    extra: &EnvFlags,
    flags: &[String],
) -> Vec<String> {
    let mut env = Env::default();
    if !extra.unset_all {
        env.set(&format!("PATH={default_path}"));
        extra.host.iter().chain(image).for_each(|e| env.set(e));
    }
    env.0.retain(|e| !extra.unset.iter().any(|k| key(e) == k));
    extra.proxy.iter().for_each(|e| env.set(e));
    for entry in &extra.merge {
        let expanded = expand(entry, &env);
        env.set(&expanded);
    }
    env.set(&format!("HOSTNAME={hostname}"));
    flags.iter().for_each(|e| env.set(e));
    env.0
}

#[derive(Default)]
struct Env(Vec<String>);

impl Env {
    fn set(&mut self, entry: &str) {
        match self.0.iter_mut().find(|e| key(e) == key(entry)) {
            Some(existing) => *existing = entry.to_owned(),
            None => self.0.push(entry.to_owned()),
        }
    }

    fn get(&self, name: &str) -> &str {
        self.0
            .iter()
            .find(|e| key(e) == name)
            .and_then(|e| e.split_once('='))
            .map_or("", |(_, v)| v)
    }
}

fn key(entry: &str) -> &str {
    entry.split('=').next().unwrap_or(entry)
}

/// `$NAME` and `${NAME}` replaced by their values (empty when unset).
fn expand(text: &str, env: &Env) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(at) = rest.find('$') {
        out.push_str(&rest[..at]);
        let after = &rest[at + 1..];
        let (name, len) = match after.strip_prefix('{') {
            Some(braced) => match braced.find('}') {
                Some(end) => (&braced[..end], end + 2),
                None => ("", 0),
            },
            None => {
                let end = after
                    .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                    .unwrap_or(after.len());
                (&after[..end], end)
            }
        };
        match name.is_empty() {
            true => out.push('$'),
            false => out.push_str(env.get(name)),
        }
        rest = &after[len..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(items: &[&str]) -> Vec<String> {
        items.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn layers_apply_in_podmans_order() {
        let extra = EnvFlags {
            host: v(&["PATH=/host", "FOO=host"]),
            proxy: v(&["http_proxy=p"]),
            unset: v(&["GONE"]),
            merge: v(&["PATH=/x:${PATH}", "Y=$FOO-$NOPE"]),
            ..Default::default()
        };
        let env = merge("/d", &v(&["FOO=img", "GONE=1"]), "h", &extra, &v(&["Z=1"]));
        assert_eq!(
            env,
            v(&[
                "PATH=/x:/host",
                "FOO=img",
                "http_proxy=p",
                "Y=img-",
                "HOSTNAME=h",
                "Z=1"
            ])
        );
    }

    #[test]
    fn unsetenv_all_keeps_only_proxies_hostname_and_flags() {
        let extra = EnvFlags {
            proxy: v(&["http_proxy=p"]),
            unset_all: true,
            ..Default::default()
        };
        let env = merge("/d", &v(&["FOO=img"]), "h", &extra, &v(&["Z=1"]));
        assert_eq!(env, v(&["http_proxy=p", "HOSTNAME=h", "Z=1"]));
    }
}
