//! `pod clone`: a new pod like the original, then each of its containers
//! cloned into it in the order they were added; the original removed
//! (`--destroy`) only once the clone is whole, as Podman does.

use super::pods::found;
use super::LocalEngine;
use crate::engine::containers::clone::CloneOptions;
use crate::engine::containers::create::CreateProgress;
use crate::engine::interface::{Error, PodEngine, RunEngine};
use crate::engine::pods::clone::{self, PodCloneOptions};
use crate::engine::pods::members;

impl LocalEngine {
    pub(super) fn clone_pod_from(
        &self,
        name: &str,
        opts: &PodCloneOptions,
    ) -> Result<String, Error> {
        let store = self.store()?;
        let pod = found(&store, name)?;
        let create = clone::plan(&store, &pod, opts)?;
        let others: Vec<String> = members::of(&store, &pod)?
            .into_iter()
            .filter(|m| pod.config.infra_id.as_deref() != Some(m.id.as_str()))
            .map(|m| m.id)
            .collect();
        drop(store);
        let id = self.create_pod(&create)?;
        for member in &others {
            let member_opts = CloneOptions {
                pod: Some(id.clone()),
                ..CloneOptions::default()
            };
            self.clone_container(member, &member_opts, quiet())?;
        }
        if opts.destroy {
            for removed in self.remove_pods(std::slice::from_ref(&pod.id), true, None)? {
                removed?;
            }
        }
        if opts.start {
            for started in self.start_pods(std::slice::from_ref(&id))? {
                started?;
            }
        }
        Ok(id)
    }
}

/// The members' images are there already: nothing to report.
fn quiet() -> CreateProgress {
    std::sync::Arc::new(|_| {})
}
