//! The verbs on containers: stop, kill, wait, rm, ps, inspect and logs
//! through the API; the rest are not available with --url.

use super::client::Payload;
use super::{flag, path, segment, unsupported, RemoteEngine};
use crate::engine::containers::cp::{CopyOptions, Endpoint, PathStat};
use crate::engine::containers::list::{ListOptions, Listed};
use crate::engine::containers::logs::LogOptions;
use crate::engine::containers::namespaces::Namespaces;
use crate::engine::containers::prune::Pruned;
use crate::engine::containers::remove::RemoveOptions;
use crate::engine::containers::resources::Resources;
use crate::engine::containers::stats::Sample;
use crate::engine::containers::top::Process;
use crate::engine::containers::update::Updated;
use crate::engine::containers::wait::{WaitCondition, WaitOptions};
use crate::engine::interface::HealthOutcome;
use crate::engine::interface::{ContainerEngine, Each, Error, LogBatches};
use crate::engine::net::ports::PortMapping;
use bollard_stubs::models::ContainerWaitResponse;
use std::io::{Read, Write};
use std::time::Duration;

impl RemoteEngine {
    /// POSTs to each container's `action`; an answer below 400 (304: already
    /// so) is done.
    fn each(&self, names: &[String], action: &str, query: &[(&str, String)]) -> Each {
        names
            .iter()
            .map(|name| {
                let path = path(&format!("/containers/{}/{action}", segment(name)), query);
                self.client.call("POST", &path, Payload::None)?;
                Ok(())
            })
            .collect()
    }
}

impl ContainerEngine for RemoteEngine {
    fn stop(&self, names: &[String], timeout: Option<Duration>) -> Result<Each, Error> {
        let t = timeout.map(|t| ("t", t.as_secs().to_string()));
        Ok(self.each(names, "stop", t.as_slice()))
    }

    fn kill(&self, names: &[String], signal: &str) -> Result<Each, Error> {
        Ok(self.each(names, "kill", &[("signal", signal.to_owned())]))
    }

    fn wait(&self, names: &[String]) -> Result<Each<i32>, Error> {
        Ok(names
            .iter()
            .map(|name| {
                let path = format!("/containers/{}/wait", segment(name));
                let reply = self.client.call("POST", &path, Payload::None)?;
                Ok(reply.json::<ContainerWaitResponse>()?.status_code as i32)
            })
            .collect())
    }

    /// Docker's "not-running" is Podman's default "stopped"; the API has no
    /// other of Podman's conditions.
    fn wait_for(&self, names: &[String], opts: &WaitOptions) -> Result<Each<i32>, Error> {
        if opts.conditions.iter().any(|c| *c != WaitCondition::Stopped) {
            return unsupported("wait --condition");
        }
        Ok(names
            .iter()
            .map(|name| {
                let base = format!("/containers/{}/wait", segment(name));
                let path = path(&base, &[("condition", "not-running".to_owned())]);
                let reply = self.client.call("POST", &path, Payload::None)?;
                Ok(reply.json::<ContainerWaitResponse>()?.status_code as i32)
            })
            .collect())
    }

    fn init_containers(&self, _: &[String]) -> Result<Each, Error> {
        unsupported("container init")
    }

    fn remove_containers(&self, names: &[String], opts: &RemoveOptions) -> Result<Each, Error> {
        let query = [("force", flag(opts.force)), ("v", flag(opts.volumes))];
        Ok(names
            .iter()
            .map(|name| {
                let path = path(&format!("/containers/{}", segment(name)), &query);
                self.client.call("DELETE", &path, Payload::None)?;
                Ok(())
            })
            .collect())
    }

    fn rename(&self, _: &str, _: &str) -> Result<(), Error> {
        unsupported("rename")
    }

    fn update(&self, _: &str, _: &Resources) -> Result<Updated, Error> {
        unsupported("update")
    }

    fn pause(&self, _: &[String]) -> Result<Each, Error> {
        unsupported("pause")
    }

    fn unpause(&self, _: &[String]) -> Result<Each, Error> {
        unsupported("unpause")
    }

    fn list_containers(&self, opts: &ListOptions) -> Result<Vec<Listed>, Error> {
        Ok(self.list(opts)?)
    }

    fn inspect_container(&self, name: &str) -> Result<serde_json::Value, Error> {
        let path = format!("/containers/{}/json", segment(name));
        Ok(self.client.call("GET", &path, Payload::None)?.json()?)
    }

    fn logs(&self, name: &str, opts: &LogOptions) -> Result<LogBatches, Error> {
        Ok(self.log_batches(name, opts)?)
    }

    fn top(&self, _: &str) -> Result<Vec<Process>, Error> {
        unsupported("top")
    }

    fn stats(&self, _: &[String]) -> Result<Vec<Sample>, Error> {
        unsupported("stats")
    }

    fn healthcheck(&self, _: &str) -> Result<HealthOutcome, Error> {
        unsupported("healthcheck run")
    }

    fn container_namespaces(&self, _: &str) -> Result<Namespaces, Error> {
        unsupported("ps --ns")
    }

    fn port(&self, _: &str) -> Result<Vec<PortMapping>, Error> {
        unsupported("port")
    }

    fn prune_containers(&self, _: &[String]) -> Result<Pruned, Error> {
        unsupported("container prune")
    }

    fn copy(
        &self,
        _: &Endpoint,
        _: &Endpoint,
        _: CopyOptions,
        _: &mut dyn Read,
        _: &mut dyn Write,
    ) -> Result<(), Error> {
        unsupported("cp")
    }

    fn export(&self, _: &str, _: &mut dyn Write) -> Result<(), Error> {
        unsupported("export")
    }

    fn stat_path(&self, _: &str, _: &str, _: bool) -> Result<Option<PathStat>, Error> {
        unsupported("cp")
    }
}
