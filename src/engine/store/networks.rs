//! User-defined networks' records. The default network (`podman`) is never stored: engine/networks
//! makes it up wherever networks are listed.

use super::{Store, StoreError};
use crate::engine::net::network::NetworkConfig;
use rusqlite::{params, OptionalExtension, Row};

fn config(r: &Row) -> rusqlite::Result<String> {
    r.get(0)
}

fn parse(json: String) -> Result<NetworkConfig, StoreError> {
    serde_json::from_str(&json).map_err(|e| StoreError::Corrupt(format!("network record: {e}")))
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
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::net::network::Subnet;

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
}
