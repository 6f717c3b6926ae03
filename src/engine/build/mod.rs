//! `build`: a Dockerfile made into an image, one committed image per step (the
//! classic builder's model), each RUN a container run the way `coracle run` runs
//! one, each COPY/ADD a layer written directly, and a cache of steps by parent
//! image and expanded instruction.

pub mod commit;
mod commit_volumes;
mod context;
mod context_tar;
mod copy;
mod exec;
mod expand;
mod fetch;
mod files;
mod ignore;
pub(crate) mod image;
pub(crate) mod instructions;
mod layer;
mod merge;
mod mount_setup;
mod mount_spec;
mod named;
mod output;
pub(crate) mod parse;
pub(crate) mod plan;
pub mod prune;
mod run;
mod secrets;
mod settings;
mod source;
mod squash;

use crate::engine::containers::ContainersError;
use crate::engine::context::ContextError;
use crate::engine::error::{ErrorKind, Kinded};
use crate::engine::images::policy::PullPolicy;
use crate::engine::images::pull::PullEvent;
use crate::engine::images::ImagesError;
use crate::engine::net::Network;
use crate::engine::registry::creds::Credentials;
use crate::engine::runtime::RuntimeError;
use crate::engine::store::StoreError;
use crate::engine::Error;
use std::path::PathBuf;
use std::sync::Arc;

pub use context::ContextInput;
pub use context_tar::context_tar;
pub use exec::build;
pub use image::{epoch_time, ImageStyle};
pub use named::NamedContext;
pub use output::BuildOutput;
pub use run::RunOutput;
pub use secrets::Secret;
pub use settings::{ResultSettings, RunSettings};
pub use squash::Squash;

#[derive(Debug, Clone)]
pub struct BuildOptions {
    /// `-f`: the Dockerfile; Containerfile, then Dockerfile, in the context when None.
    pub file: Option<PathBuf>,
    /// Full names to tag the result with.
    pub tags: Vec<String>,
    pub build_args: Vec<(String, String)>,
    pub target: Option<String>,
    pub no_cache: bool,
    /// When to pull base images.
    pub pull: PullPolicy,
    /// Require HTTPS and verified certificates when pulling them.
    pub tls_verify: bool,
    /// `--creds`: for pulling them, instead of the auth files'.
    pub credentials: Option<Credentials>,
    pub platform: Option<String>,
    pub labels: Vec<(String, String)>,
    /// RUN steps' network; none given, the one `run` gives by default.
    pub network: Option<Network>,
    /// `--secret`: what RUN --mount=type=secret may mount, by id.
    pub secrets: Vec<Secret>,
    /// `--build-context`: more sources, by name.
    pub named_contexts: Vec<(String, NamedContext)>,
    /// `--from`: the first FROM's image instead of the Dockerfile's.
    pub from: Option<String>,
    /// `--ignorefile`: read instead of the context's .containerignore or
    /// .dockerignore.
    pub ignorefile: Option<PathBuf>,
    /// `--layers`: steps are looked up in the cache and recorded there; false,
    /// neither (Podman's meaning).
    pub layers: bool,
    pub run: RunSettings,
    pub result: ResultSettings,
    /// `--output`: the result's files written out too.
    pub output: Option<BuildOutput>,
    pub squash: Squash,
}

impl BuildOptions {
    /// The first flag given that only a local build carries (the API's build
    /// request has no field for it).
    pub fn local_only(&self) -> Option<&'static str> {
        let given = [
            (self.from.is_some(), "build --from"),
            (!self.named_contexts.is_empty(), "build --build-context"),
            (self.credentials.is_some(), "build --creds"),
            (self.ignorefile.is_some(), "build --ignorefile"),
            (!self.layers, "build --layers=false"),
            (self.output.is_some(), "build --output"),
            (self.squash != Squash::No, "build --squash"),
            (self.run.any(), "build flags for RUN steps"),
            (self.result.any(), "build flags for the image written"),
        ];
        given
            .into_iter()
            .find(|(set, _)| *set)
            .map(|(_, flag)| flag)
    }
}

impl BuildOptions {
    /// The `--build-context` of this name.
    pub fn named_context(&self, name: &str) -> Option<&NamedContext> {
        self.named_contexts
            .iter()
            .rev()
            .find(|(n, _)| n == name)
            .map(|(_, c)| c)
    }
}

/// What a build reports as it goes; cli/ prints these.
#[derive(Debug, Clone)]
pub enum BuildEvent {
    /// `[stage/stages] STEP n/m: INSTRUCTION`; `stage` is None for a one-stage build.
    Step {
        stage: Option<(usize, usize)>,
        n: usize,
        m: usize,
        text: String,
    },
    CacheHit {
        id: String,
    },
    Committed {
        id: String,
    },
    Tagged {
        name: String,
    },
    Warning(String),
    /// A base image's pull, as it goes.
    Pull(PullEvent),
    /// The pull before this ended, well or not.
    Pulled {
        ok: bool,
    },
}

/// Where a build's events go. Pull progress comes from the runtime's threads.
pub type Events = Arc<dyn Fn(BuildEvent) + Send + Sync>;

/// What the engine lends the build: its events' destination, pulling base images
/// (a registry client and the engine's pull), and a runtime for ADD's downloads.
pub trait Services {
    fn event(&self, event: BuildEvent);
    fn pull(&self, reference: &str, platform: Option<&str>) -> Result<String, Error>;
    fn runtime(&self) -> Result<tokio::runtime::Handle, Error>;
}

#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    #[error("{file}:{line}: {message}")]
    Syntax {
        file: String,
        line: usize,
        message: String,
    },
    #[error("building at STEP \"{instruction}\" ({file}:{line}): {error}")]
    AtStep {
        instruction: String,
        file: String,
        line: usize,
        error: Box<BuildError>,
    },
    #[error(
        "the command exited with status {code}; no image was tagged, earlier steps stay cached"
    )]
    RunFailed { code: i32 },
    #[error("{0}")]
    Source(String),
    #[error("{0}")]
    Invalid(String),
    #[error("{0}")]
    Context(String),
    #[error("{0}")]
    Engine(String),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Images(#[from] ImagesError),
    #[error(transparent)]
    Containers(#[from] ContainersError),
    #[error(transparent)]
    EngineContext(#[from] ContextError),
    #[error(transparent)]
    Runtime(#[from] RuntimeError),
    #[error(transparent)]
    Net(#[from] crate::engine::net::NetError),
    #[error(transparent)]
    Storage(#[from] crate::engine::storage_driver::StorageDriverError),
    /// A base image's pull, done by the engine.
    #[error(transparent)]
    Pull(Error),
}

impl BuildError {
    /// Podman's codes: 1 when a step's command failed, 125 for everything else.
    pub fn exit_code(&self) -> i32 {
        match self {
            BuildError::AtStep { error, .. } => error.exit_code(),
            BuildError::RunFailed { .. } => 1,
            _ => 125,
        }
    }
}

impl Kinded for BuildError {
    fn kind(&self) -> ErrorKind {
        match self {
            BuildError::Store(e) => e.kind(),
            BuildError::Images(e) => e.kind(),
            BuildError::Containers(e) => e.kind(),
            BuildError::EngineContext(e) => e.kind(),
            BuildError::Runtime(e) => e.kind(),
            BuildError::Net(e) => e.kind(),
            BuildError::Storage(e) => e.kind(),
            BuildError::Pull(e) => e.kind(),
            BuildError::AtStep { error, .. } => error.kind(),
            // A step's command failing, or sources the Dockerfile names wrongly, are
            // the Dockerfile's doing.
            BuildError::Syntax { .. }
            | BuildError::Invalid(_)
            | BuildError::Context(_)
            | BuildError::Source(_)
            | BuildError::RunFailed { .. } => ErrorKind::Invalid,
            BuildError::Engine(_) => ErrorKind::Internal,
        }
    }

    fn command_code(&self) -> Option<i32> {
        Some(self.exit_code()).filter(|&code| code != 125)
    }
}
