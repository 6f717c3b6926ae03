//! The file steps of the executor: where COPY and ADD read from (the context,
//! another stage or image, downloads), the copy into a new layer, and WORKDIR's
//! directory.

use super::copy::{self, Matched, Target};
use super::exec::Builder;
use super::fetch;
use super::ignore::Ignore;
use super::image::ImageState;
use super::instructions::CopySpec;
use super::named::NamedContext;
use super::source::Source;
use super::{layer, plan, BuildError};
use crate::engine::build::context::BuildContext;
use crate::engine::images::ImagesError;
use crate::engine::runtime::user;
use crate::engine::store::{StoreError, TempEntry};
use std::path::PathBuf;

impl Builder<'_> {
    /// Where a COPY reads from, what it names, and the digest of all that.
    pub(super) fn copy_sources(
        &mut self,
        spec: &CopySpec,
    ) -> Result<(SourceKind, Vec<Matched>, String), BuildError> {
        let kind = match (
            &spec.from,
            spec.from
                .as_deref()
                .and_then(|f| self.opts.named_context(f)),
        ) {
            (None, _) => SourceKind::Context,
            (_, Some(NamedContext::Dir(dir))) => SourceKind::Named(dir.clone(), Ignore::default()),
            (_, Some(NamedContext::Image(image))) => SourceKind::Image(self.layers_of(image)?),
            (Some(from), None) => SourceKind::Image(self.layers_of(from)?),
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
                    .map(|url| {
                        let runtime = self.services.runtime().map_err(|e| {
                            BuildError::Source(format!("ADD {url}: cannot start the download: {e}"))
                        })?;
                        fetch::download(&runtime, url, dir.path())
                    })
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
    /// The layer dirs of an earlier stage or an image (`--from`), topmost first.
    pub(super) fn layers_of(&mut self, from: &str) -> Result<Vec<PathBuf>, BuildError> {
        let state = match self.stage_result(from) {
            Some(state) => state,
            None => {
                let id = self.base_image(from, None).map_err(|e| match e {
                    BuildError::Images(ImagesError::Reference(_)) => BuildError::Invalid(format!(
                        "--from={from} names no earlier stage and no image"
                    )),
                    e => e,
                })?;
                ImageState::load(&self.store, &id)?
            }
        };
        self.layer_dirs(&state)
    }

    fn stage_result(&self, name: &str) -> Option<ImageState> {
        plan::stage_ref(self.file, name, self.file.stages.len())
            .and_then(|i| self.results.get(&i).cloned())
    }

    /// The image's layer dirs, topmost first.
    pub(super) fn layer_dirs(&self, image: &ImageState) -> Result<Vec<PathBuf>, BuildError> {
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

    pub(super) fn copy(
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
    pub(super) fn mkdir(
        &mut self,
        image: &ImageState,
        path: &str,
    ) -> Result<Option<String>, BuildError> {
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
}

/// Where a COPY's sources are: owned, so the Source borrowing them can be made later.
pub(super) enum SourceKind {
    Context,
    Image(Vec<PathBuf>),
    /// ADD's downloads, in a directory of their own.
    Downloaded(TempEntry, Ignore),
    /// A `--build-context` directory.
    Named(PathBuf, Ignore),
}

impl SourceKind {
    pub(super) fn as_source<'a>(&'a self, bctx: &'a BuildContext) -> Source<'a> {
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
            SourceKind::Named(root, ignore) => Source::Context { root, ignore },
        }
    }
}
