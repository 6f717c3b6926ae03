//! `volume ls` and the filters it and `volume prune` take, as Podman's:
//! name= is a regular expression, driver= exact, label=KEY[=VALUE] must all
//! match, dangling=true|false picks the volumes no container uses (or the
//! others), anonymous=true|false the volumes made for one container (or the
//! named ones): what Docker's API (1.42 on) prunes by default.

use super::record::VolumeRecord;
use super::VolumesError;
use crate::engine::store::Store;
use regex::Regex;
use std::collections::HashSet;

/// What `volume ls --filter` takes.
const LIST_KEYS: [&str; 5] = ["name", "driver", "label", "dangling", "anonymous"];
/// What `volume prune --filter` takes.
pub const PRUNE_KEYS: [&str; 2] = ["label", "anonymous"];

/// Every volume the filters let through, by name.
pub fn list(store: &Store, filters: &[String]) -> Result<Vec<VolumeRecord>, VolumesError> {
    let filters = Filters::parse(filters, &LIST_KEYS)?;
    let used = match filters.dangling {
        Some(_) => store.volumes_in_use()?,
        None => HashSet::new(),
    };
    Ok(store
        .volumes()?
        .into_iter()
        .filter(|v| filters.matches(v, used.contains(&v.name)))
        .collect())
}

/// Parsed `--filter` values: values of one key OR together (labels AND), keys
/// AND.
#[derive(Default)]
pub struct Filters {
    names: Vec<Regex>,
    drivers: Vec<String>,
    labels: Vec<String>,
    dangling: Option<bool>,
    anonymous: Option<bool>,
}

impl Filters {
    /// Refuses a key not in `keys`, or a bad value, before anything is listed
    /// or removed.
    pub fn parse(raw: &[String], keys: &[&str]) -> Result<Filters, VolumesError> {
        let invalid = VolumesError::Invalid;
        let mut f = Filters::default();
        for item in raw {
            let Some((key, value)) = item.split_once('=') else {
                return Err(invalid(format!(
                    "filter input must be in the form of filter=value: {item} is invalid"
                )));
            };
            if !keys.contains(&key) {
                return Err(invalid(format!("{key} is an invalid filter")));
            }
            match key {
                "name" => f.names.push(Regex::new(value).map_err(|_| {
                    invalid(format!("invalid filter {item:?}: not a regular expression"))
                })?),
                "driver" => f.drivers.push(value.to_owned()),
                "label" => f.labels.push(value.to_owned()),
                "dangling" => f.dangling = Some(boolean(key, value)?),
                _ => f.anonymous = Some(boolean(key, value)?),
            }
        }
        Ok(f)
    }

    pub fn matches(&self, v: &VolumeRecord, used: bool) -> bool {
        (self.names.is_empty() || self.names.iter().any(|p| p.is_match(&v.name)))
            && (self.drivers.is_empty() || self.drivers.contains(&v.driver))
            && self.labels.iter().all(|l| match l.split_once('=') {
                Some((k, want)) => v.labels.get(k).is_some_and(|have| have == want),
                None => v.labels.contains_key(l),
            })
            && self.dangling.is_none_or(|dangling| dangling != used)
            && self
                .anonymous
                .is_none_or(|anonymous| anonymous == v.anonymous)
    }
}

fn boolean(key: &str, value: &str) -> Result<bool, VolumesError> {
    match value {
        "true" | "1" => Ok(true),
        "false" | "0" => Ok(false),
        _ => Err(VolumesError::Invalid(format!(
            "failed to parse {key} filter {value:?}: use true or false"
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn filters(raw: &[&str]) -> Result<Filters, VolumesError> {
        let raw: Vec<String> = raw.iter().map(|s| s.to_string()).collect();
        Filters::parse(&raw, &LIST_KEYS)
    }

    #[test]
    fn filters_match_as_podmans_do() {
        let mut v = VolumeRecord::new("data1".into(), false);
        v.labels.insert("a".into(), "1".into());
        let yes = |raw: &[&str], used| filters(raw).unwrap().matches(&v, used);
        assert!(yes(&["name=^data"], false));
        assert!(!yes(&["name=^x"], false));
        assert!(yes(&["name=x", "name=1$"], false));
        assert!(yes(&["label=a", "label=a=1", "driver=local"], false));
        assert!(!yes(&["label=a=2"], false));
        assert!(yes(&["dangling=true"], false));
        assert!(!yes(&["dangling=true"], true));
        assert!(yes(&["dangling=false"], true));
        assert!(yes(&["anonymous=false"], false));
        assert!(!yes(&["anonymous=1"], false));
    }

    #[test]
    fn bad_filters_say_what_is_wrong() {
        let err = |raw: &str| filters(&[raw]).err().unwrap().to_string();
        assert_eq!(err("foo=bar"), "foo is an invalid filter");
        assert!(err("dangling=maybe").contains("use true or false"));
        assert!(err("name").contains("filter=value"));
        assert!(Filters::parse(&["name=x".into()], &PRUNE_KEYS).is_err());
    }
}
