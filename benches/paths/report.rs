//! How the path benchmark measures a pair of commands and prints a row: orgmap against its
//! sqlite3 baseline, the ratio, each goal with PASS or FAIL. Memory and size goals do not depend on
//! the machine: their FAILs are kept for the exit status.

use std::process::Command;
use std::time::Duration;

use crate::measure::{median, ms, time_and_peak_memory};

pub const MIB: u64 = 1024 * 1024;

/// A ceiling on bytes, with how the table states it.
#[derive(Clone, Copy)]
pub struct Limit {
    pub bytes: u64,
    pub text: &'static str,
}

pub const fn mib(n: u64, text: &'static str) -> Limit {
    Limit { bytes: n * MIB, text }
}

/// The medians of `runs` alternating runs of each command under GNU time (stdout to /dev/null
/// for both), and the highest peak memory of each.
pub struct Pair {
    pub ours: Duration,
    pub theirs: Duration,
    pub ours_peak: u64,
    pub theirs_peak: u64,
}

pub fn pair(runs: usize, ours: impl Fn() -> Command, theirs: impl Fn() -> Command) -> Pair {
    let (mut a, mut b) = (Vec::new(), Vec::new());
    let (mut ours_peak, mut theirs_peak) = (0, 0);
    for _ in 0..runs {
        let (elapsed, peak) = time_and_peak_memory(ours());
        a.push(elapsed);
        ours_peak = ours_peak.max(peak);
        let (elapsed, peak) = time_and_peak_memory(theirs());
        b.push(elapsed);
        theirs_peak = theirs_peak.max(peak);
    }
    Pair { ours: median(a), theirs: median(b), ours_peak, theirs_peak }
}

pub fn verdict(pass: bool) -> &'static str {
    if pass { "PASS" } else { "FAIL" }
}

pub fn in_mib(bytes: u64) -> String {
    format!("{:.1} MiB", bytes as f64 / MIB as f64)
}

/// `orgmap T vs BASELINE T → R× (goal ≤ G×) PASS`, or `(no time goal)`.
pub fn versus(ours: Duration, baseline: &str, theirs: Duration, goal: Option<f64>) -> String {
    let ratio = ours.as_secs_f64() / theirs.as_secs_f64();
    let goal = match goal {
        Some(goal) => format!("(goal ≤ {goal:.1}×) {}", verdict(ratio <= goal)),
        None => "(no time goal)".into(),
    };
    format!("orgmap {} vs {baseline} {} → {ratio:.2}× {goal}", ms(ours), ms(theirs))
}

/// The FAIL rows of memory and size goals, for the exit status.
#[derive(Default)]
pub struct Report {
    pub failed: Vec<String>,
}

impl Report {
    /// `peak P (goal ≤ L) PASS`; a FAIL is kept under `row`.
    pub fn peak(&mut self, row: &str, peak: u64, limit: Option<Limit>) -> String {
        match limit {
            Some(limit) => {
                let pass = peak <= limit.bytes;
                if !pass {
                    self.failed.push(format!("{row}: peak {} > {}", in_mib(peak), limit.text));
                }
                format!("peak {} (goal ≤ {}) {}", in_mib(peak), limit.text, verdict(pass))
            }
            None => format!("peak {}", in_mib(peak)),
        }
    }

    /// A row with a pass or fail of its own (a size ratio, a clear error under a memory limit).
    pub fn check(&mut self, row: &str, pass: bool, why: &str) -> &'static str {
        if !pass {
            self.failed.push(format!("{row}: {why}"));
        }
        verdict(pass)
    }
}
