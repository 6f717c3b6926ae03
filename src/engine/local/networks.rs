//! The verbs on networks. `rm -f` stops the containers on a network from the
//! host side, where the caller owns their namespaces, then removes them from
//! inside ours, which owns their files. `connect` and `disconnect` stay on the
//! host side: they open a running container's network namespace, and the
//! holder does the rest.

use super::LocalEngine;
use crate::engine::containers::{self, remove, stop, ContainersError};
use crate::engine::interface::{Each, Error, NetworkEngine};
use crate::engine::net::network::NetworkConfig;
use crate::engine::networks::{self, connect, create, list, lookup, ConnectOptions, CreateOptions};
use crate::engine::process::Inside;
use crate::engine::store::Store;
use std::time::Duration;

impl NetworkEngine for LocalEngine {
    fn create_network(&self, opts: &CreateOptions) -> Result<NetworkConfig, Error> {
        Ok(create::create(&mut self.store()?, opts)?)
    }

    fn list_networks(&self, filters: &[String]) -> Result<Vec<NetworkConfig>, Error> {
        Ok(list::list(&self.store()?, filters)?)
    }

    fn inspect_network(&self, name: &str) -> Result<NetworkConfig, Error> {
        Ok(lookup::find(&self.store()?, name)?)
    }

    fn network_members(&self, name: &str) -> Result<Vec<lookup::Member>, Error> {
        Ok(lookup::members(&self.store()?, name)?)
    }

    fn remove_networks(
        &self,
        names: &[String],
        force: bool,
        timeout: Option<Duration>,
    ) -> Result<Each, Error> {
        let mut store = self.store()?;
        let users = match force {
            true => stop_users(&store, names, timeout)?,
            false => vec![Vec::new(); names.len()],
        };
        let inside = match users.iter().any(|u| !u.is_empty()) {
            true => {
                drop(store);
                let inside = self.inside()?;
                store = self.store()?;
                Some(inside)
            }
            false => None,
        };
        Ok(names
            .iter()
            .zip(users)
            .map(|(name, ids)| {
                if let Some(inside) = inside {
                    remove_all(inside, &store, &ids)?;
                }
                Ok(networks::remove::remove(&store, name)?)
            })
            .collect())
    }

    fn prune_networks(&self, filters: &[String]) -> Result<Vec<String>, Error> {
        Ok(networks::remove::prune(&self.store()?, filters)?)
    }

    fn connect_network(&self, opts: &ConnectOptions) -> Result<(), Error> {
        let mut store = self.store()?;
        let record = containers::lookup::lookup(&store, &opts.container)?;
        Ok(connect::connect(
            &mut store,
            &self.ctx.runroot,
            &record,
            opts,
        )?)
    }

    fn disconnect_network(&self, network: &str, container: &str, force: bool) -> Result<(), Error> {
        let mut store = self.store()?;
        let record = containers::lookup::lookup(&store, container)?;
        Ok(connect::disconnect(
            &mut store,
            &self.ctx.runroot,
            &record,
            container,
            network,
            force,
        )?)
    }
}

/// Stops the containers on each named network (none for a name that does not
/// resolve: removing it reports that); returns their IDs, per name.
fn stop_users(
    store: &Store,
    names: &[String],
    timeout: Option<Duration>,
) -> Result<Vec<Vec<String>>, Error> {
    let mut all = Vec::new();
    for name in names {
        let ids: Vec<String> = match lookup::find(store, name) {
            Ok(network) => lookup::users(store, &network.name)?
                .into_iter()
                .map(|r| r.id)
                .collect(),
            Err(_) => Vec::new(),
        };
        for id in &ids {
            let _ = stop::stop(store, id, timeout);
        }
        all.push(ids);
    }
    Ok(all)
}

/// Removes the containers (inside the user namespace); one removed meanwhile
/// by someone else is gone as wanted.
pub(super) fn remove_all(inside: Inside, store: &Store, ids: &[String]) -> Result<(), Error> {
    for id in ids {
        let force = remove::RemoveOptions {
            force: true,
            ..remove::RemoveOptions::default()
        };
        match remove::remove(inside, store, id, force) {
            Ok(_) | Err(ContainersError::NotFound(_)) => {}
            Err(e) => return Err(e.into()),
        }
    }
    Ok(())
}
