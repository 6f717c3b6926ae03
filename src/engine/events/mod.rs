//! The events log: one JSON line per event that a command or a monitor
//! records (a container created, started, died; an image pulled, tagged,
//! removed; a volume or network created or removed), appended to a file under
//! the run root, as Podman's file backend keeps them. `coracle events` and the
//! API's `GET /events` read and follow it; neither needs a service to have been
//! running when the event happened.

mod event;
mod filter;
mod log;
mod read;

pub use event::{Event, Type};
pub use filter::Filter;
pub use log::EventLog;
pub use read::{read, EventsOptions};

use crate::engine::error::{ErrorKind, Kinded};

#[derive(Debug, thiserror::Error)]
pub enum EventsError {
    #[error("invalid filter {0:?}: {1}")]
    Filter(String, &'static str),
    #[error("cannot read the events log {}: {source}", path.display())]
    Read {
        path: std::path::PathBuf,
        source: std::io::Error,
    },
}

impl Kinded for EventsError {
    fn kind(&self) -> ErrorKind {
        match self {
            EventsError::Filter(..) => ErrorKind::Invalid,
            EventsError::Read { .. } => ErrorKind::Internal,
        }
    }
}
