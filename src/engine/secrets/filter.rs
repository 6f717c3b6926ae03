//! `secret ls --filter`: name=, id= (prefixes, as Podman's) and label=KEY[=VALUE].

use super::{SecretRecord, SecretsError};

/// Checks every filter before any is applied, so a bad one is refused at once.
pub fn check(filters: &[String]) -> Result<(), SecretsError> {
    for f in filters {
        match f.split_once('=') {
            Some(("name" | "id" | "label", _)) => {}
            _ => {
                let key = f.split_once('=').map_or(f.as_str(), |(k, _)| k);
                return Err(SecretsError::Invalid(format!("invalid filter {key:?}")));
            }
        }
    }
    Ok(())
}

/// Filters of one key are alternatives; different keys must all match.
pub fn matches(secret: &SecretRecord, filters: &[String]) -> bool {
    ["name", "id", "label"].iter().all(|key| {
        let mut values = filters
            .iter()
            .filter_map(|f| f.split_once('='))
            .filter(|(k, _)| k == key)
            .map(|(_, v)| v)
            .peekable();
        values.peek().is_none() || values.any(|v| one(secret, key, v))
    })
}

fn one(secret: &SecretRecord, key: &str, value: &str) -> bool {
    match key {
        "name" => secret.name.starts_with(value),
        "id" => secret.id.starts_with(value),
        _ => match value.split_once('=') {
            Some((k, v)) => secret.labels.get(k).is_some_and(|l| l == v),
            None => secret.labels.contains_key(value),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Utc;

    fn secret() -> SecretRecord {
        SecretRecord {
            id: "abc123".into(),
            name: "db".into(),
            driver: "file".into(),
            created: Utc::now(),
            updated: Utc::now(),
            labels: [("team".to_owned(), "a".to_owned())].into(),
            data_dir: Default::default(),
        }
    }

    #[test]
    fn keys_combine_and_values_alternate() {
        let s = secret();
        let f = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert!(matches(&s, &f(&["name=d", "id=abc"])));
        assert!(matches(&s, &f(&["name=x", "name=db"])));
        assert!(!matches(&s, &f(&["name=db", "id=x"])));
        assert!(matches(&s, &f(&["label=team=a"])));
        assert!(!matches(&s, &f(&["label=team=b"])));
        assert!(check(&f(&["bogus=1"])).is_err());
    }
}
