//! `--build-context NAME=VALUE`: more sources for `COPY --from=NAME`, and for
//! `FROM NAME` when VALUE is an image.

use std::path::PathBuf;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NamedContext {
    /// A local directory, read as the main context is (without its ignore file).
    Dir(PathBuf),
    /// `docker-image://IMAGE` or `container-image://IMAGE`.
    Image(String),
}

impl std::str::FromStr for NamedContext {
    type Err = String;

    fn from_str(value: &str) -> Result<NamedContext, String> {
        for scheme in ["docker-image://", "container-image://"] {
            if let Some(image) = value.strip_prefix(scheme) {
                return Ok(NamedContext::Image(image.to_owned()));
            }
        }
        if value.contains("://") {
            return Err(format!(
                "{value:?}: coracle takes a directory, docker-image:// or container-image:// here"
            ));
        }
        Ok(NamedContext::Dir(value.into()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn named_contexts_as_podman_spells_them() {
        let parse = |s: &str| s.parse::<NamedContext>();
        assert_eq!(parse("../dir"), Ok(NamedContext::Dir("../dir".into())));
        assert_eq!(
            parse("docker-image://alpine:3"),
            Ok(NamedContext::Image("alpine:3".into()))
        );
        assert_eq!(
            parse("container-image://busybox"),
            Ok(NamedContext::Image("busybox".into()))
        );
        assert!(parse("https://example.org/ctx.tar").is_err());
    }
}
