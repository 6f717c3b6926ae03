//! `network ls` and the filters it and `network prune` take, as Podman's:
//! name= and id= are regular expressions matched anywhere, driver= is exact,
//! label=KEY[=VALUE] must all match, until= is a time or a duration ago.

use super::{lookup, NetworksError};
use crate::engine::containers::logs::parse_time;
use crate::engine::net::network::NetworkConfig;
use crate::engine::store::Store;
use chrono::{DateTime, Utc};
use regex::Regex;

/// What `network ls --filter` takes.
const LIST_KEYS: [&str; 5] = ["name", "driver", "id", "label", "until"];
/// What `network prune --filter` takes.
pub const PRUNE_KEYS: [&str; 2] = ["label", "until"];

/// Every network the filters let through, the default one included, by name.
pub fn list(store: &Store, filters: &[String]) -> Result<Vec<NetworkConfig>, NetworksError> {
    let filters = Filters::parse(filters, &LIST_KEYS)?;
    Ok(lookup::all(store)?
        .into_iter()
        .filter(|n| filters.matches(n))
        .collect())
}

/// Whether a network that is not stored (such as the API's `host` and `none`)
/// passes `network ls`'s filters.
pub fn matches(filters: &[String], network: &NetworkConfig) -> Result<bool, NetworksError> {
    Ok(Filters::parse(filters, &LIST_KEYS)?.matches(network))
}

/// Parsed `--filter` values: values of one key OR together (labels AND), keys
/// AND.
#[derive(Default)]
pub struct Filters {
    names: Vec<Regex>,
    ids: Vec<Regex>,
    drivers: Vec<String>,
    labels: Vec<String>,
    until: Vec<DateTime<Utc>>,
}

impl Filters {
    /// Refuses a key not in `keys`, a bad pattern or time, before anything is
    /// listed or removed.
    pub fn parse(raw: &[String], keys: &[&str]) -> Result<Filters, NetworksError> {
        let invalid = NetworksError::Invalid;
        let mut f = Filters::default();
        for item in raw {
            let Some((key, value)) = item.split_once('=') else {
                return Err(invalid(format!(
                    "filter input must be in the form of filter=value: {item} is invalid"
                )));
            };
            if !keys.contains(&key) {
                return Err(invalid(format!("invalid filter {key:?}")));
            }
            let pattern = || {
                Regex::new(value).map_err(|_| {
                    invalid(format!("invalid filter {item:?}: not a regular expression"))
                })
            };
            match key {
                "name" => f.names.push(pattern()?),
                "id" => f.ids.push(pattern()?),
                "driver" => f.drivers.push(value.to_owned()),
                "label" => f.labels.push(value.to_owned()),
                _ => f
                    .until
                    .push(parse_time(value).map_err(|e| invalid(e.to_string()))?),
            }
        }
        Ok(f)
    }

    pub fn matches(&self, n: &NetworkConfig) -> bool {
        let any = |patterns: &[Regex], text: &str| {
            patterns.is_empty() || patterns.iter().any(|p| p.is_match(text))
        };
        any(&self.names, &n.name)
            && any(&self.ids, &n.id)
            && (self.drivers.is_empty() || self.drivers.contains(&n.driver))
            && self.labels.iter().all(|l| match l.split_once('=') {
                Some((k, v)) => n.labels.get(k).is_some_and(|have| have == v),
                None => n.labels.contains_key(l),
            })
            && self.until.iter().all(|t| n.created < *t)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn filters(raw: &[&str]) -> Result<Filters, NetworksError> {
        let raw: Vec<String> = raw.iter().map(|s| s.to_string()).collect();
        Filters::parse(&raw, &LIST_KEYS)
    }

    #[test]
    fn filters_match_as_podmans_do() {
        let mut n = lookup::default_network();
        n.labels.insert("a".into(), "1".into());
        n.labels.insert("b".into(), "".into());
        let yes = |raw: &[&str]| filters(raw).unwrap().matches(&n);
        assert!(yes(&["name=pod"]));
        assert!(yes(&["name=^podman$", "name=other"]));
        assert!(!yes(&["name=^pod$"]));
        assert!(yes(&["id=^2f259b"]));
        assert!(yes(&["driver=bridge"]));
        assert!(!yes(&["driver=macvlan"]));
        assert!(yes(&["label=a=1", "label=b"]));
        assert!(!yes(&["label=a", "label=c"]));
        assert!(!yes(&["label=a=2"]));
        assert!(!yes(&["until=1h"]));
    }

    #[test]
    fn bad_filters_say_what_is_wrong() {
        let err = |raw: &str| filters(&[raw]).err().unwrap().to_string();
        assert_eq!(err("foo=bar"), "invalid filter \"foo\"");
        assert_eq!(
            err("name"),
            "filter input must be in the form of filter=value: name is invalid"
        );
        assert!(err("name=(").starts_with("invalid filter \"name=(\""));
        assert!(err("until=soon").contains("invalid time"));
        assert!(Filters::parse(&["name=x".into()], &PRUNE_KEYS).is_err());
    }
}
