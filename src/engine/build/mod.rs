//! `build`: a Dockerfile made into an image, one committed image per step (the
//! classic builder's model), each RUN a container run the way `coracle run` runs
//! one, each COPY/ADD a layer written directly, and a cache of steps by parent
//! image and expanded instruction.

pub mod commit;
mod context;
mod copy;
mod exec;
mod expand;
mod fetch;
mod files;
mod ignore;
mod image;
mod instructions;
mod layer;
mod parse;
mod plan;
pub mod prune;
mod run;
mod source;

use crate::engine::containers::ContainersError;
use crate::engine::context::ContextError;
use crate::engine::error::{ErrorKind, Kinded};
use crate::engine::images::ImagesError;
use crate::engine::runtime::spec::Network;
use crate::engine::runtime::RuntimeError;
use crate::engine::store::StoreError;
use std::path::PathBuf;

pub use context::ContextInput;
pub use exec::build;

#[derive(Debug, Clone)]
pub struct BuildOptions {
    pub context: ContextInput,
    /// `-f`: the Dockerfile; Containerfile, then Dockerfile, in the context when None.
    pub file: Option<PathBuf>,
    /// Full names to tag the result with.
    pub tags: Vec<String>,
    pub build_args: Vec<(String, String)>,
    pub target: Option<String>,
    pub no_cache: bool,
    /// When to pull base images: missing, always, never, newer.
    pub pull: String,
    pub platform: Option<String>,
    pub labels: Vec<(String, String)>,
    pub network: Network,
    /// RUN output goes to stderr, so that stdout holds only the image ID.
    pub quiet: bool,
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
}

/// What the caller lends the build: output, and pulling base images (which needs a
/// registry client and progress display the caller owns).
pub trait Host {
    fn event(&self, event: BuildEvent);
    fn pull(&self, reference: &str, platform: Option<&str>) -> Result<String, ImagesError>;
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
            BuildError::Syntax { .. } | BuildError::Invalid(_) | BuildError::Context(_) => {
                ErrorKind::Invalid
            }
            _ => ErrorKind::Internal,
        }
    }

    fn command_code(&self) -> Option<i32> {
        Some(self.exit_code()).filter(|&code| code != 125)
    }
}
