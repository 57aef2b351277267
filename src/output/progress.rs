//! Progress of a long fetch, as a bar on stderr when a person is watching. It shows only once
//! the work has lasted a moment, so that a local file or a quick check does not flash a bar, and
//! counts against a total only when one is known (never `0/0`).

use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::providers::Progress;

/// How long work runs before its bar appears.
const SHOW_AFTER: Duration = Duration::from_millis(300);

/// A progress bar counting pages and records; invisible unless `visible`.
pub struct FetchProgress {
    bar: ProgressBar,
    unit: String,
}

impl FetchProgress {
    /// A bar counting `unit`s (pages, tests) under `label`.
    pub fn new(label: &str, unit: &str, visible: bool) -> Self {
        let bar = ProgressBar::hidden();
        bar.set_style(
            ProgressStyle::with_template("{spinner} {prefix}: {msg} {elapsed}")
                .unwrap_or_else(|_| ProgressStyle::default_spinner()),
        );
        bar.set_prefix(crate::output::sanitize(label).into_owned());
        bar.set_message("starting");
        if visible {
            let shown = bar.clone();
            std::thread::spawn(move || {
                std::thread::sleep(SHOW_AFTER);
                if !shown.is_finished() {
                    shown.set_draw_target(ProgressDrawTarget::stderr());
                    shown.enable_steady_tick(Duration::from_millis(120));
                }
            });
        }
        FetchProgress { bar, unit: unit.to_owned() }
    }

    /// Removes the bar from the screen.
    pub fn finish(&self) {
        self.bar.finish_and_clear();
    }

    /// Counts finished items out of `total` (for work that is not paged).
    pub fn items(&self, done: u64, total: u64) {
        self.bar.set_message(format!("{done}/{total} {}", self.unit));
    }
}

impl Progress for FetchProgress {
    fn update(&self, pages: u64, records: u64, total_pages: Option<u64>) {
        let pages = match total_pages {
            Some(total) if total > 0 => format!("{pages}/{total}"),
            _ => pages.to_string(),
        };
        self.bar.set_message(format!("{pages} {}, {records} records", self.unit));
    }

    fn warn(&self, message: &str) {
        self.bar.suspend(|| eprintln!("warning: {}", crate::output::sanitize_lines(message)));
    }
}

impl Drop for FetchProgress {
    fn drop(&mut self) {
        self.bar.finish_and_clear();
    }
}
/// A duration as people say it: `45 s`, `12 min`, `3 h`, `2 d`.
pub fn human_age(age: std::time::Duration) -> String {
    let secs = age.as_secs();
    match secs {
        0..=59 => format!("{secs} s"),
        60..=3599 => format!("{} min", secs / 60),
        3600..=172_799 => format!("{} h", secs / 3600),
        _ => format!("{} d", secs / 86_400),
    }
}
