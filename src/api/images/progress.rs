//! The engine's transfer events as Docker's JSON progress messages, the way
//! cli/progress.rs turns them into bars: a message per layer event, keyed by
//! the layer's short digest.

use crate::engine::images::pull::PullEvent;
use crate::engine::images::push::PushEvent;
use bollard_stubs::models::{CreateImageInfo, ProgressDetail};
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;

/// Docker's bar width, in characters.
const BAR: u64 = 50;

/// A layer's 12 hex digits, Docker's id for its progress line.
pub fn short(digest: &str) -> String {
    let hex = digest.strip_prefix("sha256:").unwrap_or(digest);
    hex[..hex.len().min(12)].to_owned()
}

/// What a transfer has said so far: each blob's size and how much of its bar
/// was drawn, and whether any layer moved at all (Docker's "Downloaded newer
/// image" against "Image is up to date").
#[derive(Default)]
pub struct Transfer {
    bars: Mutex<HashMap<String, Bar>>,
    moved: AtomicBool,
}

struct Bar {
    total: u64,
    filled: Option<u64>,
}

impl Transfer {
    pub fn moved(&self) -> bool {
        self.moved.load(Ordering::Relaxed)
    }

    /// The messages for a pull event; `ConfigStored`, which comes once the
    /// manifest is in hand, is Docker's "Pulling from" (`announce`).
    pub fn pull(&self, event: PullEvent, announce: &CreateImageInfo) -> Vec<CreateImageInfo> {
        match event {
            PullEvent::Resolved { .. } => vec![],
            PullEvent::ConfigStored { .. } => vec![announce.clone()],
            PullEvent::LayerExists { digest } => vec![plain(&digest, "Already exists")],
            PullEvent::LayerStarted { digest, size } => {
                self.start(&digest, size);
                vec![plain(&digest, "Pulling fs layer")]
            }
            PullEvent::LayerProgress { digest, bytes } => self.bar(&digest, "Downloading", bytes),
            PullEvent::LayerDone { digest } => vec![
                plain(&digest, "Download complete"),
                plain(&digest, "Pull complete"),
            ],
        }
    }

    pub fn push(&self, event: PushEvent) -> Vec<CreateImageInfo> {
        match event {
            PushEvent::Started | PushEvent::ConfigDone { .. } => vec![],
            PushEvent::BlobExists { digest } => vec![plain(&digest, "Layer already exists")],
            PushEvent::BlobMounted { digest, from } => {
                vec![plain(&digest, &format!("Mounted from {from}"))]
            }
            PushEvent::BlobStarted { digest, size } => {
                self.start(&digest, size);
                vec![plain(&digest, "Preparing")]
            }
            PushEvent::BlobProgress { digest, bytes } => self.bar(&digest, "Pushing", bytes),
            PushEvent::BlobDone { digest } => vec![plain(&digest, "Pushed")],
        }
    }

    fn start(&self, digest: &str, size: u64) {
        self.moved.store(true, Ordering::Relaxed);
        let bar = Bar {
            total: size,
            filled: None,
        };
        lock(&self.bars).insert(digest.to_owned(), bar);
    }

    /// A progress message when the bar grows: at most one per step of its
    /// width, as the engine reports far more often than a bar can show.
    fn bar(&self, digest: &str, status: &str, current: u64) -> Vec<CreateImageInfo> {
        let mut bars = lock(&self.bars);
        let Some(bar) = bars.get_mut(digest) else {
            return vec![];
        };
        let filled = BAR * current.min(bar.total) / bar.total.max(1);
        if bar.filled == Some(filled) {
            return vec![];
        }
        bar.filled = Some(filled);
        vec![CreateImageInfo {
            id: Some(short(digest)),
            status: Some(status.into()),
            progress_detail: Some(ProgressDetail {
                current: Some(current as i64),
                total: Some(bar.total as i64),
            }),
            progress: Some(progress_bar(current, bar.total)),
            ..Default::default()
        }]
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// A status line: `{"status": S}`.
pub fn status(text: impl Into<String>) -> CreateImageInfo {
    CreateImageInfo {
        status: Some(text.into()),
        ..Default::default()
    }
}

fn plain(digest: &str, text: &str) -> CreateImageInfo {
    CreateImageInfo {
        id: Some(short(digest)),
        status: Some(text.into()),
        progress_detail: Some(ProgressDetail::default()),
        ..Default::default()
    }
}

/// Docker's `[=====>      ]  1.2MB/3.4MB`.
fn progress_bar(current: u64, total: u64) -> String {
    if total == 0 {
        return human_size(current);
    }
    let filled = (BAR * current.min(total) / total) as usize;
    let mut bar = "=".repeat(filled);
    if filled < BAR as usize {
        bar.push('>');
    }
    format!(
        "[{bar:<width$}] {:>8}/{}",
        human_size(current),
        human_size(total),
        width = BAR as usize
    )
}

/// Decimal units with four significant digits, as Docker's units.HumanSize.
fn human_size(n: u64) -> String {
    const UNITS: [&str; 5] = ["B", "kB", "MB", "GB", "TB"];
    let mut value = n as f64;
    let mut unit = 0;
    while value >= 1000.0 && unit < UNITS.len() - 1 {
        value /= 1000.0;
        unit += 1;
    }
    let digits = match value {
        v if v >= 100.0 => 1,
        v if v >= 10.0 => 2,
        _ => 3,
    };
    let text = format!("{value:.digits$}");
    let text = match text.contains('.') {
        true => text.trim_end_matches('0').trim_end_matches('.'),
        false => &text,
    };
    format!("{text}{}", UNITS[unit])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_and_bars_as_docker_shows_them() {
        assert_eq!(human_size(999), "999B");
        assert_eq!(human_size(1_234_567), "1.235MB");
        assert_eq!(human_size(2_000_000), "2MB");
        let bar = progress_bar(50, 100);
        assert!(bar.starts_with(&format!("[{}>", "=".repeat(25))), "{bar}");
        assert!(bar.ends_with("50B/100B"), "{bar}");
    }

    #[test]
    fn a_bar_speaks_only_when_it_grows() {
        let t = Transfer::default();
        t.start("sha256:abc", 1000);
        let said = |bytes| t.bar("sha256:abc", "Downloading", bytes).len();
        assert_eq!((said(1), said(2), said(500), said(501)), (1, 0, 1, 0));
        assert!(t.moved());
    }
}
