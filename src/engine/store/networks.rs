//! User-defined networks' records, and the endpoints running containers hold
//! on them. The default network (`podman`) is never stored: engine/networks
//! makes it up wherever networks are listed.

use super::{Store, StoreError};
use crate::engine::net::network::NetworkConfig;
use rusqlite::{params, OptionalExtension, Row};
use std::net::IpAddr;

pub use crate::engine::net::network::Endpoint;

fn config(r: &Row) -> rusqlite::Result<String> {
    r.get(0)
}

fn parse(json: String) -> Result<NetworkConfig, StoreError> {
    serde_json::from_str(&json).map_err(|e| StoreError::Corrupt(format!("network record: {e}")))
}

fn endpoint(r: &Row) -> rusqlite::Result<(String, String, u8, Option<String>, String, String)> {
    Ok((
        r.get(0)?,
        r.get(1)?,
        r.get(2)?,
        r.get(3)?,
        r.get(4)?,
        r.get(5)?,
    ))
}

fn insert_endpoint(
    db: &rusqlite::Connection,
    container_id: &str,
    e: &Endpoint,
) -> Result<(), StoreError> {
    db.execute(
        "INSERT INTO endpoints
         (container_id, network, ip, prefix, gateway, mac, interface)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        params![
            container_id,
            e.network,
            e.ip.to_string(),
            e.prefix,
            e.gateway.map(|g| g.to_string()),
            e.mac,
            e.interface
        ],
    )?;
    Ok(())
}

impl Store {
    /// Adds the network `make` decides on, given every stored one, in one
    /// transaction: two creates at once cannot pick the same name or subnet.
    pub fn add_network<E: From<StoreError>>(
        &mut self,
        make: impl FnOnce(&[NetworkConfig]) -> Result<NetworkConfig, E>,
    ) -> Result<NetworkConfig, E> {
        let tx = self
            .db
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
            .map_err(StoreError::from)?;
        let existing = tx
            .prepare("SELECT config FROM networks")
            .and_then(|mut s| s.query_map([], config)?.collect::<Result<Vec<_>, _>>())
            .map_err(StoreError::from)?
            .into_iter()
            .map(parse)
            .collect::<Result<Vec<_>, _>>()?;
        let network = make(&existing)?;
        let json = serde_json::to_string(&network)
            .map_err(|e| StoreError::Corrupt(format!("network record: {e}")))?;
        tx.execute(
            "INSERT INTO networks (name, id, config) VALUES (?1, ?2, ?3)",
            params![network.name, network.id, json],
        )
        .map_err(StoreError::from)?;
        tx.commit().map_err(StoreError::from)?;
        Ok(network)
    }

    pub fn network_by_name(&self, name: &str) -> Result<Option<NetworkConfig>, StoreError> {
        self.db
            .query_row(
                "SELECT config FROM networks WHERE name = ?1",
                [name],
                config,
            )
            .optional()?
            .map(parse)
            .transpose()
    }

    /// Networks whose ID starts with `prefix` (at most two: enough to tell
    /// unique from ambiguous).
    pub fn networks_by_id_prefix(&self, prefix: &str) -> Result<Vec<NetworkConfig>, StoreError> {
        let pattern = format!("{}%", prefix.replace(['%', '_'], ""));
        self.db
            .prepare("SELECT config FROM networks WHERE id LIKE ?1 LIMIT 2")?
            .query_map([pattern], config)?
            .collect::<Result<Vec<_>, _>>()?
            .into_iter()
            .map(parse)
            .collect()
    }

    /// Every stored network, by name.
    pub fn networks(&self) -> Result<Vec<NetworkConfig>, StoreError> {
        self.db
            .prepare("SELECT config FROM networks ORDER BY name")?
            .query_map([], config)?
            .collect::<Result<Vec<_>, _>>()?
            .into_iter()
            .map(parse)
            .collect()
    }

    /// Forgets a network; whether it was there.
    pub fn remove_network(&self, name: &str) -> Result<bool, StoreError> {
        Ok(self
            .db
            .execute("DELETE FROM networks WHERE name = ?1", [name])?
            > 0)
    }

    /// Records a container's endpoints for a run, in place of the last run's.
    pub fn set_endpoints(
        &self,
        container_id: &str,
        endpoints: &[Endpoint],
    ) -> Result<(), StoreError> {
        let tx = self.db.unchecked_transaction()?;
        tx.execute(
            "DELETE FROM endpoints WHERE container_id = ?1",
            [container_id],
        )?;
        for e in endpoints {
            insert_endpoint(&tx, container_id, e)?;
        }
        tx.commit()?;
        Ok(())
    }

    /// Changes a container's place on one network, in one transaction: its
    /// config becomes what `change` makes of the stored one (so two changes
    /// at once lose neither), and its endpoint on `network` becomes
    /// `endpoint` (None: it has none there).
    pub fn change_network<E: From<StoreError>>(
        &mut self,
        container_id: &str,
        network: &str,
        endpoint: Option<&Endpoint>,
        change: impl FnOnce(&str) -> Result<String, E>,
    ) -> Result<(), E> {
        let tx = self
            .db
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
            .map_err(StoreError::from)?;
        let config: String = tx
            .query_row(
                "SELECT config FROM containers WHERE id = ?1",
                [container_id],
                |r| r.get(0),
            )
            .optional()
            .map_err(StoreError::from)?
            .ok_or_else(|| {
                StoreError::Conflict(format!("container {container_id} was removed meanwhile"))
            })?;
        let config = change(&config)?;
        tx.execute(
            "UPDATE containers SET config = ?2 WHERE id = ?1",
            params![container_id, config],
        )
        .map_err(StoreError::from)?;
        tx.execute(
            "DELETE FROM endpoints WHERE container_id = ?1 AND network = ?2",
            params![container_id, network],
        )
        .map_err(StoreError::from)?;
        if let Some(e) = endpoint {
            insert_endpoint(&tx, container_id, e)?;
        }
        tx.commit().map_err(StoreError::from)?;
        Ok(())
    }

    /// A container's endpoints, by network name.
    pub fn endpoints(&self, container_id: &str) -> Result<Vec<Endpoint>, StoreError> {
        let rows = self
            .db
            .prepare_cached(
                "SELECT network, ip, prefix, gateway, mac, interface FROM endpoints
                 WHERE container_id = ?1 ORDER BY network",
            )?
            .query_map([container_id], endpoint)?
            .collect::<Result<Vec<_>, _>>()?;
        let ip = |s: &str| {
            s.parse::<IpAddr>()
                .map_err(|_| StoreError::Corrupt(format!("endpoint address {s:?}")))
        };
        rows.into_iter()
            .map(|(network, addr, prefix, gateway, mac, interface)| {
                Ok(Endpoint {
                    network,
                    ip: ip(&addr)?,
                    prefix,
                    gateway: gateway.as_deref().map(ip).transpose()?,
                    mac,
                    interface,
                })
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::net::network::Subnet;
    use crate::engine::store::containers::{ContainerRecord, RunState};

    fn network(name: &str, id: &str) -> NetworkConfig {
        NetworkConfig {
            name: name.into(),
            id: id.into(),
            driver: "bridge".into(),
            interface: "podman1".into(),
            subnets: vec![Subnet {
                subnet: "10.89.0.0/24".parse().unwrap(),
                gateway: "10.89.0.1".parse().unwrap(),
                range: None,
            }],
            internal: false,
            dns_enabled: true,
            labels: Default::default(),
            options: Default::default(),
            created: chrono::Utc::now(),
        }
    }

    fn add(store: &mut Store, n: NetworkConfig) -> Result<NetworkConfig, StoreError> {
        store.add_network(|_| Ok::<_, StoreError>(n))
    }

    #[test]
    fn networks_are_found_by_name_and_id_prefix_and_removed() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open(dir.path()).unwrap();
        let a = add(&mut store, network("a", &"ab".repeat(32))).unwrap();
        add(&mut store, network("b", &"ac".repeat(32))).unwrap();
        assert!(add(&mut store, network("a", &"cd".repeat(32))).is_err());
        assert_eq!(store.network_by_name("a").unwrap(), Some(a));
        assert_eq!(store.networks_by_id_prefix("aba").unwrap().len(), 1);
        assert_eq!(store.networks_by_id_prefix("a").unwrap().len(), 2);
        let names: Vec<_> = store
            .networks()
            .unwrap()
            .into_iter()
            .map(|n| n.name)
            .collect();
        assert_eq!(names, ["a", "b"]);
        assert!(store.remove_network("a").unwrap());
        assert!(!store.remove_network("a").unwrap());
    }

    #[test]
    fn endpoints_go_with_their_container() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        store
            .db
            .execute(
                "INSERT INTO images (id, size, added) VALUES ('img', 0, 0)",
                [],
            )
            .unwrap();
        let record = ContainerRecord {
            id: "c1".into(),
            name: "one".into(),
            image_id: "img".into(),
            image_name: "img".into(),
            created: 0,
            config: "{}".into(),
            state: RunState::created(),
            stop_requested: false,
        };
        store.add_container(&record).unwrap();
        let e = Endpoint {
            network: "a".into(),
            ip: "10.89.0.2".parse().unwrap(),
            prefix: 24,
            gateway: Some("10.89.0.1".parse().unwrap()),
            mac: "02:00:00:00:00:01".into(),
            interface: "eth0".into(),
        };
        store.set_endpoints("c1", std::slice::from_ref(&e)).unwrap();
        store.set_endpoints("c1", std::slice::from_ref(&e)).unwrap();
        assert_eq!(store.endpoints("c1").unwrap(), std::slice::from_ref(&e));
        store.set_endpoints("c1", &[]).unwrap();
        assert!(store.endpoints("c1").unwrap().is_empty());
        store.set_endpoints("c1", std::slice::from_ref(&e)).unwrap();
        let other = Endpoint {
            network: "b".into(),
            interface: "eth1".into(),
            ..e.clone()
        };
        let mut store = store;
        store
            .change_network("c1", "b", Some(&other), |c| {
                Ok::<_, StoreError>(format!("{c}+b"))
            })
            .unwrap();
        assert_eq!(store.endpoints("c1").unwrap(), [e.clone(), other]);
        assert_eq!(store.container("c1").unwrap().unwrap().config, "{}+b");
        store
            .change_network("c1", "a", None, |c| Ok::<_, StoreError>(c.to_owned()))
            .unwrap();
        assert_eq!(store.endpoints("c1").unwrap().len(), 1);
        let refused =
            store.change_network("c1", "b", None, |_| Err(StoreError::Conflict("no".into())));
        assert!(refused.is_err());
        assert_eq!(store.endpoints("c1").unwrap().len(), 1);
        store.remove_container("c1").unwrap();
        assert!(store.endpoints("c1").unwrap().is_empty());
    }
}
