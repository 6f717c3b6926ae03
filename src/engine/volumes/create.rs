//! `volume create`, and the volumes `run` makes on the way (a named one that
//! does not exist yet, anonymous ones).

use super::record::{VolumeRecord, LOCAL_DRIVER};
use super::VolumesError;
use crate::engine::containers::names;
use crate::engine::store::Store;

/// What `volume create` (or the API) asks for, as given.
#[derive(Debug, Clone, Default)]
pub struct CreateOptions {
    /// None: an anonymous-looking 64-hex name, as Podman gives.
    pub name: Option<String>,
    /// Only `local`.
    pub driver: Option<String>,
    pub labels: Vec<(String, String)>,
    /// `-o type=tmpfs|none|bind`, `o=OPTS`, `device=PATH`.
    pub options: Vec<(String, String)>,
    /// `volume create --ignore`: an existing one is no error.
    pub ignore_existing: bool,
    /// Counted as made for one container, as Docker's API counts a volume
    /// created without a name: its default prune takes it.
    pub anonymous: bool,
}

/// Refuses a name that could not be a directory of its own, or a container
/// name (Podman's rule for both).
pub fn check_name(name: &str) -> Result<(), VolumesError> {
    match names::valid(name) {
        true => Ok(()),
        false => Err(VolumesError::Invalid(format!(
            "volume name {name:?} invalid: names must match [a-zA-Z0-9][a-zA-Z0-9_.-]*"
        ))),
    }
}

/// Creates the volume; returns its record (the existing one with `ignore`).
pub fn create(store: &Store, opts: &CreateOptions) -> Result<VolumeRecord, VolumesError> {
    let record = check(opts)?;
    if !store.add_volume(&record)? && !opts.ignore_existing {
        return Err(VolumesError::Exists(record.name));
    }
    store
        .volume(&record.name)?
        .ok_or(VolumesError::NotFound(record.name))
}

/// A new named volume for `-v NAME:/ctr` when there is none of that name yet,
/// with `--mount`'s labels and options; the existing one otherwise (as Docker,
/// which then ignores them).
pub fn ensure(store: &Store, name: &str, made: &Made) -> Result<VolumeRecord, VolumesError> {
    if let Some(v) = store.volume(name)? {
        return Ok(v);
    }
    // One made by another command meanwhile is ours too.
    create(store, &made.options(Some(name.to_owned()), true))
}

/// A new anonymous volume, with `--mount`'s labels and options.
pub fn anonymous(store: &Store, made: &Made) -> Result<VolumeRecord, VolumesError> {
    let opts = CreateOptions {
        anonymous: true,
        ..made.options(Some(random_name()), false)
    };
    let record = check(&opts)?;
    store.add_volume(&record)?;
    store
        .volume(&record.name)?
        .ok_or(VolumesError::NotFound(record.name))
}

/// What a volume that `run` makes gets: `--mount`'s `volume-label=` and
/// `volume-opt=`.
#[derive(Debug, Default)]
pub struct Made {
    pub labels: Vec<(String, String)>,
    pub options: Vec<(String, String)>,
}

impl Made {
    fn options(&self, name: Option<String>, ignore_existing: bool) -> CreateOptions {
        CreateOptions {
            name,
            driver: None,
            labels: self.labels.clone(),
            options: self.options.clone(),
            ignore_existing,
            anonymous: false,
        }
    }
}

fn random_name() -> String {
    hex::encode(rand::random::<[u8; 32]>())
}

/// The options checked, before the store is touched.
fn check(opts: &CreateOptions) -> Result<VolumeRecord, VolumesError> {
    let invalid = VolumesError::Invalid;
    let name = match &opts.name {
        Some(name) => {
            check_name(name)?;
            name.clone()
        }
        None => random_name(),
    };
    match opts.driver.as_deref() {
        None | Some(LOCAL_DRIVER) => {}
        Some(d) => {
            return Err(invalid(format!(
                "volume driver {d:?} is not supported: coracle has the local driver only"
            )))
        }
    }
    let mut record = VolumeRecord::new(name, opts.anonymous);
    for (key, value) in &opts.options {
        match key.as_str() {
            "type" if matches!(value.as_str(), "tmpfs" | "none" | "bind") => {}
            "type" => {
                return Err(invalid(format!(
                    "volume type {value:?} is not supported: use tmpfs, or none with device=DIR and o=bind"
                )))
            }
            "o" | "device" | "size" | "uid" | "gid" => {}
            _ => return Err(invalid(format!("invalid mount option {key} for driver 'local'"))),
        }
        record.options.insert(key.clone(), value.clone());
    }
    if let Some(device) = record.device() {
        if !device.starts_with('/') {
            return Err(invalid(format!(
                "volume device {device:?} must be an absolute path"
            )));
        }
    } else if record.options.contains_key("device") {
        return Err(invalid(
            "a device is mounted only with type none or bind: give -o type=none -o o=bind".into(),
        ));
    }
    record.labels = opts.labels.iter().cloned().collect();
    Ok(record)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn opts(name: &str, options: &[(&str, &str)]) -> CreateOptions {
        CreateOptions {
            name: Some(name.into()),
            options: options
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            ..Default::default()
        }
    }

    #[test]
    fn bad_names_drivers_and_options_are_refused() {
        assert_eq!(
            check(&opts("a b", &[])).unwrap_err().to_string(),
            "volume name \"a b\" invalid: names must match [a-zA-Z0-9][a-zA-Z0-9_.-]*"
        );
        assert!(check(&opts("../x", &[])).is_err());
        assert!(check(&opts("v", &[("type", "nfs")])).is_err());
        assert!(check(&opts("v", &[("foo", "1")])).is_err());
        assert!(check(&opts("v", &[("type", "tmpfs"), ("device", "/x")])).is_err());
        assert!(check(&opts("v", &[("type", "none"), ("device", "x")])).is_err());
        let driver = CreateOptions {
            driver: Some("nfs".into()),
            ..Default::default()
        };
        assert!(check(&driver).is_err());
        let tmpfs = check(&opts("v", &[("type", "tmpfs"), ("o", "size=1m,mode=700")])).unwrap();
        assert!(tmpfs.is_tmpfs());
        assert_eq!(tmpfs.mount_options(), ["size=1m", "mode=700"]);
        let anon = check(&CreateOptions::default()).unwrap();
        assert_eq!(anon.name.len(), 64);
    }

    #[test]
    fn create_refuses_a_taken_name_unless_told_to_ignore_it() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        create(&store, &opts("v", &[])).unwrap();
        assert!(matches!(
            create(&store, &opts("v", &[])),
            Err(VolumesError::Exists(_))
        ));
        let ignore = CreateOptions {
            ignore_existing: true,
            ..opts("v", &[])
        };
        assert_eq!(create(&store, &ignore).unwrap().name, "v");
        assert!(!ensure(&store, "w", &Made::default()).unwrap().anonymous);
        assert!(anonymous(&store, &Made::default()).unwrap().anonymous);
    }
}
