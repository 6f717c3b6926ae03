//! `build` over the API: the context sent as a tar (engine/build/context_tar),
//! the service's steps read back as events (build_stream.rs), RUN output
//! written where it goes locally, the image ID from the `aux` message.

use super::build_stream::Reader;
use super::client::Payload;
use super::{flag, path, unsupported, RemoteEngine, RemoteError};
use crate::engine::build::commit::CommitOptions;
use crate::engine::build::{context_tar, BuildEvent, ContextInput};
use crate::engine::build::{BuildOptions, Events, RunOutput};
use crate::engine::images::policy::PullPolicy;
use crate::engine::images::remove::Pruned;
use crate::engine::interface::{BuildEngine, Error};
use bollard_stubs::models::BuildInfo;
use std::collections::HashMap;
use std::io::{Read, Write};

impl BuildEngine for RemoteEngine {
    fn build(
        &self,
        context: ContextInput,
        output: RunOutput,
        opts: &BuildOptions,
        events: Events,
    ) -> Result<String, Error> {
        if !opts.secrets.is_empty() {
            return unsupported("build --secret");
        }
        if let Some(flag) = opts.local_only() {
            return unsupported(flag);
        }
        if output.stdin.is_some() {
            return unsupported("build --stdin");
        }
        let mut dockerfile = opts.file.as_ref().map(|f| f.display().to_string());
        let tar = match context {
            ContextInput::Dir(dir) => {
                let (tar, name) = context_tar(&dir, opts.file.as_deref())?;
                dockerfile = name.or(dockerfile);
                tar
            }
            ContextInput::Reader(mut reader) => {
                let mut bytes = Vec::new();
                reader.read_to_end(&mut bytes).map_err(RemoteError::from)?;
                bytes
            }
        };
        let json = |pairs: &[(String, String)]| {
            serde_json::to_string(&pairs.iter().cloned().collect::<HashMap<_, _>>())
        };
        let mut query: Vec<(&str, String)> = opts.tags.iter().map(|t| ("t", t.clone())).collect();
        query.extend(dockerfile.map(|f| ("dockerfile", f)));
        query.extend(opts.target.clone().map(|t| ("target", t)));
        query.extend(opts.platform.clone().map(|p| ("platform", p)));
        query.extend(
            opts.network
                .as_ref()
                .map(|n| ("networkmode", n.to_string())),
        );
        query.extend([
            (
                "buildargs",
                json(&opts.build_args).map_err(RemoteError::from)?,
            ),
            ("labels", json(&opts.labels).map_err(RemoteError::from)?),
            ("nocache", flag(opts.no_cache)),
            ("pull", flag(opts.pull == PullPolicy::Always)),
            ("rm", flag(true)),
        ]);
        let path = path("/build", &query);
        let mut input = tar.as_slice();
        let reply = self.client.call(
            "POST",
            &path,
            Payload::Stream("application/x-tar", &mut input),
        )?;
        let mut out = std::fs::File::from(output.stdout);
        let mut id = None;
        let mut built = None;
        let mut steps = Reader::default();
        for info in reply.json_lines::<BuildInfo>() {
            let info = info?;
            if let Some(error) = info.error {
                return Err(RemoteError::Stream(error).into());
            }
            if let Some(text) = info.stream {
                if let Some(short) = text.trim().strip_prefix("Successfully built ") {
                    built = Some(short.to_owned());
                }
                match steps.events(&text) {
                    Some(said) => said.into_iter().for_each(|e| events(self.full_cache_id(e))),
                    None => out.write_all(text.as_bytes()).map_err(RemoteError::from)?,
                }
            }
            if let Some(aux) = info.aux.and_then(|a| a.id) {
                id = Some(aux.trim_start_matches("sha256:").to_owned());
            }
        }
        match (id, built) {
            (Some(id), _) => Ok(id),
            // A service that names the image only in its output.
            (None, Some(short)) => Ok(self.image_id(&short)?),
            (None, None) => Err(RemoteError::Protocol("the build named no image".into()).into()),
        }
    }

    fn commit(&self, _: &CommitOptions) -> Result<String, Error> {
        unsupported("commit")
    }

    fn prune_build_cache(&self) -> Result<Pruned, Error> {
        unsupported("builder prune")
    }
}

impl RemoteEngine {
    /// A cache hit names the full image ID locally; Docker's stream gives the
    /// short one, which the service resolves.
    fn full_cache_id(&self, event: BuildEvent) -> BuildEvent {
        match event {
            BuildEvent::CacheHit { id } => BuildEvent::CacheHit {
                id: self.image_id(&id).unwrap_or(id),
            },
            event => event,
        }
    }
}
