//! `image prune --filter`: until=TIME, label=KEY[=VALUE], label!=KEY[=VALUE] and
//! dangling=true|false, as Podman's image prune takes them; all must match.

use super::{config, ImagesError};
use crate::engine::containers::logs::parse_time;
use crate::engine::store::images::ImageRecord;
use crate::engine::store::Store;
use chrono::{DateTime, Utc};

#[derive(Debug, Default, Clone)]
pub struct PruneFilters {
    until: Vec<DateTime<Utc>>,
    /// (KEY, VALUE, wanted): `label=` wants the label, `label!=` wants it absent.
    labels: Vec<(String, Option<String>, bool)>,
    /// dangling=false widens the prune to every unused image, as `--all` does.
    pub all: bool,
}

impl PruneFilters {
    pub fn parse(filters: &[String]) -> Result<PruneFilters, ImagesError> {
        let mut f = PruneFilters::default();
        for filter in filters {
            let invalid = |why: &str| {
                ImagesError::InvalidArgument(format!(
                    "invalid filter {filter:?}: {why}; use until=TIME, label=KEY[=VALUE], label!=KEY[=VALUE] or dangling=true|false"
                ))
            };
            let (key, value) = filter.split_once('=').ok_or_else(|| invalid("no value"))?;
            match key {
                "until" => f
                    .until
                    .push(parse_time(value).map_err(|e| invalid(&e.to_string()))?),
                "label" | "label!" => {
                    let (k, v) = match value.split_once('=') {
                        Some((k, v)) => (k.to_owned(), Some(v.to_owned())),
                        None => (value.to_owned(), None),
                    };
                    f.labels.push((k, v, key == "label"));
                }
                "dangling" => match value {
                    "true" | "1" => {}
                    "false" | "0" => f.all = true,
                    _ => return Err(invalid("dangling takes true or false")),
                },
                _ => return Err(invalid("unknown filter")),
            }
        }
        Ok(f)
    }

    /// Whether the filters let `image` be pruned.
    pub fn allow(&self, store: &Store, image: &ImageRecord) -> Result<bool, ImagesError> {
        let created = image
            .created
            .as_deref()
            .and_then(|c| DateTime::parse_from_rfc3339(c).ok())
            .map(|c| c.with_timezone(&Utc));
        // An image with no creation time is older than any time given.
        if !self.until.iter().all(|t| created.is_none_or(|c| c < *t)) {
            return Ok(false);
        }
        if self.labels.is_empty() {
            return Ok(true);
        }
        let labels = config::labels(&config::load(store, image)?);
        Ok(self.labels.iter().all(|(key, value, wanted)| {
            let has = labels
                .get(key)
                .is_some_and(|v| value.as_ref().is_none_or(|want| v.as_str() == Some(want)));
            has == *wanted
        }))
    }
}
