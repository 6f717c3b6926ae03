//! `volume rm` and `volume prune`, and the anonymous volumes that go with
//! their container. Removing the containers that use a volume (`rm -f`) is
//! the caller's, which stops them from the host side first.

use super::list::{Filters, PRUNE_KEYS};
use super::VolumesError;
use crate::engine::store::{Store, StoreError};
use std::collections::HashSet;

/// Removes the volume `name`, which no container may use.
pub fn remove(store: &Store, name: &str) -> Result<(), VolumesError> {
    if store.volume(name)?.is_none() {
        return Err(VolumesError::NotFound(name.to_owned()));
    }
    let users = store.volume_users(name)?;
    if !users.is_empty() {
        return Err(VolumesError::InUse {
            name: name.to_owned(),
            users: users.join(", "),
        });
    }
    match store.remove_volume(name)? {
        true => Ok(()),
        false => Err(VolumesError::NotFound(name.to_owned())),
    }
}

/// Removes every volume no container uses, as the filters (label=) allow;
/// returns their names.
pub fn prune(store: &Store, filters: &[String]) -> Result<Vec<String>, VolumesError> {
    let filters = Filters::parse(filters, &PRUNE_KEYS)?;
    let used: HashSet<String> = store.volumes_in_use()?;
    let mut removed = Vec::new();
    for volume in store.volumes()? {
        // A container that took it up meanwhile keeps it.
        let unused = !used.contains(&volume.name) && filters.matches(&volume, false);
        if unused && matches!(store.remove_volume(&volume.name), Ok(true)) {
            removed.push(volume.name);
        }
    }
    Ok(removed)
}

/// Refuses what prune cannot filter on, before anything is asked or removed.
pub fn check_prune_filters(filters: &[String]) -> Result<(), VolumesError> {
    Filters::parse(filters, &PRUNE_KEYS).map(drop)
}

/// Removes the container's record and directory, and the anonymous volumes
/// it used that no other container uses (`rm -v`, `run --rm`, a run that
/// failed to start). Named volumes stay.
pub fn container_and_anonymous(store: &Store, id: &str) -> Result<(), StoreError> {
    let anonymous = store.anonymous_volumes_of(id)?;
    store.remove_container(id)?;
    for name in anonymous {
        if store.volume_users(&name)?.is_empty() {
            store.remove_volume(&name)?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::volumes::create::{create, CreateOptions};

    #[test]
    fn prune_takes_the_volumes_its_filters_let_through() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        let labelled = CreateOptions {
            name: Some("a".into()),
            labels: vec![("keep".into(), "no".into())],
            ..Default::default()
        };
        create(&store, &labelled).unwrap();
        let b = CreateOptions {
            name: Some("b".into()),
            ..Default::default()
        };
        create(&store, &b).unwrap();
        assert_eq!(prune(&store, &["label=keep=no".into()]).unwrap(), ["a"]);
        assert_eq!(prune(&store, &[]).unwrap(), ["b"]);
        assert!(matches!(
            remove(&store, "b"),
            Err(VolumesError::NotFound(_))
        ));
        assert!(check_prune_filters(&["name=x".into()]).is_err());
    }
}
