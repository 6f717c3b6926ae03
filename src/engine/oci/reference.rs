//! Docker-style image references: `busybox` -> `docker.io/library/busybox:latest`.
//!
//! The grammar is the one of distribution/reference (what the Docker CLI and
//! Podman accept), checked by hand rather than by regex: the rules are small
//! and a hand-written check gives a precise message for each way to get it wrong.

use std::fmt;

use crate::engine::error::{ErrorKind, Kinded};

/// The registry that short names resolve to.
pub const DOCKER_HUB: &str = "docker.io";
/// The namespace that one-component Docker Hub names live in.
const DOCKER_LIBRARY: &str = "library";
const DEFAULT_TAG: &str = "latest";
/// distribution/reference's limit on the whole name (registry and repository).
const NAME_MAX: usize = 255;
const TAG_MAX: usize = 128;

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Reference {
    /// `docker.io`, `quay.io`, `localhost:5000`, `[::1]:5000`.
    pub registry: String,
    /// `library/busybox`, `user/app`, `a/b/c`.
    pub repository: String,
    pub tag: Option<String>,
    pub digest: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReferenceError {
    #[error("invalid image reference: it is empty")]
    Empty,
    #[error("invalid image reference \"{input}\": {reason}")]
    Invalid { input: String, reason: String },
}

fn invalid(input: &str, reason: impl Into<String>) -> ReferenceError {
    ReferenceError::Invalid {
        input: input.to_string(),
        reason: reason.into(),
    }
}

/// Whether `s` is a whole image ID (64 hex digits, with or without `sha256:`):
/// `run`, `create` and `build`'s FROM take one where they take a name.
pub fn is_image_id(s: &str) -> bool {
    let hex = s.strip_prefix("sha256:").unwrap_or(s);
    hex.len() == 64 && is_lower_hex(hex)
}

impl Reference {
    /// Parses `[registry/]repository[:tag][@digest]` with Docker's normalisation:
    /// no registry means docker.io, a one-component docker.io name lives in
    /// `library/`, and `latest` is the tag when there is neither tag nor digest.
    pub fn parse(s: &str) -> Result<Reference, ReferenceError> {
        if s.is_empty() {
            return Err(ReferenceError::Empty);
        }
        if s.len() == 64 && is_lower_hex(s) {
            return Err(invalid(
                s,
                "a 64-character hexadecimal string is an image ID, not a name",
            ));
        }
        let (rest, digest) = match s.split_once('@') {
            Some((rest, digest)) => {
                validate_digest(digest).map_err(|reason| invalid(s, reason))?;
                (rest, Some(digest.to_string()))
            }
            None => (s, None),
        };
        // A tag follows the last ':' that comes after the last '/'; a ':' before
        // that belongs to the registry's port.
        let last_slash = rest.rfind('/').map_or(0, |i| i + 1);
        let (name, tag) = match rest[last_slash..].rfind(':') {
            Some(i) => {
                let (name, tag) = rest.split_at(last_slash + i);
                let tag = &tag[1..];
                validate_tag(tag).map_err(|reason| invalid(s, reason))?;
                (name, Some(tag.to_string()))
            }
            None => (rest, None),
        };
        if name.is_empty() {
            return Err(invalid(s, "the repository name is missing"));
        }
        let (registry, repository) = split_registry(name);
        validate_registry(registry).map_err(|reason| invalid(s, reason))?;
        validate_repository(repository).map_err(|reason| invalid(s, reason))?;

        let registry = normalize_registry(registry);
        let repository = if registry == DOCKER_HUB && !repository.contains('/') {
            format!("{DOCKER_LIBRARY}/{repository}")
        } else {
            repository.to_string()
        };
        // As distribution/reference counts it: the whole name, registry and
        // library/ included, so that the name written out parses again.
        if registry.len() + 1 + repository.len() > NAME_MAX {
            return Err(invalid(
                s,
                format!("the name is longer than {NAME_MAX} characters"),
            ));
        }
        let tag = match (tag, &digest) {
            (None, None) => Some(DEFAULT_TAG.to_string()),
            (tag, _) => tag,
        };
        Ok(Reference {
            registry,
            repository,
            tag,
            digest,
        })
    }

    /// The short name people type and `images` shows: `busybox` for
    /// docker.io/library/busybox, `user/x` for docker.io/user/x, otherwise
    /// `registry/repository`. No tag or digest.
    pub fn familiar(&self) -> String {
        if self.registry == DOCKER_HUB {
            match self.repository.strip_prefix("library/") {
                Some(short) if !short.contains('/') => short.to_string(),
                _ => self.repository.clone(),
            }
        } else {
            self.name()
        }
    }

    /// The familiar name with its tag or digest, as Docker shows names:
    /// `busybox:latest`, `127.0.0.1:5000/x@sha256:...`.
    pub fn familiar_full(&self) -> String {
        match (&self.tag, &self.digest) {
            (_, Some(digest)) => format!("{}@{digest}", self.familiar()),
            (Some(tag), None) => format!("{}:{tag}", self.familiar()),
            (None, None) => self.familiar(),
        }
    }

    /// `registry/repository`, without tag or digest.
    pub fn name(&self) -> String {
        format!("{}/{}", self.registry, self.repository)
    }

    /// The same repository pinned to a digest (the tag is dropped).
    pub fn with_digest(&self, digest: &str) -> Result<Reference, ReferenceError> {
        validate_digest(digest).map_err(|reason| invalid(digest, reason))?;
        Ok(Reference {
            tag: None,
            digest: Some(digest.to_string()),
            ..self.clone()
        })
    }

    /// What a manifest request asks for: the digest when there is one, else the tag.
    pub fn tag_or_digest(&self) -> &str {
        self.digest
            .as_deref()
            .or(self.tag.as_deref())
            .unwrap_or(DEFAULT_TAG)
    }
}

impl fmt::Display for Reference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.registry, self.repository)?;
        if let Some(tag) = &self.tag {
            write!(f, ":{tag}")?;
        }
        if let Some(digest) = &self.digest {
            write!(f, "@{digest}")?;
        }
        Ok(())
    }
}

impl std::str::FromStr for Reference {
    type Err = ReferenceError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Reference::parse(s)
    }
}

/// Docker's rule: the first component is a registry when it has a '.' or a ':',
/// is `localhost`, or has an upper-case letter (repositories cannot).
fn split_registry(name: &str) -> (&str, &str) {
    match name.split_once('/') {
        Some((first, rest))
            if first.contains(['.', ':'])
                || first == "localhost"
                || first.chars().any(|c| c.is_ascii_uppercase()) =>
        {
            (first, rest)
        }
        _ => (DOCKER_HUB, name),
    }
}

/// The Docker Hub's other names all mean docker.io.
pub fn normalize_registry(registry: &str) -> String {
    match registry {
        "index.docker.io" | "registry-1.docker.io" => DOCKER_HUB.to_string(),
        other => other.to_string(),
    }
}

fn validate_registry(registry: &str) -> Result<(), String> {
    let bad = || format!("\"{registry}\" is not a valid registry host");
    let (host, port) = if let Some(v6) = registry.strip_prefix('[') {
        let (addr, after) = v6.split_once(']').ok_or_else(bad)?;
        if addr.is_empty() || !addr.chars().all(|c| c.is_ascii_hexdigit() || c == ':') {
            return Err(bad());
        }
        match after {
            "" => ("", None),
            p => ("", Some(p.strip_prefix(':').ok_or_else(bad)?)),
        }
    } else {
        match registry.split_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (registry, None),
        }
    };
    if let Some(port) = port {
        if port.is_empty() || !port.bytes().all(|b| b.is_ascii_digit()) {
            return Err(bad());
        }
    }
    if !registry.starts_with('[') {
        // Each dot-separated label: alphanumerics with inner hyphens.
        let label_ok = |l: &str| {
            !l.is_empty()
                && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
                && !l.starts_with('-')
                && !l.ends_with('-')
        };
        if !host.split('.').all(label_ok) {
            return Err(bad());
        }
    }
    Ok(())
}

/// Path components are `[a-z0-9]+` joined by `.`, `_`, `__` or runs of `-`.
fn validate_repository(repo: &str) -> Result<(), String> {
    if repo.chars().any(|c| c.is_ascii_uppercase()) {
        return Err(format!("repository name \"{repo}\" must be lowercase"));
    }
    for component in repo.split('/') {
        if !path_component_ok(component) {
            return Err(if component.is_empty() {
                format!("repository name \"{repo}\" has an empty path component")
            } else {
                format!(
                    "\"{component}\" is not a valid repository path component \
                     (lowercase letters, digits and single '.', '_', '__' or '-' separators)"
                )
            });
        }
    }
    Ok(())
}

fn path_component_ok(c: &str) -> bool {
    let b = c.as_bytes();
    let alnum = |x: u8| x.is_ascii_lowercase() || x.is_ascii_digit();
    if b.is_empty() || !alnum(b[0]) || !alnum(b[b.len() - 1]) {
        return false;
    }
    let mut i = 0;
    while i < b.len() {
        if alnum(b[i]) {
            i += 1;
            continue;
        }
        // A separator: ".", "_", "__" or one or more "-", followed by an alnum.
        let sep_len = match b[i] {
            b'.' => 1,
            b'_' if b.get(i + 1) == Some(&b'_') => 2,
            b'_' => 1,
            b'-' => b[i..].iter().take_while(|&&x| x == b'-').count(),
            _ => return false,
        };
        i += sep_len;
        if !b.get(i).is_some_and(|&x| alnum(x)) {
            return false;
        }
    }
    true
}

/// `[\w][\w.-]{0,127}`.
pub fn validate_tag(tag: &str) -> Result<(), String> {
    let word = |c: char| c.is_ascii_alphanumeric() || c == '_';
    let ok = !tag.is_empty()
        && tag.len() <= TAG_MAX
        && tag.starts_with(word)
        && tag.chars().all(|c| word(c) || c == '.' || c == '-');
    if ok {
        Ok(())
    } else {
        Err(format!(
            "\"{tag}\" is not a valid tag (letters, digits, '_', '.' and '-', \
             not starting with '.' or '-', at most {TAG_MAX} characters)"
        ))
    }
}

/// `algorithm:hex`; sha256 and sha512 are the algorithms we can verify.
pub fn validate_digest(digest: &str) -> Result<(), String> {
    let Some((algo, hex)) = digest.split_once(':') else {
        return Err(format!(
            "\"{digest}\" is not a digest (want sha256:<64 hex digits>)"
        ));
    };
    let want_len = match algo {
        "sha256" => 64,
        "sha512" => 128,
        _ => {
            return Err(format!(
                "unsupported digest algorithm \"{algo}\" (sha256 or sha512)"
            ))
        }
    };
    if hex.len() != want_len || !is_lower_hex(hex) {
        return Err(format!(
            "\"{digest}\" is not a valid {algo} digest ({want_len} lowercase hex digits)"
        ));
    }
    Ok(())
}

fn is_lower_hex(s: &str) -> bool {
    s.bytes()
        .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

impl Kinded for ReferenceError {
    fn kind(&self) -> ErrorKind {
        ErrorKind::Invalid
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const D: &str = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

    fn p(s: &str) -> Reference {
        Reference::parse(s).unwrap_or_else(|e| panic!("{s}: {e}"))
    }

    fn parts(s: &str) -> (String, String, Option<String>, Option<String>) {
        let r = p(s);
        (r.registry, r.repository, r.tag, r.digest)
    }

    fn t(
        reg: &str,
        repo: &str,
        tag: Option<&str>,
        digest: Option<&str>,
    ) -> (String, String, Option<String>, Option<String>) {
        (
            reg.into(),
            repo.into(),
            tag.map(Into::into),
            digest.map(Into::into),
        )
    }

    #[test]
    fn the_length_limit_counts_the_whole_name_so_it_parses_again() {
        // Found by fuzzing: 250 characters fit, docker.io/library/ and them do not.
        let short = "b".repeat(250);
        assert!(Reference::parse(&short).is_err());
        let fits = "b".repeat(255 - "docker.io/library/".len());
        let parsed = Reference::parse(&fits).unwrap();
        assert_eq!(Reference::parse(&parsed.to_string()).unwrap(), parsed);
    }

    #[test]
    fn short_names_go_to_docker_hub_library() {
        assert_eq!(
            parts("busybox"),
            t("docker.io", "library/busybox", Some("latest"), None)
        );
        assert_eq!(
            parts("busybox:1.36"),
            t("docker.io", "library/busybox", Some("1.36"), None)
        );
        assert_eq!(
            parts("user/app"),
            t("docker.io", "user/app", Some("latest"), None)
        );
        assert_eq!(
            parts("docker.io/busybox"),
            t("docker.io", "library/busybox", Some("latest"), None)
        );
        assert_eq!(
            parts("index.docker.io/busybox"),
            t("docker.io", "library/busybox", Some("latest"), None)
        );
        assert_eq!(
            parts("registry-1.docker.io/user/app:v1"),
            t("docker.io", "user/app", Some("v1"), None)
        );
        assert_eq!(
            parts("docker.io/library/busybox"),
            t("docker.io", "library/busybox", Some("latest"), None)
        );
    }

    #[test]
    fn registries_with_ports_and_paths() {
        assert_eq!(
            parts("localhost:5000/x"),
            t("localhost:5000", "x", Some("latest"), None)
        );
        assert_eq!(
            parts("localhost/x"),
            t("localhost", "x", Some("latest"), None)
        );
        assert_eq!(
            parts("127.0.0.1:5000/a/b:t"),
            t("127.0.0.1:5000", "a/b", Some("t"), None)
        );
        assert_eq!(
            parts("quay.io/org/sub/app:1.0-rc_1"),
            t("quay.io", "org/sub/app", Some("1.0-rc_1"), None)
        );
        assert_eq!(
            parts("[::1]:5000/x"),
            t("[::1]:5000", "x", Some("latest"), None)
        );
        assert_eq!(parts("[::1]/x:t"), t("[::1]", "x", Some("t"), None));
        assert_eq!(
            parts("Registry.Example.com/x"),
            t("Registry.Example.com", "x", Some("latest"), None)
        );
        assert_eq!(
            parts("my-reg.example.com:443/a_b/c__d/e--f.g"),
            t(
                "my-reg.example.com:443",
                "a_b/c__d/e--f.g",
                Some("latest"),
                None
            )
        );
    }

    #[test]
    fn digests() {
        assert_eq!(
            parts(&format!("x@{D}")),
            t("docker.io", "library/x", None, Some(D))
        );
        assert_eq!(
            parts(&format!("x:t@{D}")),
            t("docker.io", "library/x", Some("t"), Some(D))
        );
        assert_eq!(
            parts(&format!("localhost:5000/x@{D}")),
            t("localhost:5000", "x", None, Some(D))
        );
        let sha512 = format!("sha512:{}", "a".repeat(128));
        assert_eq!(
            p(&format!("x@{sha512}")).digest.as_deref(),
            Some(sha512.as_str())
        );
    }

    #[test]
    fn invalid_references() {
        let long_tag = format!("x:{}", "a".repeat(129));
        let long_name = format!("x/{}", "a".repeat(260));
        let hex_id = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
        let bad = [
            "",
            ":tag",
            "Busybox",
            "user/Busybox",
            "x:",
            "x:.tag",
            "x:-tag",
            "x:t@t",
            long_tag.as_str(),
            long_name.as_str(),
            "x@sha256:abc",
            "x@sha256:0123456789ABCDEF0123456789abcdef0123456789abcdef0123456789abcdef",
            "x@md5:0123456789abcdef0123456789abcdef",
            "x@",
            "a//b",
            "a/",
            "/a",
            "-a",
            "a-",
            "a..b",
            "a___b",
            "a b",
            "a$b",
            "localhost:port/x",
            "-bad.example.com/x",
            "bad_host.example.com/x",
            "[::1/x",
            "[zz]:5000/x",
            hex_id,
        ];
        for s in bad {
            assert!(Reference::parse(s).is_err(), "{s:?} should be rejected");
        }
    }

    #[test]
    fn errors_name_the_input_and_the_reason() {
        let e = Reference::parse("user/Busybox").unwrap_err().to_string();
        assert_eq!(e, "invalid image reference \"user/Busybox\": repository name \"user/Busybox\" must be lowercase");
        let e = Reference::parse("x@sha256:abc").unwrap_err().to_string();
        assert!(e.contains("not a valid sha256 digest"), "{e}");
        assert_eq!(
            Reference::parse("").unwrap_err().to_string(),
            "invalid image reference: it is empty"
        );
    }

    #[test]
    fn separators_in_path_components() {
        for ok in ["a.b", "a_b", "a__b", "a-b", "a---b", "a1.b2-c3__d4", "0"] {
            assert!(path_component_ok(ok), "{ok}");
        }
        for bad in ["a.-b", "a_.b", "a..b", "a___b", "_a", "a_", ".a", "A"] {
            assert!(!path_component_ok(bad), "{bad}");
        }
    }

    #[test]
    fn familiar_names() {
        assert_eq!(p("busybox").familiar(), "busybox");
        assert_eq!(p("docker.io/library/busybox:1").familiar(), "busybox");
        assert_eq!(p("user/x").familiar(), "user/x");
        assert_eq!(p("library/a/b").familiar(), "library/a/b");
        assert_eq!(p("127.0.0.1:5000/a/b:t").familiar(), "127.0.0.1:5000/a/b");
        assert_eq!(p("localhost/x").familiar(), "localhost/x");
    }

    #[test]
    fn display_is_the_full_form() {
        assert_eq!(p("busybox").to_string(), "docker.io/library/busybox:latest");
        assert_eq!(
            p(&format!("busybox@{D}")).to_string(),
            format!("docker.io/library/busybox@{D}")
        );
        assert_eq!(
            p(&format!("busybox:1@{D}")).to_string(),
            format!("docker.io/library/busybox:1@{D}")
        );
        assert_eq!(
            p("127.0.0.1:5000/a/b:t").to_string(),
            "127.0.0.1:5000/a/b:t"
        );
        // Parsing the full form gives the same reference back.
        for s in [
            "busybox",
            "user/x:1",
            "127.0.0.1:5000/a/b:t",
            "[::1]:5000/x",
        ] {
            assert_eq!(p(&p(s).to_string()), p(s));
        }
    }

    #[test]
    fn with_digest_drops_the_tag() {
        let r = p("busybox:1");
        let d = r.with_digest(D).unwrap();
        assert_eq!(d.tag, None);
        assert_eq!(d.tag_or_digest(), D);
        assert_eq!(r.tag_or_digest(), "1");
        assert!(r.with_digest("sha256:00").is_err());
    }
}
