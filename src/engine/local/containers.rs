//! The verbs on containers that exist. Most work from the host side, where the
//! caller owns the containers' namespaces and may signal any process in them (a
//! fresh user namespace of our own would own nothing of theirs): these never
//! enter ours. Removing needs ours, which owns the files a container wrote.

use super::LocalEngine;
use crate::engine::containers::cp::{self, CopyIo, CopyOptions, Endpoint, PathStat};
use crate::engine::containers::health;
use crate::engine::containers::list::{self, ListOptions, Listed};
use crate::engine::containers::logs::{LogOptions, LogReader};
use crate::engine::containers::lookup::lookup;
use crate::engine::containers::namespaces::{self, Namespaces};
use crate::engine::containers::prune::{self, Pruned};
use crate::engine::containers::remove::{self, RemoveOptions};
use crate::engine::containers::resources::Resources;
use crate::engine::containers::stats::{self, Sample};
use crate::engine::containers::top::{self, Process};
use crate::engine::containers::update::{self, Updated};
use crate::engine::containers::wait::{self, WaitOptions};
use crate::engine::containers::{export, init, inspect, pause, stop, ContainersError};
use crate::engine::interface::{ContainerEngine, Each, Error, HealthOutcome, LogBatches};
use crate::engine::net::ports::PortMapping;
use crate::engine::runtime::signal;
use std::io::{Read, Write};
use std::time::Duration;

impl ContainerEngine for LocalEngine {
    fn stop(&self, names: &[String], timeout: Option<Duration>) -> Result<Each, Error> {
        let store = self.store()?;
        Ok(each(names, |name| stop::stop(&store, name, timeout)))
    }

    fn kill(&self, names: &[String], signal: &str) -> Result<Each, Error> {
        signal::parse(signal)?;
        let store = self.store()?;
        Ok(each(names, |name| stop::kill(&store, name, signal)))
    }

    fn wait(&self, names: &[String]) -> Result<Each<i32>, Error> {
        let store = self.store()?;
        Ok(each(names, |name| stop::wait(&store, name)))
    }

    fn wait_for(&self, names: &[String], opts: &WaitOptions) -> Result<Each<i32>, Error> {
        let store = self.store()?;
        Ok(each(names, |name| wait::wait_for(&store, name, opts)))
    }

    fn init_containers(&self, names: &[String]) -> Result<Each, Error> {
        let store = self.store()?;
        Ok(each(names, |name| init::init(&store, name)))
    }

    fn remove_containers(&self, names: &[String], opts: &RemoveOptions) -> Result<Each, Error> {
        // Killing is done from the host side, before entering ours; what does not
        // stop is refused below.
        let store = self.store()?;
        let names: Vec<&String> = names.iter().collect();
        let infra: Vec<Result<(), Error>> = names
            .iter()
            .map(|name| self.check_not_infra(&store, name))
            .collect();
        if opts.force {
            for name in names
                .iter()
                .zip(&infra)
                .filter(|(_, i)| i.is_ok())
                .map(|(n, _)| n)
            {
                let timeout = opts.stop_timeout.unwrap_or(Duration::ZERO);
                let _ = stop::stop(&store, name, Some(timeout));
            }
        }
        drop(store);
        let inside = self.inside()?;
        let store = self.store()?;
        Ok(names
            .into_iter()
            .zip(infra)
            .map(|(name, infra)| {
                infra?;
                Ok(remove::remove(inside, &store, name, *opts).map(drop)?)
            })
            .collect())
    }

    fn rename(&self, name: &str, new_name: &str) -> Result<(), Error> {
        Ok(remove::rename(&self.store()?, name, new_name)?)
    }

    fn update(&self, name: &str, limits: &Resources) -> Result<Updated, Error> {
        Ok(update::update(&self.ctx, &self.store()?, name, limits)?)
    }

    fn pause(&self, names: &[String]) -> Result<Each, Error> {
        let store = self.store()?;
        Ok(each(names, |name| pause::set_paused(&store, name, true)))
    }

    fn unpause(&self, names: &[String]) -> Result<Each, Error> {
        let store = self.store()?;
        Ok(each(names, |name| pause::set_paused(&store, name, false)))
    }

    fn list_containers(&self, opts: &ListOptions) -> Result<Vec<Listed>, Error> {
        Ok(list::list(&self.store()?, opts)?)
    }

    fn inspect_container(&self, name: &str) -> Result<serde_json::Value, Error> {
        Ok(inspect::inspect(&self.store()?, name)?)
    }

    fn inspect_containers(&self, names: &[String]) -> Result<Each<serde_json::Value>, Error> {
        let store = self.store()?;
        Ok(each(names, |name| inspect::inspect(&store, name)))
    }

    fn logs(&self, name: &str, opts: &LogOptions) -> Result<LogBatches, Error> {
        let store = self.store()?;
        let record = lookup(&store, name)?;
        let reader = LogReader::open(&store, &record, opts.clone())?;
        Ok(Box::new(reader.map(|batch| batch.map_err(Error::from))))
    }

    fn top(&self, name: &str) -> Result<Vec<Process>, Error> {
        Ok(top::top(&self.store()?, name)?)
    }

    fn stats(&self, names: &[String]) -> Result<Vec<Sample>, Error> {
        Ok(stats::stats(&self.store()?, names)?)
    }

    fn healthcheck(&self, name: &str) -> Result<HealthOutcome, Error> {
        let host = self.host()?;
        let store = self.store()?;
        Ok(health::check::run(&self.ctx, &host, &store, name)?)
    }

    fn container_namespaces(&self, name: &str) -> Result<Namespaces, Error> {
        Ok(namespaces::namespaces(&self.store()?, name)?)
    }

    fn port(&self, name: &str) -> Result<Vec<PortMapping>, Error> {
        Ok(top::ports(&self.store()?, name)?)
    }

    fn prune_containers(&self, filters: &[String]) -> Result<Pruned, Error> {
        let inside = self.inside()?;
        Ok(prune::prune(inside, &self.store()?, filters)?)
    }

    fn copy(
        &self,
        src: &Endpoint,
        dest: &Endpoint,
        opts: CopyOptions,
        input: &mut dyn Read,
        output: &mut dyn Write,
    ) -> Result<(), Error> {
        let host = self.host()?;
        let io = CopyIo { input, output };
        let store = self.store()?;
        Ok(cp::copy(&self.ctx, &host, &store, src, dest, opts, io)?)
    }

    fn stat_path(&self, name: &str, path: &str, follow: bool) -> Result<Option<PathStat>, Error> {
        let host = self.host()?;
        let store = self.store()?;
        Ok(cp::stat(&self.ctx, &host, &store, name, path, follow)?)
    }

    fn export(&self, name: &str, out: &mut dyn Write) -> Result<(), Error> {
        let host = self.host()?;
        let store = self.store()?;
        Ok(export::export(&self.ctx, &host, &store, name, out)?)
    }
}

/// `f` on each name, in order.
fn each<T>(names: &[String], f: impl Fn(&str) -> Result<T, ContainersError>) -> Each<T> {
    names
        .iter()
        .map(|name| f(name).map_err(Error::from))
        .collect()
}
