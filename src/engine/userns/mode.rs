//! `--userns`: which user namespace a container runs in, parsed with Podman's words
//! for what it refuses.

use super::UsernsError;
use serde::{Deserialize, Serialize};

/// What `--userns` asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum UsernsMode {
    /// No user namespace of its own: rootful, the host's; rootless, coracle's,
    /// where the caller is root (Podman's default, spelled `host` or nothing).
    #[default]
    Host,
    /// Rootless only: the caller's own ids (or these) inside, mapped to the
    /// caller on the host, the subordinate ids around them.
    KeepId { uid: Option<u32>, gid: Option<u32> },
    /// A range of ids no other container uses, of `size` ids (else as the image
    /// needs).
    Auto { size: Option<u32> },
}

impl std::str::FromStr for UsernsMode {
    type Err = UsernsError;

    fn from_str(text: &str) -> Result<UsernsMode, UsernsError> {
        let (mode, opts) = match text.split_once(':') {
            Some((mode, opts)) => (mode, Some(opts)),
            None => (text, None),
        };
        match (mode, opts) {
            ("" | "host", None) => Ok(UsernsMode::Host),
            ("keep-id", _) => {
                let (mut uid, mut gid) = (None, None);
                for (key, value) in options(opts)? {
                    match key {
                        "uid" => uid = Some(number(key, value)?),
                        "gid" => gid = Some(number(key, value)?),
                        _ => return Err(unknown(key)),
                    }
                }
                Ok(UsernsMode::KeepId { uid, gid })
            }
            ("auto", _) => {
                let mut size = None;
                for (key, value) in options(opts)? {
                    match key {
                        "size" => size = Some(number(key, value)?).filter(|&n| n > 0),
                        _ => return Err(unknown(key)),
                    }
                }
                if opts.is_some() && size.is_none() {
                    return Err(UsernsError::Mode(
                        "invalid option specified: \"size=0\": a user namespace needs at least one id".into(),
                    ));
                }
                Ok(UsernsMode::Auto { size })
            }
            ("private" | "nomap" | "ns" | "container", _) => Err(UsernsError::Mode(format!(
                "--userns={text} is not supported by coracle: use host, keep-id[:uid=N,gid=N] or auto[:size=N]"
            ))),
            _ => Err(UsernsError::Mode(format!(
                "unrecognized namespace mode {text} passed"
            ))),
        }
    }
}

/// As given on the command line, for inspect; empty for the default, as Podman
/// shows it.
impl std::fmt::Display for UsernsMode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let opts = |pairs: &[(&str, Option<u32>)]| {
            pairs
                .iter()
                .filter_map(|(k, v)| v.map(|v| format!("{k}={v}")))
                .collect::<Vec<_>>()
                .join(",")
        };
        let (mode, opts) = match self {
            UsernsMode::Host => return Ok(()),
            UsernsMode::KeepId { uid, gid } => ("keep-id", opts(&[("uid", *uid), ("gid", *gid)])),
            UsernsMode::Auto { size } => ("auto", opts(&[("size", *size)])),
        };
        match opts.is_empty() {
            true => f.write_str(mode),
            false => write!(f, "{mode}:{opts}"),
        }
    }
}

impl UsernsMode {
    /// Whether the container gets a user namespace of its own.
    pub fn is_private(&self) -> bool {
        *self != UsernsMode::Host
    }
}

/// `key=value,...` after the mode's colon, in Podman's words when malformed.
fn options(opts: Option<&str>) -> Result<Vec<(&str, &str)>, UsernsError> {
    opts.into_iter()
        .flat_map(|o| o.split(','))
        .map(|o| {
            o.split_once('=')
                .ok_or_else(|| UsernsError::Mode(format!("invalid option specified: {o:?}")))
        })
        .collect()
}

fn number(key: &str, value: &str) -> Result<u32, UsernsError> {
    value.parse().map_err(|_| {
        UsernsError::Mode(format!(
            "invalid option specified: \"{key}={value}\": {key} must be a number"
        ))
    })
}

fn unknown(key: &str) -> UsernsError {
    UsernsError::Mode(format!("unknown option specified: {key:?}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<UsernsMode, String> {
        text.parse().map_err(|e: UsernsError| e.to_string())
    }

    #[test]
    fn modes_parse() {
        assert_eq!(parse(""), Ok(UsernsMode::Host));
        assert_eq!(parse("host"), Ok(UsernsMode::Host));
        assert_eq!(
            parse("keep-id"),
            Ok(UsernsMode::KeepId {
                uid: None,
                gid: None
            })
        );
        assert_eq!(
            parse("keep-id:uid=200,gid=300"),
            Ok(UsernsMode::KeepId {
                uid: Some(200),
                gid: Some(300)
            })
        );
        assert_eq!(parse("auto"), Ok(UsernsMode::Auto { size: None }));
        assert_eq!(
            parse("auto:size=500"),
            Ok(UsernsMode::Auto { size: Some(500) })
        );
    }

    #[test]
    fn modes_print_as_given() {
        for text in [
            "",
            "keep-id",
            "keep-id:uid=200,gid=300",
            "auto",
            "auto:size=500",
        ] {
            assert_eq!(parse(text).unwrap().to_string(), text);
        }
    }

    #[test]
    fn bad_values_fail_in_podmans_words() {
        assert_eq!(
            parse("bogus").unwrap_err(),
            "unrecognized namespace mode bogus passed"
        );
        assert_eq!(
            parse("keep-id:foo=1").unwrap_err(),
            "unknown option specified: \"foo\""
        );
        assert_eq!(
            parse("keep-id:uid").unwrap_err(),
            "invalid option specified: \"uid\""
        );
        assert!(parse("keep-id:uid=x")
            .unwrap_err()
            .contains("uid must be a number"));
        assert!(parse("auto:size=0").is_err());
        assert!(parse("auto:size=-1").is_err());
        assert!(parse("ns:/proc/1/ns/user")
            .unwrap_err()
            .contains("not supported"));
        assert!(parse("host:x").is_err());
    }
}
