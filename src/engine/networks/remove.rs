//! `network rm` and `network prune`. Removing the containers on a network
//! (`rm -f`) is the caller's, which stops them from the host side first.

use super::list::{Filters, PRUNE_KEYS};
use super::{lookup, NetworksError};
use crate::engine::events::Event;
use crate::engine::net::network::NetworkConfig;
use crate::engine::net::network::DEFAULT_NAME;
use crate::engine::store::Store;

/// Removes the network `input` names, which no container may be on.
pub fn remove(store: &Store, input: &str) -> Result<(), NetworksError> {
    let network = lookup::find(store, input)?;
    if network.name == DEFAULT_NAME {
        return Err(NetworksError::Default(network.name));
    }
    if !lookup::users(store, &network.name)?.is_empty() {
        return Err(NetworksError::InUse(input.to_owned()));
    }
    store.remove_network(&network.name)?;
    store.record(destroyed(&network));
    Ok(())
}

/// Removes every network no container is on (never the default one, which is
/// not stored), as the filters (label=, until=) allow; returns their names.
pub fn prune(store: &Store, filters: &[String]) -> Result<Vec<String>, NetworksError> {
    let filters = Filters::parse(filters, &PRUNE_KEYS)?;
    let used = lookup::in_use(store)?;
    let mut removed = Vec::new();
    for network in store.networks()? {
        if !used.contains(&network.name)
            && filters.matches(&network)
            && store.remove_network(&network.name)?
        {
            store.record(destroyed(&network));
            removed.push(network.name);
        }
    }
    Ok(removed)
}

fn destroyed(network: &NetworkConfig) -> Event {
    Event::network("destroy", &network.id, &network.name, &network.driver)
}

/// Refuses what prune cannot filter on, before anything is asked or removed.
pub fn check_prune_filters(filters: &[String]) -> Result<(), NetworksError> {
    Filters::parse(filters, &PRUNE_KEYS).map(drop)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::networks::create::{create, CreateOptions};

    fn store() -> (tempfile::TempDir, Store) {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        (dir, store)
    }

    #[test]
    fn the_default_network_stays() {
        let (_dir, store) = store();
        assert!(matches!(
            remove(&store, DEFAULT_NAME),
            Err(NetworksError::Default(_))
        ));
        assert!(matches!(
            remove(&store, "nosuch"),
            Err(NetworksError::NotFound(_))
        ));
    }

    #[test]
    fn prune_takes_unused_networks_its_filters_let_through() {
        let (_dir, mut store) = store();
        let labelled = CreateOptions {
            name: Some("a".into()),
            labels: vec![("keep".into(), "no".into())],
            ..Default::default()
        };
        create(&mut store, &labelled).unwrap();
        create(&mut store, &CreateOptions::default()).unwrap();
        assert_eq!(prune(&store, &["label=keep=no".into()]).unwrap(), ["a"]);
        // podman1 went to a's bridge.
        assert_eq!(prune(&store, &[]).unwrap(), ["podman2"]);
        assert!(prune(&store, &[]).unwrap().is_empty());
        assert!(check_prune_filters(&["name=x".into()]).is_err());
    }
}
