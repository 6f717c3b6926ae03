//! `kube play` and `kube down` as flows over the engine's own verbs: volumes,
//! then each pod's init containers run to their end, then its containers
//! created and started. A failure removes what the play had made.

use super::LocalEngine;
use crate::engine::containers::create::{CreateOptions, CreateProgress, Pulling};
use crate::engine::containers::remove::RemoveOptions;
use crate::engine::interface::{ContainerEngine, Error, KubeEngine, RunEngine, VolumeEngine};
use crate::engine::kube::generate::{self, GenerateOptions};
use crate::engine::kube::play::{self, Plan, PlayOptions, Played, PlayedPod, PodPlan, Teardown};
use crate::engine::kube::{sources, yaml, KubeError};
use crate::engine::volumes::create::CreateOptions as VolumeOptions;
use std::time::Duration;

/// What a play has made so far, to be removed if a later step fails.
#[derive(Default)]
struct Made {
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
        if let Some(pod) = plan.pods.iter().find(|p| p.containers.len() > 1) {
            return Err(KubeError::Shared(pod.name.clone()).into());
        }
        if opts.replace {
            self.remove_pods(&play::teardown(&docs)?, false)?;
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
        self.remove_pods(&play::teardown(&docs)?, true)
    }
}

impl LocalEngine {
    /// Podman refuses a pod whose name is taken; here, a container of it.
    fn refuse_taken(&self, plan: &Plan) -> Result<(), Error> {
        for pod in &plan.pods {
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
            let mut containers = Vec::new();
            for init in &pod.init {
                let id = self.create_member(pod, init, false, pulling, progress, made)?;
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
                containers.push(self.create_member(pod, c, true, pulling, progress, made)?);
            }
            for id in &containers[first..] {
                self.start_one(id)?;
            }
            played.push(PlayedPod {
                pod_id: None,
                containers,
            });
        }
        Ok(played)
    }

    /// A container of the pod, on the pod's network and with its hostname;
    /// the one that is not an init container publishes the pod's ports.
    fn create_member(
        &self,
        pod: &PodPlan,
        opts: &CreateOptions,
        publishes: bool,
        pulling: &Pulling,
        progress: &CreateProgress,
        made: &mut Made,
    ) -> Result<String, Error> {
        let mut opts = opts.clone();
        opts.network = pod.network.clone();
        opts.hostname = pod.hostname.clone();
        if publishes {
            opts.publish = pod.publish.clone();
        }
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
        let _ = self.remove_volumes(&made.volumes, true, None);
    }

    /// Removes the pods' containers and emptyDir volumes; `strict`: a pod
    /// none of whose containers exist is an error (down), not a no-op
    /// (`--replace`).
    fn remove_pods(&self, down: &Teardown, strict: bool) -> Result<Teardown, Error> {
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
            if names.is_empty() {
                if strict {
                    return Err(KubeError::NoPod(pod.clone()).into());
                }
                continue;
            }
            let opts = RemoveOptions {
                force: true,
                volumes: true,
                stop_timeout: Some(STOP_TIMEOUT),
            };
            for result in self.remove_containers(&names, &opts)? {
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
