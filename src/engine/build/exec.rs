//! The executor: stages in plan order, each step looked up in the cache by its
//! parent image and key, else done and committed as an image of its own.

use super::context::{self, BuildContext};
use super::copy::{self, Matched, Target};
use super::ignore::Ignore;
use super::image::ImageState;
use super::instructions::{self, Action, CopySpec, PROXY_ARGS};
use super::parse::{self, Dockerfile, Instruction};
use super::run::{self, RunStep};
use super::source::Source;
use super::{fetch, layer, plan, BuildError, BuildEvent, BuildOptions, Host};
use crate::engine::context::Context;
use crate::engine::image::platform::Platform;
use crate::engine::image::reference::Reference;
use crate::engine::images::{self, ImagesError};
use crate::engine::runtime::{spec::Network, user};
use crate::engine::store::{Store, StoreError, TempEntry};
use serde_json::json;
use std::collections::{HashMap, HashSet};
use std::path::PathBuf;

/// Builds the image and returns its ID.
pub fn build(ctx: &Context, opts: &BuildOptions, host: &dyn Host) -> Result<String, BuildError> {
    let store = ctx.open_store()?;
    let _adding = store.lock_for_adding()?;
    store.sweep_temp()?;
    let bctx = context::prepare(
        &store,
        &opts.context,
        opts.file.as_deref(),
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
        host,
        store,
        bctx: &bctx,
        file: &file,
        platform,
        globals: Vec::new(),
        results: HashMap::new(),
        used_args: HashSet::new(),
    };
    builder.globals = builder.global_args()?;
    let lookup = |n: &str| builder.global(n);
    let plan = plan::plan(&file, opts.target.as_deref(), &lookup)?;
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
    builder.apply_labels(&mut state)?;
    let id = match &state.id {
        Some(id) => id.clone(),
        None => state.commit(&mut builder.store)?,
    };
    builder.warn_unused_args();
    for tag in &opts.tags {
        let name = Reference::parse(tag)
            .map_err(ImagesError::from)?
            .to_string();
        builder.store.set_tag(&name, &id)?;
        host.event(BuildEvent::Tagged { name });
    }
    Ok(id)
}

struct Builder<'a> {
    ctx: &'a Context,
    opts: &'a BuildOptions,
    host: &'a dyn Host,
    store: Store,
    bctx: &'a BuildContext,
    file: &'a Dockerfile,
    platform: Platform,
    /// ARGs before the first FROM, with their values.
    globals: Vec<(String, Option<String>)>,
    /// Built stages' final states, by index.
    results: HashMap<usize, ImageState>,
    used_args: HashSet<String>,
}

/// A stage being built: its image, and what is not in the image.
struct StageState {
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
        self.host.event(BuildEvent::Step {
            stage: label,
            n: 1,
            m,
            text: stage.from.display(),
        });
        let image = self.from(i).map_err(|e| self.at(&stage.from, e))?;
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
            self.host.event(BuildEvent::Step {
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
        let lookup = |n: &str| self.global(n);
        let base = plan::base_of(self.file, i, &lookup)?;
        if let Some(j) = plan::stage_ref(self.file, &base, i) {
            return Ok(self.results[&j].clone());
        }
        if base.eq_ignore_ascii_case("scratch") {
            return Ok(ImageState::scratch(&self.platform));
        }
        let platform = self.file.stages[i].from.flag("platform").map(str::to_owned);
        let id = self.base_image(&base, platform.as_deref())?;
        ImageState::load(&self.store, &id)
    }

    /// An image by name, pulled as `--pull` says.
    fn base_image(&self, name: &str, platform: Option<&str>) -> Result<String, BuildError> {
        let platform = platform.or(self.opts.platform.as_deref());
        let stored = match images::resolve(&self.store, name) {
            Ok(id) => Some(id),
            Err(ImagesError::NotFound(_)) => None,
            Err(e) => return Err(e.into()),
        };
        match (self.opts.pull.as_str(), stored) {
            ("never", None) => Err(BuildError::Invalid(format!(
                "image {name} is not in the store and --pull=never was given: pull it first"
            ))),
            ("always", _) | (_, None) => Ok(self.host.pull(name, platform)?),
            ("newer", Some(id)) => match self.host.pull(name, platform) {
                Ok(id) => Ok(id),
                Err(e) => {
                    self.host
                        .event(BuildEvent::Warning(format!("{e}: using the stored image")));
                    Ok(id)
                }
            },
            (_, Some(id)) => Ok(id),
        }
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
        if let Action::Copy(spec) = &prepared.action {
            let (source, matched, digest) = self.copy_sources(spec)?;
            key_extra.push_str(&digest);
            copy_work = Some((source, matched));
        }
        let key = format!("{}\n{key_extra}", instr.display());
        let parent = st.image.parent_key().to_owned();
        if !self.opts.no_cache {
            if let Some(id) = self.store.cached_step(&parent, &key)? {
                self.host.event(BuildEvent::CacheHit { id: id.clone() });
                st.image = ImageState::load(&self.store, &id)?;
                self.host.event(BuildEvent::Committed { id });
                return Ok(());
            }
        }
        let layer = match prepared.action {
            Action::Config | Action::Declare => None,
            Action::Run { argv, env, network } => Some(self.run(&st.image, argv, env, network)?),
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
        next.add_history(&prepared.created_by, empty_layer);
        let id = next.commit(&mut self.store)?;
        self.store.record_step(&parent, &key, &id)?;
        self.host.event(BuildEvent::Committed { id });
        st.image = next;
        Ok(())
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
            None => image.clone().commit(&mut self.store)?,
        };
        let network = match network {
            Some(n) => n.parse::<Network>()?,
            None => self.opts.network,
        };
        let non_empty = |s: String| (!s.is_empty()).then_some(s);
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
                quiet: self.opts.quiet,
            },
        )?;
        layer::commit(&self.store, upper)
    }

    /// Where a COPY reads from, what it names, and the digest of all that.
    fn copy_sources(
        &mut self,
        spec: &CopySpec,
    ) -> Result<(SourceKind, Vec<Matched>, String), BuildError> {
        let kind = match &spec.from {
            None => SourceKind::Context,
            Some(from) => {
                let state = match self.stage_result(from) {
                    Some(state) => state,
                    None => {
                        let id = self.base_image(from, None).map_err(|e| match e {
                            BuildError::Images(ImagesError::Reference(_)) => BuildError::Invalid(
                                format!("--from={from} names no earlier stage and no image"),
                            ),
                            e => e,
                        })?;
                        ImageState::load(&self.store, &id)?
                    }
                };
                SourceKind::Image(self.layer_dirs(&state)?)
            }
        };
        let what = if spec.add { "ADD" } else { "COPY" };
        let urls = spec.sources.iter().filter(|s| fetch::is_url(s)).count();
        let (kind, sources) = match urls {
            0 => (kind, spec.sources.clone()),
            n if n == spec.sources.len() && spec.add && spec.from.is_none() => {
                let dir = self.new_layer_dir()?;
                let names = spec
                    .sources
                    .iter()
                    .map(|url| fetch::download(url, dir.path()))
                    .collect::<Result<_, _>>()?;
                (SourceKind::Downloaded(dir, Ignore::default()), names)
            }
            _ if spec.add => {
                return Err(BuildError::Invalid(
                    "ADD cannot mix URLs with other sources: give each URL its own ADD".to_owned(),
                ))
            }
            _ => {
                return Err(BuildError::Invalid(
                    "COPY cannot take a URL: use ADD for downloads".to_owned(),
                ))
            }
        };
        let source = kind.as_source(self.bctx);
        let matched = if sources.is_empty() {
            Vec::new()
        } else {
            copy::expand(&source, &sources, what)?
        };
        let digest = copy::digest(&source, &matched)?;
        Ok((kind, matched, digest))
    }

    /// A stage built before this one (the plan builds what `--from` names first).
    fn stage_result(&self, name: &str) -> Option<ImageState> {
        plan::stage_ref(self.file, name, self.file.stages.len())
            .and_then(|i| self.results.get(&i).cloned())
    }

    /// The image's layer dirs, topmost first.
    fn layer_dirs(&self, image: &ImageState) -> Result<Vec<PathBuf>, BuildError> {
        Ok(image
            .layers
            .iter()
            .rev()
            .map(|l| self.store.layer_path(l))
            .collect::<Result<_, StoreError>>()?)
    }

    fn new_layer_dir(&self) -> Result<TempEntry, BuildError> {
        let out = self.store.temp_entry("layer")?;
        std::fs::create_dir(out.path()).map_err(|e| StoreError::io(out.path(), e))?;
        Ok(out)
    }

    fn copy(
        &mut self,
        spec: &CopySpec,
        image: &ImageState,
        source: &Source,
        matched: &[Matched],
        extract: bool,
    ) -> Result<String, BuildError> {
        let image_layers = self.layer_dirs(image)?;
        let owner = match &spec.chown {
            Some(chown) => Some(self.owner(chown, &image_layers)?),
            None => None,
        };
        let out = self.new_layer_dir()?;
        let target = Target {
            dest: &spec.dest,
            owner,
            chmod: spec.chmod,
            extract,
            image_layers: &image_layers,
            ignore_chown_errors: self.ctx.unpack_options().ignore_chown_errors,
        };
        copy::copy(source, matched, &target, out.path())?;
        let into_dir = spec.sources.len() + spec.heredocs.len() > 1;
        for doc in &spec.heredocs {
            copy::write_file(
                &target,
                out.path(),
                &doc.name,
                doc.body.as_bytes(),
                into_dir,
            )?;
        }
        layer::commit(&self.store, out)
    }

    /// `--chown=user[:group]`, names looked up in the image being built.
    fn owner(&self, chown: &str, layers: &[PathBuf]) -> Result<(u32, u32), BuildError> {
        let read = |rel: &str| {
            super::source::layered_lookup(layers, rel)
                .and_then(|f| std::fs::read_to_string(f.host).ok())
                .unwrap_or_default()
        };
        let resolved = user::resolve(chown, &read("etc/passwd"), &read("etc/group"))?;
        Ok((resolved.uid, resolved.gid))
    }

    /// WORKDIR: a layer with the directory when the image lacks it.
    fn mkdir(&mut self, image: &ImageState, path: &str) -> Result<Option<String>, BuildError> {
        let layers = self.layer_dirs(image)?;
        let exists = Source::Image {
            layers: layers.clone(),
        }
        .resolve(path)
        .is_some_and(|(_, f)| f.meta.is_dir());
        if exists {
            return Ok(None);
        }
        let out = self.new_layer_dir()?;
        let target = Target {
            dest: path,
            owner: None,
            chmod: None,
            extract: false,
            image_layers: &layers,
            ignore_chown_errors: self.ctx.unpack_options().ignore_chown_errors,
        };
        copy::make_dir(&target, out.path())?;
        Ok(Some(layer::commit(&self.store, out)?))
    }

    /// `--label`: one more step on the result, cached like the others.
    fn apply_labels(&mut self, state: &mut ImageState) -> Result<(), BuildError> {
        if self.opts.labels.is_empty() {
            return Ok(());
        }
        let parent = state.parent_key().to_owned();
        let mut next = state.clone();
        for (k, v) in &self.opts.labels {
            next.insert_into("Labels", k, json!(v));
        }
        let key = format!("--label\n{}", next.config["config"]);
        if !self.opts.no_cache {
            if let Some(id) = self.store.cached_step(&parent, &key)? {
                *state = ImageState::load(&self.store, &id)?;
                return Ok(());
            }
        }
        let shown: Vec<String> = self
            .opts
            .labels
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        next.add_history(
            &format!("/bin/sh -c #(nop) LABEL {}", shown.join(" ")),
            true,
        );
        let id = next.commit(&mut self.store)?;
        self.store.record_step(&parent, &key, &id)?;
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
            self.host.event(BuildEvent::Warning(format!(
                "one or more build-args [{}] were not consumed",
                unused.join(" ")
            )));
        }
    }
}

/// Where a COPY's sources are: owned, so the Source borrowing them can be made later.
enum SourceKind {
    Context,
    Image(Vec<PathBuf>),
    /// ADD's downloads, in a directory of their own.
    Downloaded(TempEntry, Ignore),
}

impl SourceKind {
    fn as_source<'a>(&'a self, bctx: &'a BuildContext) -> Source<'a> {
        match self {
            SourceKind::Context => Source::Context {
                root: &bctx.root,
                ignore: &bctx.ignore,
            },
            SourceKind::Image(layers) => Source::Image {
                layers: layers.clone(),
            },
            SourceKind::Downloaded(dir, ignore) => Source::Context {
                root: dir.path(),
                ignore,
            },
        }
    }
}
