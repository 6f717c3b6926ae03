//! `ps`: the containers, brought up to date and filtered as Docker filters them
//! (values of one key OR together, different keys AND).

use super::lookup::config_of;
use super::{health, state};
use super::{ContainerConfig, ContainersError, RestartPolicy};
use crate::engine::images;
use crate::engine::storage_driver::Upper;
use crate::engine::store::containers::{ContainerRecord, Status};
use crate::engine::store::Store;
use std::collections::HashMap;
use std::path::Path;

#[derive(Debug, Default)]
pub struct ListOptions {
    /// Stopped containers too (`-a`).
    pub all: bool,
    /// `KEY=VALUE` as `--filter` takes them.
    pub filters: Vec<String>,
    /// At most this many, newest first (`-n`, `-l`); implies `all`, as in Docker.
    pub last: Option<usize>,
    /// Measure what each container wrote (`-s`).
    pub size: bool,
}

/// A listed container: its record and its parsed config.
pub struct Listed {
    pub record: ContainerRecord,
    pub config: ContainerConfig,
    /// When asked for.
    pub size: Option<Size>,
    /// A running container's health, when it has a check.
    pub health: Option<health::Status>,
}

impl Listed {
    /// Docker's words for its state, its health after them while it runs:
    /// "Up 5 seconds (healthy)", as Podman's ps shows it.
    pub fn status(&self, now_ms: i64) -> String {
        let words = super::status::status(&self.record.state, now_ms);
        match self.health {
            Some(health) => format!("{words} ({})", health.as_str()),
            None => words,
        }
    }
}

/// The health of a running container with a check: `starting` before its first.
fn health_of(
    store: &Store,
    record: &ContainerRecord,
    config: &ContainerConfig,
) -> Option<health::Status> {
    config.healthcheck.as_ref()?;
    if record.state.status != Status::Running {
        return None;
    }
    let state = health::state::read(&store.container_dir(&record.id)).unwrap_or_default();
    Some(state.status)
}

/// Docker's SizeRw and SizeRootFs.
#[derive(Debug, Clone, Copy)]
pub struct Size {
    /// Bytes the container wrote.
    pub rw: u64,
    /// Those plus its image's.
    pub root_fs: u64,
}

pub fn list(store: &Store, opts: &ListOptions) -> Result<Vec<Listed>, ContainersError> {
    let filters = Filters::parse(&opts.filters)?;
    filters.check_times()?;
    let ancestors = filters.ancestor_ids(store)?;
    let all = opts.all || opts.last.is_some() || filters.wants_stopped();
    let mut image_sizes = HashMap::new();
    let mut listed = Vec::new();
    for record in store.containers()? {
        if opts.last.is_some_and(|n| listed.len() >= n) {
            break;
        }
        // Only a record that needs a monitor can be stale: the rest cost no lock.
        let record = if record.state.status.has_monitor() {
            state::refresh(store, record)?
        } else {
            record
        };
        if !all && !record.state.status.has_monitor() {
            continue;
        }
        if !filters.matches_record(&record, ancestors.as_deref()) {
            continue;
        }
        let config = config_of(&record)?;
        let health = health_of(store, &record, &config);
        if filters.matches_labels(&config.labels)
            && filters.matches_health(health)
            && filters.matches_restart(config.restart)
        {
            let size = opts.size.then(|| size(store, &record, &mut image_sizes));
            listed.push(Listed {
                record,
                config,
                size,
                health,
            });
        }
    }
    Ok(listed)
}

/// `image_sizes` keeps each image's size, asked once however many containers
/// share it.
fn size(store: &Store, record: &ContainerRecord, image_sizes: &mut HashMap<String, u64>) -> Size {
    let rw = upper_size(store, &record.id);
    let image = *image_sizes
        .entry(record.image_id.clone())
        .or_insert_with(|| store.image(&record.image_id).map_or(0, |i| i.size));
    Size {
        rw,
        root_fs: rw + image,
    }
}

/// Bytes of the files a container wrote (its overlay upper dir, or what vfs
/// works out it changed), as `ps -s` shows them. What cannot be read (a
/// directory the container made private) is not counted.
pub fn upper_size(store: &Store, id: &str) -> u64 {
    fn walk(dir: &Path) -> u64 {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return 0;
        };
        entries
            .flatten()
            .filter_map(|e| Some((e.path(), e.metadata().ok()?)))
            .map(|(path, meta)| {
                if meta.is_dir() {
                    walk(&path)
                } else {
                    meta.len()
                }
            })
            .sum()
    }
    let dir = store.container_dir(id);
    let layers = store
        .container(id)
        .ok()
        .flatten()
        .and_then(|record| config_of(&record).ok())
        .map(|config| config.layers)
        .unwrap_or_default();
    Upper::of(store.storage(), &dir, &layers).map_or(0, |upper| walk(upper.path()))
}

/// Parsed `--filter` values, by key.
#[derive(Debug, Default)]
pub struct Filters(HashMap<String, Vec<String>>);

const KEYS: [&str; 9] = [
    "status",
    "name",
    "id",
    "label",
    "ancestor",
    "exited",
    "until",
    "health",
    "restart-policy",
];

impl Filters {
    pub fn parse(raw: &[String]) -> Result<Filters, ContainersError> {
        let mut map: HashMap<String, Vec<String>> = HashMap::new();
        for f in raw {
            let Some((key, value)) = f.split_once('=') else {
                return Err(ContainersError::Invalid(format!(
                    "bad format of filter {f:?} (expected name=value)"
                )));
            };
            if !KEYS.contains(&key) {
                return Err(ContainersError::Invalid(format!(
                    "invalid filter {key:?}: use one of {}",
                    KEYS.join(", ")
                )));
            }
            if key == "status" && !STATUSES.contains(&value) {
                return Err(ContainersError::Invalid(format!(
                    "invalid filter 'status={value}': use one of {}",
                    STATUSES.join(", ")
                )));
            }
            // Podman's words: coracle-restart.service starts `restart-policy=always`.
            if key == "restart-policy" && !RESTART_POLICIES.contains(&value) {
                return Err(ContainersError::Invalid(format!(
                    "{value} invalid restart policy"
                )));
            }
            if key == "exited" && value.parse::<i32>().is_err() {
                return Err(ContainersError::Invalid(format!(
                    "invalid filter 'exited={value}': the value must be an exit code"
                )));
            }
            map.entry(key.to_owned())
                .or_default()
                .push(value.to_owned());
        }
        Ok(Filters(map))
    }

    /// `until=` values must be times; checked once rather than per container.
    pub fn check_times(&self) -> Result<(), ContainersError> {
        for t in self.values("until").unwrap_or_default() {
            super::logs::parse_time(t)?;
        }
        Ok(())
    }

    fn values(&self, key: &str) -> Option<&[String]> {
        self.0.get(key).map(Vec::as_slice)
    }

    /// A filter on a stopped state (or an exit code) lists stopped containers
    /// without `-a`, as Docker does.
    fn wants_stopped(&self) -> bool {
        self.values("exited").is_some()
            || self
                .values("status")
                .is_some_and(|v| v.iter().any(|s| s != "running" && s != "paused"))
    }

    /// The image IDs `ancestor=` names (images that no longer resolve match nothing).
    fn ancestor_ids(&self, store: &Store) -> Result<Option<Vec<String>>, ContainersError> {
        let Some(names) = self.values("ancestor") else {
            return Ok(None);
        };
        let mut ids = Vec::new();
        for name in names {
            match images::resolve(store, name) {
                Ok(id) => ids.push(id),
                Err(images::ImagesError::NotFound(_)) => {}
                Err(e) => return Err(e.into()),
            }
        }
        Ok(Some(ids))
    }

    fn matches_record(&self, r: &ContainerRecord, ancestors: Option<&[String]>) -> bool {
        let any = |key: &str, test: &dyn Fn(&str) -> bool| {
            self.values(key).is_none_or(|v| v.iter().any(|x| test(x)))
        };
        any("status", &|s| s == r.state.status.as_str())
            && any("name", &|n| r.name.contains(n.trim_start_matches('/')))
            && any("id", &|i| r.id.starts_with(i))
            && any("exited", &|c| {
                r.state.status == Status::Exited
                    && r.state.started_ms.is_some()
                    && c.parse().ok() == r.state.exit_code
            })
            && any("until", &|t| {
                super::logs::parse_time(t).is_ok_and(|t| r.created < t.timestamp())
            })
            && ancestors.is_none_or(|ids| ids.contains(&r.image_id))
    }

    /// `health=starting|healthy|unhealthy`, and Docker's `none` for a
    /// container with no check (or not running).
    pub fn matches_health(&self, health: Option<health::Status>) -> bool {
        let name = health.map_or("none", health::Status::as_str);
        self.values("health")
            .is_none_or(|wanted| wanted.iter().any(|w| w == name))
    }

    /// `restart-policy=NAME`, by the policy's name without its count.
    pub fn matches_restart(&self, policy: RestartPolicy) -> bool {
        self.values("restart-policy")
            .is_none_or(|wanted| wanted.iter().any(|w| w == policy.name()))
    }

    /// `label=KEY` or `label=KEY=VALUE`; every one must match (Docker ANDs labels).
    pub fn matches_labels(&self, labels: &[(String, String)]) -> bool {
        self.values("label").is_none_or(|wanted| {
            wanted.iter().all(|w| match w.split_once('=') {
                Some((k, v)) => labels.iter().any(|(lk, lv)| lk == k && lv == v),
                None => labels.iter().any(|(lk, _)| lk == w),
            })
        })
    }
}

const RESTART_POLICIES: [&str; 4] = ["no", "on-failure", "always", "unless-stopped"];

const STATUSES: [&str; 7] = [
    "created",
    "restarting",
    "running",
    "removing",
    "paused",
    "exited",
    "dead",
];

#[cfg(test)]
mod tests {
    use super::Filters;

    fn filters(raw: &[&str]) -> Filters {
        Filters::parse(&raw.iter().map(|s| s.to_string()).collect::<Vec<_>>()).unwrap()
    }

    #[test]
    fn labels_match_by_key_or_pair_and_all_must_match() {
        let labels = vec![("a".to_owned(), "1".to_owned()), ("b".into(), "".into())];
        assert!(filters(&["label=a"]).matches_labels(&labels));
        assert!(filters(&["label=a=1", "label=b"]).matches_labels(&labels));
        assert!(!filters(&["label=a=2"]).matches_labels(&labels));
        assert!(!filters(&["label=a", "label=c"]).matches_labels(&labels));
    }

    #[test]
    fn bad_filters_are_refused() {
        for bad in ["status", "colour=red", "status=sleeping", "exited=x"] {
            assert!(Filters::parse(&[bad.to_owned()]).is_err(), "{bad}");
        }
    }
}
