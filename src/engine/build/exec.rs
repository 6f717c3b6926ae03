//! The executor: stages in plan order, each step looked up in the cache by its
//! parent image and key, else done and committed as an image of its own.

use super::context::{self, BuildContext, ContextInput};
use super::expand;
use super::files::SourceKind;
use super::image::{ImageState, ImageStyle};
use super::instructions::{self, Action, PROXY_ARGS};
use super::mount_setup::{self, Resolved};
use super::mount_spec::{self, MountKind};
use super::named::NamedContext;
use super::parse::{self, Dockerfile, Instruction};
use super::run::{self, RunOutput, RunStep};
use super::settings;
use super::squash::{self, Squash};
use super::{layer, output, plan, BuildError, BuildEvent, BuildOptions, Services};
use crate::engine::context::Context;
use crate::engine::images::ImagesError;
use crate::engine::net::Network;
use crate::engine::oci::platform::Platform;
use crate::engine::oci::reference::Reference;
use crate::engine::process::Inside;
use crate::engine::store::Store;
use serde_json::json;
use std::collections::{HashMap, HashSet};

/// Builds the image and returns its ID. RUN steps write to `output`.
pub fn build(
    ctx: &Context,
    _inside: Inside,
    opts: &BuildOptions,
    input: ContextInput,
    output: &RunOutput,
    services: &dyn Services,
) -> Result<String, BuildError> {
    // A secret that cannot be read fails the build before anything is done.
    for secret in &opts.secrets {
        secret.read()?;
    }
    let store = ctx.open_store()?;
    let _adding = store.lock_for_adding()?;
    store.sweep_temp()?;
    let bctx = context::prepare(
        &store,
        input,
        opts.file.as_deref(),
        opts.ignorefile.as_deref(),
        &ctx.unpack_options(),
    )?;
    let file = parse::parse(&bctx.file_name, &bctx.dockerfile)?;
    let platform = match &opts.platform {
        Some(p) => Platform::parse(p).map_err(ImagesError::from)?,
        None => Platform::host(),
    };
    let mut builder = Builder {
        ctx,
        opts,
        services,
        output,
        store,
        bctx: &bctx,
        file: &file,
        platform,
        globals: Vec::new(),
        results: HashMap::new(),
        used_args: HashSet::new(),
        base_layers: 0,
    };
    builder.globals = builder.global_args()?;
    let lookup = |n: &str| builder.base_variable(n);
    let plan = plan::plan(&file, opts.target.as_deref(), &lookup)?;
    builder.check_mounts(&plan.order)?;
    for (k, &i) in plan.order.iter().enumerate() {
        let label = (plan.order.len() > 1).then_some((k + 1, plan.order.len()));
        let state = builder.stage(i, label)?;
        builder.results.insert(i, state);
    }
    let target = *plan.order.last().expect("a plan has a target");
    let mut state = builder
        .results
        .remove(&target)
        .expect("the target was built");
    builder.finish(&mut state)?;
    let keep = match opts.squash {
        Squash::No => None,
        Squash::New => Some(builder.base_layers),
        Squash::All => Some(0),
    };
    if let Some(keep) = keep.filter(|&k| state.layers.len() > k) {
        state = squash::squash(
            &mut builder.store,
            &state,
            keep,
            &ctx.unpack_options(),
            &opts.result.style,
        )?;
    }
    let id = match &state.id {
        Some(id) => id.clone(),
        None => state.commit_styled(&mut builder.store, &opts.result.style)?,
    };
    builder.warn_unused_args();
    for tag in &opts.tags {
        let name = Reference::parse(tag)
            .map_err(ImagesError::from)?
            .to_string();
        builder.store.set_tag(&name, &id)?;
        services.event(BuildEvent::Tagged { name });
    }
    if let Some(out) = &opts.output {
        output::write(&builder.store, &state.layers, out, &ctx.unpack_options())?;
    }
    Ok(id)
}

pub(super) struct Builder<'a> {
    pub(super) ctx: &'a Context,
    pub(super) opts: &'a BuildOptions,
    pub(super) services: &'a dyn Services,
    pub(super) output: &'a RunOutput,
    pub(super) store: Store,
    pub(super) bctx: &'a BuildContext,
    pub(super) file: &'a Dockerfile,
    pub(super) platform: Platform,
    /// ARGs before the first FROM, with their values.
    pub(super) globals: Vec<(String, Option<String>)>,
    /// Built stages' final states, by index.
    pub(super) results: HashMap<usize, ImageState>,
    pub(super) used_args: HashSet<String>,
    /// The layers of the last stage's base image (what `--squash` keeps).
    pub(super) base_layers: usize,
}

/// A stage being built: its image, and what is not in the image.
pub(super) struct StageState {
    image: ImageState,
    args: Vec<(String, Option<String>)>,
    shell: Vec<String>,
    /// CMD set in this stage (an ENTRYPOINT clears an inherited one only).
    cmd_set: bool,
}

impl Builder<'_> {
    fn build_arg(&self, name: &str) -> Option<String> {
        self.opts
            .build_args
            .iter()
            .rev()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
    }

    fn global(&self, name: &str) -> Option<String> {
        self.globals
            .iter()
            .rev()
            .find(|(n, _)| n == name)
            .and_then(|(_, v)| v.clone())
    }

    /// What FROM lines may use: the global ARGs, then BuildKit's platform args
    /// (`FROM --platform=$BUILDPLATFORM`).
    fn base_variable(&self, name: &str) -> Option<String> {
        self.global(name).or_else(|| self.automatic_arg(name))
    }

    fn global_args(&mut self) -> Result<Vec<(String, Option<String>)>, BuildError> {
        let mut globals: Vec<(String, Option<String>)> = Vec::new();
        for instr in &self.file.global_args {
            let lookup = |n: &str| {
                globals
                    .iter()
                    .rev()
                    .find(|(k, _)| k == n)
                    .and_then(|(_, v)| v.clone())
            };
            let declared = instructions::arg_declarations(instr, self.file.escape, &lookup)
                .map_err(|e| self.at(instr, e))?;
            for (name, default) in declared {
                self.used_args.insert(name.clone());
                let value = self.build_arg(&name).or(default);
                globals.push((name, value));
            }
        }
        Ok(globals)
    }

    /// A RUN --mount that is wrong whatever the variables hold fails the build
    /// before any step runs (one using variables is checked once they are known).
    fn check_mounts(&self, order: &[usize]) -> Result<(), BuildError> {
        let runs = order
            .iter()
            .flat_map(|&i| &self.file.stages[i].steps)
            .filter(|instr| instr.keyword == "RUN");
        for instr in runs {
            let mounts =
                mount_spec::literal(instr).map_err(|e| self.at(instr, BuildError::Invalid(e)))?;
            for mount in mounts {
                if let MountKind::Secret { id, required, .. } = &mount.kind {
                    if *required && self.secret(id).is_none() {
                        return Err(self.at(instr, mount_setup::missing_secret(id)));
                    }
                }
            }
        }
        Ok(())
    }

    fn at(&self, instr: &Instruction, source: BuildError) -> BuildError {
        match source {
            e @ (BuildError::AtStep { .. } | BuildError::Syntax { .. }) => e,
            source => BuildError::AtStep {
                instruction: instr.display(),
                file: self.bctx.file_name.clone(),
                line: instr.line,
                error: Box::new(source),
            },
        }
    }

    fn stage(&mut self, i: usize, label: Option<(usize, usize)>) -> Result<ImageState, BuildError> {
        let stage = &self.file.stages[i];
        let m = stage.steps.len() + 1;
        let text = match (&self.opts.from, stage.name.as_deref()) {
            (Some(from), Some(name)) if i == 0 => format!("FROM {from} AS {name}"),
            (Some(from), None) if i == 0 => format!("FROM {from}"),
            _ => stage.from.display(),
        };
        self.services.event(BuildEvent::Step {
            stage: label,
            n: 1,
            m,
            text,
        });
        let image = self.from(i).map_err(|e| self.at(&stage.from, e))?;
        self.base_layers = image.layers.len();
        let shell = match image.strings("Shell") {
            s if s.is_empty() => instructions::default_shell(),
            s => s,
        };
        let mut st = StageState {
            image,
            args: Vec::new(),
            shell,
            cmd_set: false,
        };
        self.triggers(&mut st, &stage.from)?;
        for (n, instr) in stage.steps.iter().enumerate() {
            self.services.event(BuildEvent::Step {
                stage: label,
                n: n + 2,
                m,
                text: instr.display(),
            });
            self.step(&mut st, instr).map_err(|e| self.at(instr, e))?;
        }
        Ok(st.image)
    }

    /// The stage's starting image: another stage, scratch, or a stored or pulled image.
    fn from(&mut self, i: usize) -> Result<ImageState, BuildError> {
        let lookup = |n: &str| self.base_variable(n);
        let base = match &self.opts.from {
            Some(from) if i == 0 => from.clone(),
            _ => plan::base_of(self.file, i, &lookup)?,
        };
        if let Some(j) = plan::stage_ref(self.file, &base, i) {
            return Ok(self.results[&j].clone());
        }
        let base = match self.opts.named_context(&base) {
            Some(NamedContext::Image(image)) => image.clone(),
            Some(NamedContext::Dir(_)) => {
                return Err(BuildError::Invalid(format!(
                    "FROM {base}: that build context is a directory, not an image"
                )))
            }
            None => base,
        };
        if base.eq_ignore_ascii_case("scratch") {
            return Ok(ImageState::scratch(&self.platform));
        }
        let platform = self.file.stages[i]
            .from
            .flag("platform")
            .map(|p| expand::word(p, self.file.escape, &lookup).map_err(BuildError::Invalid))
            .transpose()?;
        let id = self.base_image(&base, platform.as_deref())?;
        ImageState::load(&self.store, &id)
    }

    /// An image by name, pulled as `--pull` says.
    pub(super) fn base_image(
        &self,
        name: &str,
        platform: Option<&str>,
    ) -> Result<String, BuildError> {
        let platform = platform.or(self.opts.platform.as_deref());
        self.opts.pull.obtain(
            &self.store,
            name,
            || {
                // A name that is no reference is the Dockerfile's mistake (files.rs
                // says so for COPY --from), not the pull's.
                Reference::parse(name).map_err(ImagesError::from)?;
                self.services.pull(name, platform).map_err(BuildError::Pull)
            },
            |warning| self.services.event(BuildEvent::Warning(warning)),
        )
    }

    /// The base image's ONBUILD triggers run first; the new image does not keep them.
    fn triggers(&mut self, st: &mut StageState, from: &Instruction) -> Result<(), BuildError> {
        let triggers = st.image.strings("OnBuild");
        if triggers.is_empty() {
            return Ok(());
        }
        st.image.container_config().remove("OnBuild");
        for text in triggers {
            let instr =
                parse::parse_line(&text, from.line).map_err(|message| BuildError::Syntax {
                    file: self.bctx.file_name.clone(),
                    line: from.line,
                    message: format!("ONBUILD trigger {text:?} of the base image: {message}"),
                })?;
            self.step(st, &instr).map_err(|e| self.at(&instr, e))?;
        }
        Ok(())
    }

    fn step(&mut self, st: &mut StageState, instr: &Instruction) -> Result<(), BuildError> {
        if instr.keyword == "ARG" {
            return self.declare(st, instr);
        }
        let mut next = st.image.clone();
        if instr.keyword == "ENTRYPOINT" && !st.cmd_set {
            next.container_config().remove("Cmd");
        }
        let prepared =
            instructions::prepare(instr, &mut next, &st.args, &st.shell, self.file.escape)?;
        match instr.keyword.as_str() {
            "CMD" => st.cmd_set = true,
            "SHELL" => st.shell = next.strings("Shell"),
            _ => {}
        }
        let mut key_extra = prepared.key_extra;
        let mut copy_work = None;
        let mut mounts = Vec::new();
        match &prepared.action {
            Action::Copy(spec) => {
                let (source, matched, digest) = self.copy_sources(spec)?;
                key_extra.push_str(&digest);
                copy_work = Some((source, matched));
            }
            Action::Run { mounts: specs, .. } => {
                let (resolved, digest) = self.resolve_mounts(specs)?;
                key_extra.push_str(&digest);
                mounts = resolved;
            }
            _ => {}
        }
        let key = self.cache_key(&instr.display(), &key_extra);
        let parent = st.image.parent_key().to_owned();
        if self.use_cache() {
            if let Some(id) = self.store.cached_step(&parent, &key)? {
                self.services.event(BuildEvent::CacheHit { id: id.clone() });
                st.image = ImageState::load(&self.store, &id)?;
                self.services.event(BuildEvent::Committed { id });
                return Ok(());
            }
        }
        let layer = match prepared.action {
            Action::Config | Action::Declare => None,
            Action::Run {
                argv, env, network, ..
            } => Some(self.run(&st.image, argv, env, network, mounts)?),
            Action::Copy(spec) => {
                let (source, matched) = copy_work.expect("sources were found above");
                // Docker unpacks local archives only, never downloads.
                let extract = spec.add && !matches!(source, SourceKind::Downloaded(..));
                let source = source.as_source(self.bctx);
                Some(self.copy(&spec, &st.image, &source, &matched, extract)?)
            }
            Action::Mkdir(path) => self.mkdir(&st.image, &path)?,
        };
        let empty_layer = layer.is_none();
        if let Some(diff_id) = layer {
            next.layers.push(diff_id);
        }
        let style = &self.opts.result.style;
        next.add_history_styled(&prepared.created_by, empty_layer, style);
        let id = next.commit_styled(&mut self.store, style)?;
        self.record(&parent, &key, &id)?;
        self.services.event(BuildEvent::Committed { id });
        st.image = next;
        Ok(())
    }

    /// `--no-cache` and `--layers=false` both leave the cache unread.
    fn use_cache(&self) -> bool {
        !self.opts.no_cache && self.opts.layers
    }

    /// `--layers=false` leaves it unwritten too.
    fn record(&self, parent: &str, key: &str, id: &str) -> Result<(), BuildError> {
        if self.opts.layers {
            self.store.record_step(parent, key, id)?;
        }
        Ok(())
    }

    /// A step's cache key; images written otherwise (`--format`, `--timestamp`,
    /// `--annotation`) are other images.
    fn cache_key(&self, text: &str, extra: &str) -> String {
        let style = &self.opts.result.style;
        match *style == ImageStyle::default() {
            true => format!("{text}\n{extra}"),
            false => format!("{text}\n{extra}\n{style:?}"),
        }
    }

    /// ARG: declares variables for the rest of the stage; no image.
    fn declare(&mut self, st: &mut StageState, instr: &Instruction) -> Result<(), BuildError> {
        let scope = instructions::Scope {
            state: &st.image,
            args: &st.args,
        };
        let lookup = |n: &str| scope.get(n);
        let declared = instructions::arg_declarations(instr, self.file.escape, &lookup)?;
        for (name, default) in declared {
            self.used_args.insert(name.clone());
            let value = self
                .build_arg(&name)
                .or(default)
                .or_else(|| self.global(&name))
                .or_else(|| self.automatic_arg(&name));
            st.args.push((name, value));
        }
        Ok(())
    }

    /// BuildKit's automatic platform args, for Dockerfiles written for it.
    fn automatic_arg(&self, name: &str) -> Option<String> {
        let p = &self.platform;
        let full = match &p.variant {
            Some(v) => format!("{}/{}/{v}", p.os, p.architecture),
            None => format!("{}/{}", p.os, p.architecture),
        };
        match name {
            "TARGETPLATFORM" | "BUILDPLATFORM" => Some(full),
            "TARGETOS" | "BUILDOS" => Some(p.os.clone()),
            "TARGETARCH" | "BUILDARCH" => Some(p.architecture.clone()),
            "TARGETVARIANT" | "BUILDVARIANT" => p.variant.clone(),
            _ => None,
        }
    }

    fn run(
        &mut self,
        image: &ImageState,
        argv: Vec<String>,
        mut env: Vec<String>,
        network: Option<String>,
        mounts: Vec<Resolved>,
    ) -> Result<String, BuildError> {
        for proxy in PROXY_ARGS {
            if let Some(v) = self.build_arg(proxy) {
                self.used_args.insert(proxy.to_owned());
                if !env.iter().any(|e| e.starts_with(&format!("{proxy}="))) {
                    env.push(format!("{proxy}={v}"));
                }
            }
        }
        let parent = match &image.id {
            Some(id) => id.clone(),
            None => image
                .clone()
                .commit_styled(&mut self.store, &self.opts.result.style)?,
        };
        // BuildKit's `RUN --network=default` is the build's own.
        let network = match network.as_deref() {
            None | Some("default") => self.opts.network.clone(),
            Some(n) => Some(n.parse::<Network>()?),
        };
        let non_empty = |s: String| (!s.is_empty()).then_some(s);
        // Held until the step's container is gone: locks, throwaway layers, secrets.
        let ready = mount_setup::ready(self.ctx, &self.store, mounts)?;
        let upper = run::run(
            self.ctx,
            &self.store,
            &RunStep {
                image: parent,
                argv,
                env,
                workdir: non_empty(image.text("WorkingDir")),
                user: non_empty(image.text("User")),
                network,
                layers: self.layer_dirs(image)?,
                mounts: ready.mounts.clone(),
                mount_points: ready.targets.clone(),
                settings: self.opts.run.clone(),
            },
            self.output,
        )?;
        drop(ready);
        layer::commit(&self.store, upper)
    }

    /// `--label`, `--env`, `--unsetenv`, `--omit-history`: one more step on the
    /// result, cached like the others.
    fn finish(&mut self, state: &mut ImageState) -> Result<(), BuildError> {
        let result = &self.opts.result;
        if self.opts.labels.is_empty() && !result.changes_config() {
            return Ok(());
        }
        let parent = state.parent_key().to_owned();
        let mut next = state.clone();
        for (k, v) in &self.opts.labels {
            next.insert_into("Labels", k, json!(v));
        }
        for (k, v) in &result.env {
            next.set_env(k, v);
        }
        if !result.unsetenv.is_empty() {
            let kept: Vec<String> = next
                .env()
                .into_iter()
                .filter(|e| {
                    let name = e.split_once('=').map_or(e.as_str(), |(k, _)| k);
                    !result.unsetenv.iter().any(|u| u == name)
                })
                .collect();
            next.set("Env", json!(kept));
        }
        if let Some(version) = &result.os_version {
            next.config["os.version"] = json!(version);
        }
        if !result.os_features.is_empty() {
            let base: Vec<String> = next.config["os.features"]
                .as_array()
                .map(|a| {
                    a.iter()
                        .filter_map(|f| f.as_str().map(str::to_owned))
                        .collect()
                })
                .unwrap_or_default();
            next.config["os.features"] = json!(settings::os_features(&base, &result.os_features));
        }
        let config = format!(
            "{}\nhistory={}\nos={} {}",
            next.config["config"],
            !result.omit_history,
            next.config["os.version"],
            next.config["os.features"]
        );
        let key = self.cache_key("--label", &config);
        if self.use_cache() {
            if let Some(id) = self.store.cached_step(&parent, &key)? {
                *state = ImageState::load(&self.store, &id)?;
                return Ok(());
            }
        }
        if !self.opts.labels.is_empty() {
            let shown: Vec<String> = self
                .opts
                .labels
                .iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect();
            let created_by = format!("/bin/sh -c #(nop) LABEL {}", shown.join(" "));
            next.add_history_styled(&created_by, true, &result.style);
        }
        if result.omit_history {
            if let Some(config) = next.config.as_object_mut() {
                config.remove("history");
            }
        }
        let id = next.commit_styled(&mut self.store, &result.style)?;
        self.record(&parent, &key, &id)?;
        *state = next;
        Ok(())
    }

    fn warn_unused_args(&self) {
        let unused: Vec<&str> = self
            .opts
            .build_args
            .iter()
            .map(|(k, _)| k.as_str())
            .filter(|k| !self.used_args.contains(*k) && !PROXY_ARGS.contains(k))
            .collect();
        if !unused.is_empty() {
            self.services.event(BuildEvent::Warning(format!(
                "one or more build-args [{}] were not consumed",
                unused.join(" ")
            )));
        }
    }
}
