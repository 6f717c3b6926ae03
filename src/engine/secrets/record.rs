//! A secret's record, as the store keeps it and `secret inspect` shows it: its
//! name, driver and labels, never its data.

use super::SecretsError;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Podman's default driver, and the only one coracle has.
pub const FILE_DRIVER: &str = "file";

/// Podman's limit on a secret's data.
pub const MAX_DATA: usize = 512_000;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SecretRecord {
    /// 25 hex digits, as Podman's.
    pub id: String,
    pub name: String,
    pub driver: String,
    pub created: DateTime<Utc>,
    pub updated: DateTime<Utc>,
    pub labels: BTreeMap<String, String>,
    /// The driver's directory, as the store says (Podman's inspect shows it).
    #[serde(skip)]
    pub data_dir: std::path::PathBuf,
}

/// What `secret create` is given.
#[derive(Debug, Clone, Default)]
pub struct CreateOptions {
    pub name: String,
    /// None: the file driver.
    pub driver: Option<String>,
    pub labels: Vec<(String, String)>,
}

impl CreateOptions {
    /// Podman's rules for names, drivers and data, checked before anything is
    /// written.
    pub fn validate(&self, data: &[u8]) -> Result<(), SecretsError> {
        if !valid_name(&self.name) {
            return Err(SecretsError::Invalid(format!(
                "only 64 [a-zA-Z0-9-_.] characters allowed, and the start and end character must be [a-zA-Z0-9]: {}: invalid secret name",
                self.name
            )));
        }
        if self.driver.as_deref().is_some_and(|d| d != FILE_DRIVER) {
            return Err(SecretsError::Invalid("invalid driver".into()));
        }
        if data.is_empty() || data.len() >= MAX_DATA {
            return Err(SecretsError::Invalid(format!(
                "secret data must be larger than 0 and less than {MAX_DATA} bytes"
            )));
        }
        Ok(())
    }
}

fn valid_name(name: &str) -> bool {
    let alnum = |c: Option<char>| c.is_some_and(|c| c.is_ascii_alphanumeric());
    (1..=64).contains(&name.len())
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
        && alnum(name.chars().next())
        && alnum(name.chars().last())
}

#[cfg(test)]
mod tests {
    use super::valid_name;

    #[test]
    fn names_follow_podmans_rule() {
        assert!(valid_name("db.password-1_x"));
        assert!(valid_name("a"));
        assert!(!valid_name(""));
        assert!(!valid_name("bad/name"));
        assert!(!valid_name("-lead"));
        assert!(!valid_name("trail."));
        assert!(!valid_name(&"a".repeat(65)));
    }
}
