//! `run/create --secret NAME[,type=mount|env][,target=T][,uid=,gid=,mode=]`:
//! parsed with Podman's rules and errors, before anything is created.

use super::SecretsError;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum SecretKind {
    /// A read-only file at `target` (default /run/secrets/NAME; a relative
    /// target is under /run/secrets), owned and moded as asked.
    Mount {
        target: String,
        uid: u32,
        gid: u32,
        mode: u32,
    },
    /// An environment variable named `target` (default NAME).
    Env { target: String },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SecretRequest {
    pub name: String,
    pub kind: SecretKind,
}

impl std::str::FromStr for SecretRequest {
    type Err = SecretsError;

    fn from_str(flag: &str) -> Result<SecretRequest, SecretsError> {
        let invalid = |what: String| SecretsError::Invalid(format!("{what}: parsing secret"));
        let mut parts = flag.split(',');
        let name = parts.next().unwrap_or_default().to_owned();
        if name.is_empty() {
            return Err(invalid(format!("secret name {flag:?} invalid")));
        }
        let (mut env, mut target, mut ids_or_mode) = (false, None, false);
        let (mut uid, mut gid, mut mode) = (0, 0, 0o444);
        let number = |key: &str, value: &str, radix| {
            u32::from_str_radix(value, radix).map_err(|_| invalid(format!("{key} {value} invalid")))
        };
        for part in parts {
            let (key, value) = part
                .split_once('=')
                .ok_or_else(|| invalid(format!("option {part} invalid")))?;
            match key {
                "type" => match value {
                    "mount" => env = false,
                    "env" => env = true,
                    _ => return Err(invalid(format!("type {value} is invalid"))),
                },
                "target" => target = Some(value.to_owned()),
                "uid" => (uid, ids_or_mode) = (number("UID", value, 10)?, true),
                "gid" => (gid, ids_or_mode) = (number("GID", value, 10)?, true),
                "mode" => (mode, ids_or_mode) = (number("mode", value, 8)?, true),
                _ => return Err(invalid(format!("option {part} invalid"))),
            }
        }
        let kind = match env {
            true if ids_or_mode => {
                return Err(invalid(
                    "UID, GID, Mode options cannot be set with secret type env".into(),
                ))
            }
            true => SecretKind::Env {
                target: target.unwrap_or_else(|| name.clone()),
            },
            false => SecretKind::Mount {
                target: match target {
                    Some(t) if t.starts_with('/') => t,
                    Some(t) => format!("/run/secrets/{t}"),
                    None => format!("/run/secrets/{name}"),
                },
                uid,
                gid,
                mode,
            },
        };
        Ok(SecretRequest { name, kind })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(s: &str) -> Result<SecretRequest, String> {
        s.parse::<SecretRequest>().map_err(|e| e.to_string())
    }

    #[test]
    fn defaults_and_targets_are_podmans() {
        let mount = |target: &str, uid, gid, mode| SecretKind::Mount {
            target: target.into(),
            uid,
            gid,
            mode,
        };
        assert_eq!(
            parse("db").unwrap().kind,
            mount("/run/secrets/db", 0, 0, 0o444)
        );
        assert_eq!(
            parse("db,target=x").unwrap().kind,
            mount("/run/secrets/x", 0, 0, 0o444)
        );
        assert_eq!(
            parse("db,target=/etc/x,uid=5,gid=6,mode=0400")
                .unwrap()
                .kind,
            mount("/etc/x", 5, 6, 0o400)
        );
        assert_eq!(
            parse("db,type=env,target=PW").unwrap().kind,
            SecretKind::Env {
                target: "PW".into()
            }
        );
    }

    #[test]
    fn bad_options_say_what_podman_says() {
        assert_eq!(
            parse("db,type=bogus").unwrap_err(),
            "type bogus is invalid: parsing secret"
        );
        assert_eq!(
            parse("db,bogus=1").unwrap_err(),
            "option bogus=1 invalid: parsing secret"
        );
        assert_eq!(
            parse("db,mode=abc").unwrap_err(),
            "mode abc invalid: parsing secret"
        );
        assert_eq!(
            parse("db,type=env,uid=4").unwrap_err(),
            "UID, GID, Mode options cannot be set with secret type env: parsing secret"
        );
    }
}
