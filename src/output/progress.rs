//! Progress of a long fetch, as a bar on stderr when a person is watching.

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::providers::Progress;

/// A progress bar counting pages and records; invisible unless `visible`.
pub struct FetchProgress {
    bar: ProgressBar,
}

impl FetchProgress {
    /// A bar counting `unit`s (pages, tests) under `label`.
    pub fn new(label: &str, unit: &str, visible: bool) -> Self {
        let bar = if visible {
            ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr())
        } else {
            ProgressBar::hidden()
        };
        bar.set_style(
            ProgressStyle::with_template(&format!(
                "{{spinner}} {{prefix}}: {{pos}}/{{len}} {unit}, {{msg}} {{elapsed}}"
            ))
            .unwrap_or_else(|_| ProgressStyle::default_spinner()),
        );
        bar.set_prefix(crate::output::sanitize(label).into_owned());
        bar.set_message("0 done");
        bar.enable_steady_tick(std::time::Duration::from_millis(120));
        FetchProgress { bar }
    }

    /// Removes the bar from the screen.
    pub fn finish(&self) {
        self.bar.finish_and_clear();
    }
}

impl Progress for FetchProgress {
    fn update(&self, pages: u64, records: u64, total_pages: Option<u64>) {
        if let Some(total) = total_pages {
            self.bar.set_length(total);
        } else {
            self.bar.set_length(pages);
        }
        self.bar.set_position(pages);
        self.bar.set_message(format!("{records} records"));
    }

    fn warn(&self, message: &str) {
        self.bar.suspend(|| eprintln!("warning: {}", crate::output::sanitize_lines(message)));
    }
}

impl FetchProgress {
    /// Counts finished items out of `total` (for work that is not paged).
    pub fn items(&self, done: u64, total: u64) {
        self.bar.set_length(total);
        self.bar.set_position(done);
        self.bar.set_message(format!("{done} done"));
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
