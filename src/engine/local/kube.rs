//! `kube play` and `kube down` as flows over the engine's own verbs: volumes,
//! then a pod (its infra holding the namespaces and ports), its init
//! containers run to their end in it, then its containers created in it and
//! started. A failure removes what the play had made.

use super::LocalEngine;
use crate::engine::containers::create::{CreateOptions, CreateProgress, Pulling};
use crate::engine::containers::remove::RemoveOptions;
use crate::engine::interface::{
    ContainerEngine, Error, KubeEngine, PodEngine, RunEngine, VolumeEngine,
};
use crate::engine::kube::generate::{self, GenerateOptions};
use crate::engine::kube::play::{self, Plan, PlayOptions, Played, PlayedPod, Teardown};
use crate::engine::kube::{sources, yaml, KubeError};
use crate::engine::pods::create::{parse_share, DEFAULT_SHARE};
use crate::engine::pods::PodCreateOptions;
use crate::engine::volumes::create::CreateOptions as VolumeOptions;
use std::time::Duration;

/// What a play has made so far, to be removed if a later step fails.
#[derive(Default)]
struct Made {
    pods: Vec<String>,
    containers: Vec<String>,
    volumes: Vec<String>,
}

/// How long a pod's containers get to stop on down, as Podman's pod stop.
const STOP_TIMEOUT: Duration = Duration::from_secs(10);

impl KubeEngine for LocalEngine {
    fn generate_kube(&self, names: &[String], opts: &GenerateOptions) -> Result<String, Error> {
        let named = sources::named(&self.store()?, names)?;
        let docs = generate::generate(&named.groups, &named.claims, opts);
        Ok(yaml::write(&docs)?)
    }

    fn play_kube(
        &self,
        text: &str,
        opts: &PlayOptions,
        pulling: Pulling,
        progress: CreateProgress,
    ) -> Result<Played, Error> {
        let docs = yaml::parse(text)?;
        let plan = play::plan(&docs, opts)?;
        if opts.replace {
            self.tear_down(&play::teardown(&docs)?, false)?;
        } else {
            self.refuse_taken(&plan)?;
        }
        self.inside_for(plan.pods.iter().filter_map(|p| p.network.as_ref()))?;
        let mut made = Made::default();
        match self.make(&plan, &pulling, &progress, &mut made) {
            Ok(pods) => Ok(Played {
                pods,
                warnings: plan.warnings,
            }),
            Err(e) => {
                self.undo(&made);
                Err(e)
            }
        }
    }

    fn down_kube(&self, text: &str) -> Result<Teardown, Error> {
        let docs = yaml::parse(text)?;
        self.tear_down(&play::teardown(&docs)?, true)
    }
}

impl LocalEngine {
    /// Podman refuses a pod whose name is taken, or a container's of it.
    fn refuse_taken(&self, plan: &Plan) -> Result<(), Error> {
        for pod in &plan.pods {
            if self.pod_exists(&pod.name)? {
                return Err(KubeError::Exists(pod.name.clone()).into());
            }
            for c in pod.init.iter().chain(&pod.containers) {
                if self.container_exists(c.name.as_deref().unwrap_or_default())? {
                    return Err(KubeError::Exists(pod.name.clone()).into());
                }
            }
        }
        Ok(())
    }

    fn make(
        &self,
        plan: &Plan,
        pulling: &Pulling,
        progress: &CreateProgress,
        made: &mut Made,
    ) -> Result<Vec<PlayedPod>, Error> {
        for claim in &plan.claims {
            self.ensure_volume(claim, made)?;
        }
        let mut played = Vec::new();
        for pod in &plan.pods {
            for volume in &pod.volumes {
                self.ensure_volume(volume, made)?;
            }
            let pod_id = self.create_pod(&PodCreateOptions {
                name: Some(pod.name.clone()),
                publish: pod.publish.clone(),
                network: pod.network.clone(),
                share: parse_share(DEFAULT_SHARE)?,
                infra: true,
                hostname: pod.hostname.clone(),
                ..PodCreateOptions::default()
            })?;
            made.pods.push(pod_id.clone());
            let mut containers = Vec::new();
            for init in &pod.init {
                let id = self.create_member(&pod_id, init, pulling, progress, made)?;
                self.start_one(&id)?;
                let code = self.wait(std::slice::from_ref(&id))?.remove(0)?;
                if code != 0 {
                    let name = init.name.clone().unwrap_or_default();
                    return Err(KubeError::InitFailed { name, code }.into());
                }
                containers.push(id);
            }
            let first = containers.len();
            for c in &pod.containers {
                containers.push(self.create_member(&pod_id, c, pulling, progress, made)?);
            }
            // Side by side: they join the infra, which runs, not each other.
            for result in self.start(&containers[first..])? {
                result?;
            }
            played.push(PlayedPod {
                pod_id: Some(pod_id),
                containers,
            });
        }
        Ok(played)
    }

    /// A container of the pod: the pod's infra holds its network, hostname
    /// and published ports.
    fn create_member(
        &self,
        pod_id: &str,
        opts: &CreateOptions,
        pulling: &Pulling,
        progress: &CreateProgress,
        made: &mut Made,
    ) -> Result<String, Error> {
        let mut opts = opts.clone();
        opts.pod = Some(pod_id.to_owned());
        let id = self.create(&opts, pulling.clone(), progress.clone())?;
        made.containers.push(id.clone());
        Ok(id)
    }

    fn start_one(&self, id: &str) -> Result<(), Error> {
        self.start(&[id.to_owned()])?.remove(0)
    }

    /// Makes a volume unless it exists (a claim's data is kept between plays).
    fn ensure_volume(&self, name: &str, made: &mut Made) -> Result<(), Error> {
        if self.inspect_volume(name).is_ok() {
            return Ok(());
        }
        let opts = VolumeOptions {
            name: Some(name.to_owned()),
            ..VolumeOptions::default()
        };
        self.create_volume(&opts)?;
        made.volumes.push(name.to_owned());
        Ok(())
    }

    /// Best effort: the error that made the play fail is the one to report.
    fn undo(&self, made: &Made) {
        let force = RemoveOptions {
            force: true,
            volumes: true,
            stop_timeout: None,
        };
        let containers: Vec<String> = made.containers.iter().rev().cloned().collect();
        let _ = self.remove_containers(&containers, &force);
        let _ = PodEngine::remove_pods(self, &made.pods, true, None);
        let _ = self.remove_volumes(&made.volumes, true, None);
    }

    /// Removes the pods, their containers and emptyDir volumes; `strict`: a
    /// pod that is not there is an error (down), not a no-op (`--replace`).
    fn tear_down(&self, down: &Teardown, strict: bool) -> Result<Teardown, Error> {
        let mut removed = Teardown::default();
        for pod in &down.pods {
            let prefix = format!("{pod}-");
            let names: Vec<String> = down
                .containers
                .iter()
                .filter(|c| c.starts_with(&prefix))
                .filter(|c| self.container_exists(c).unwrap_or(false))
                .cloned()
                .collect();
            if !self.pod_exists(pod)? {
                if strict {
                    return Err(KubeError::NoPod(pod.clone()).into());
                }
                continue;
            }
            let pods = std::slice::from_ref(pod);
            for result in PodEngine::remove_pods(self, pods, true, Some(STOP_TIMEOUT))? {
                result?;
            }
            removed.pods.push(pod.clone());
            removed.containers.extend(names);
        }
        let volumes: Vec<String> = down
            .volumes
            .iter()
            .filter(|v| self.inspect_volume(v).is_ok())
            .cloned()
            .collect();
        for result in self.remove_volumes(&volumes, true, Some(STOP_TIMEOUT))? {
            result?;
        }
        removed.volumes = volumes;
        Ok(removed)
    }
}
