//! Transfer progress for pull and push: a bar per blob on a terminal, a line
//! per event otherwise, in Podman's words.

use crate::engine::images::pull::PullEvent;
use crate::engine::images::push::PushEvent;
use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::collections::HashMap;
use std::io::IsTerminal;
use std::sync::Mutex;

pub struct TransferDisplay {
    mode: Mode,
}

enum Mode {
    Quiet,
    Lines,
    Bars {
        multi: MultiProgress,
        bars: Mutex<HashMap<String, ProgressBar>>,
    },
}

fn short(digest: &str) -> &str {
    let hex = digest.strip_prefix("sha256:").unwrap_or(digest);
    &hex[..hex.len().min(12)]
}

impl TransferDisplay {
    pub fn new(quiet: bool) -> TransferDisplay {
        let mode = if quiet {
            Mode::Quiet
        } else if std::io::stderr().is_terminal() {
            Mode::Bars {
                multi: MultiProgress::with_draw_target(ProgressDrawTarget::stderr()),
                bars: Mutex::new(HashMap::new()),
            }
        } else {
            Mode::Lines
        };
        TransferDisplay { mode }
    }

    pub fn pull(&self, event: PullEvent) {
        match event {
            PullEvent::Resolved { reference } => self.say(format!("Trying to pull {reference}...")),
            PullEvent::LayerExists { digest } => self.done(
                &digest,
                format!("Copying blob {} skipped: already exists", short(&digest)),
            ),
            PullEvent::LayerStarted { digest, size } => self.start(digest, size),
            PullEvent::LayerProgress { digest, bytes } => self.advance(&digest, bytes),
            PullEvent::LayerDone { digest } => {
                self.done(&digest, format!("Copying blob {} done", short(&digest)))
            }
            PullEvent::ConfigStored { digest } => {
                self.say(format!("Copying config {} done", short(&digest)))
            }
        }
    }

    pub fn push(&self, event: PushEvent) {
        match event {
            PushEvent::Started => self.say("Getting image source signatures".to_owned()),
            PushEvent::BlobStarted { digest, size } => self.start(digest, size),
            PushEvent::BlobProgress { digest, bytes } => self.advance(&digest, bytes),
            PushEvent::BlobExists { digest } => self.done(
                &digest,
                format!("Copying blob {} skipped: already exists", short(&digest)),
            ),
            PushEvent::BlobMounted { digest, from } => self.done(
                &digest,
                format!("Copying blob {} mounted from {from}", short(&digest)),
            ),
            PushEvent::BlobDone { digest } => {
                self.done(&digest, format!("Copying blob {} done", short(&digest)))
            }
            PushEvent::ConfigDone { digest } => {
                self.say(format!("Copying config {} done", short(&digest)))
            }
        }
    }

    fn start(&self, digest: String, size: u64) {
        if let Mode::Bars { multi, bars } = &self.mode {
            let bar = multi.add(ProgressBar::new(size));
            bar.set_style(
                ProgressStyle::with_template(
                    "Copying blob {msg} [{bar:30}] {bytes}/{total_bytes} {bytes_per_sec}",
                )
                .unwrap_or_else(|_| ProgressStyle::default_bar())
                .progress_chars("=> "),
            );
            bar.set_message(short(&digest).to_owned());
            lock(bars).insert(digest, bar);
        }
    }

    fn advance(&self, digest: &str, bytes: u64) {
        if let Mode::Bars { bars, .. } = &self.mode {
            if let Some(bar) = lock(bars).get(digest) {
                bar.set_position(bytes);
            }
        }
    }

    /// A blob is finished: its bar ends with `text`, or `text` is a line.
    fn done(&self, digest: &str, text: String) {
        match &self.mode {
            Mode::Quiet => {}
            Mode::Lines => eprintln!("{text}"),
            Mode::Bars { multi, bars } => match lock(bars).get(digest) {
                Some(bar) => {
                    let message = text.strip_prefix("Copying blob ").unwrap_or(&text);
                    bar.finish_with_message(message.to_owned());
                }
                None => {
                    let _ = multi.println(text);
                }
            },
        }
    }

    fn say(&self, text: String) {
        match &self.mode {
            Mode::Quiet => {}
            Mode::Lines => eprintln!("{text}"),
            Mode::Bars { multi, .. } => {
                let _ = multi.println(text);
            }
        }
    }

    pub fn finish(&self, ok: bool) {
        if let Mode::Bars { bars, .. } = &self.mode {
            for bar in lock(bars).values() {
                if ok {
                    bar.finish();
                } else {
                    bar.abandon();
                }
            }
        }
        if ok && !matches!(self.mode, Mode::Quiet) {
            eprintln!("Writing manifest to image destination");
        }
    }
}

fn lock(
    bars: &Mutex<HashMap<String, ProgressBar>>,
) -> std::sync::MutexGuard<'_, HashMap<String, ProgressBar>> {
    bars.lock().unwrap_or_else(|e| e.into_inner())
}
