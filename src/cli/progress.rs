//! Pull progress: a bar per layer on a terminal, a line per event otherwise.

use crate::engine::images::pull::PullEvent;
use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::collections::HashMap;
use std::io::IsTerminal;
use std::sync::Mutex;

pub struct PullDisplay {
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

impl PullDisplay {
    pub fn new(quiet: bool) -> PullDisplay {
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
        PullDisplay { mode }
    }

    pub fn show(&self, event: PullEvent) {
        match &self.mode {
            Mode::Quiet => {}
            Mode::Lines => {
                if let Some(line) = line(&event) {
                    eprintln!("{line}");
                }
            }
            Mode::Bars { multi, bars } => self.draw(multi, bars, event),
        }
    }

    fn draw(
        &self,
        multi: &MultiProgress,
        bars: &Mutex<HashMap<String, ProgressBar>>,
        event: PullEvent,
    ) {
        let mut bars = bars.lock().unwrap_or_else(|e| e.into_inner());
        match event {
            PullEvent::LayerStarted { digest, size } => {
                let bar = multi.add(ProgressBar::new(size));
                bar.set_style(
                    ProgressStyle::with_template(
                        "Copying blob {msg} [{bar:30}] {bytes}/{total_bytes} {bytes_per_sec}",
                    )
                    .unwrap_or_else(|_| ProgressStyle::default_bar())
                    .progress_chars("=> "),
                );
                bar.set_message(short(&digest).to_owned());
                bars.insert(digest, bar);
            }
            PullEvent::LayerProgress { digest, bytes } => {
                if let Some(bar) = bars.get(&digest) {
                    bar.set_position(bytes);
                }
            }
            PullEvent::LayerDone { digest } => {
                if let Some(bar) = bars.get(&digest) {
                    bar.finish_with_message(format!("{} done", short(&digest)));
                }
            }
            other => {
                if let Some(text) = line(&other) {
                    let _ = multi.println(text);
                }
            }
        }
    }

    pub fn finish(&self, ok: bool) {
        if let Mode::Bars { bars, .. } = &self.mode {
            for bar in bars.lock().unwrap_or_else(|e| e.into_inner()).values() {
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

fn line(event: &PullEvent) -> Option<String> {
    Some(match event {
        PullEvent::Resolved { reference } => format!("Trying to pull {reference}..."),
        PullEvent::LayerExists { digest } => {
            format!("Copying blob {} skipped: already exists", short(digest))
        }
        PullEvent::LayerDone { digest } => format!("Copying blob {} done", short(digest)),
        PullEvent::ConfigStored { digest } => format!("Copying config {} done", short(digest)),
        PullEvent::LayerStarted { .. } | PullEvent::LayerProgress { .. } => return None,
    })
}
