//! The verbs on user-defined networks: their records only; the holder makes
//! their bridges when containers join them.

use super::{Each, Error};
use crate::engine::net::network::NetworkConfig;
use crate::engine::networks::lookup::Member;
use crate::engine::networks::{ConnectOptions, CreateOptions};
use std::time::Duration;

pub trait NetworkEngine {
    /// Creates a network; returns its record, with what was chosen for it.
    fn create_network(&self, opts: &CreateOptions) -> Result<NetworkConfig, Error>;

    /// Every network the filters let through, the default one included, by
    /// name.
    fn list_networks(&self, filters: &[String]) -> Result<Vec<NetworkConfig>, Error>;

    /// The network called `name`, or whose ID starts with it.
    fn inspect_network(&self, name: &str) -> Result<NetworkConfig, Error>;

    /// The running containers on the network, with their interfaces there.
    fn network_members(&self, name: &str) -> Result<Vec<Member>, Error>;

    /// Removes each network (with `force`, the containers on it first,
    /// stopped within `timeout`, else each one's stop timeout).
    fn remove_networks(
        &self,
        names: &[String],
        force: bool,
        timeout: Option<Duration>,
    ) -> Result<Each, Error>;

    /// Removes the networks no container is on, as the filters allow; returns
    /// their names.
    fn prune_networks(&self, filters: &[String]) -> Result<Vec<String>, Error>;

    /// Puts a container on one more network: at once if it runs, from its
    /// next start either way.
    fn connect_network(&self, opts: &ConnectOptions) -> Result<(), Error>;

    /// Takes a container off a network (with `force`, even when its running
    /// side cannot be reached).
    fn disconnect_network(&self, network: &str, container: &str, force: bool) -> Result<(), Error>;
}
