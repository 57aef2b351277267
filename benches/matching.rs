//! `cargo bench --bench matching`: the matching engine on a labelled corpus and at scale.
//!
//! Prints precision and recall per confidence on the labelled corpus (3,000 × 3,000), then the
//! time `suggest` takes over 1,000 × 1,000 up to 10,000 × 10,000 generated organizations and
//! candidates, how it grows, and the peak memory of the process.
//!
//! Goals: zero wrong pairs at high confidence; 10,000 × 10,000 well under 1 s on 2 cores.

use std::time::{Duration, Instant};

use orgmap::matching::corpus::Corpus;
use orgmap::matching::{Confidence, suggest};

fn main() {
    quality();
    scale();
    println!("peak memory (VmHWM): {}", peak_memory().unwrap_or_else(|| "unknown".into()));
}

fn quality() {
    let corpus = Corpus::generate(7, 3_000);
    let proposals = suggest(&corpus.orgs, &corpus.candidates);
    let score = corpus.score(&proposals);
    println!(
        "labelled corpus: {} organizations, {} candidates, {} pairs, {} strong, {} deliberately ambiguous",
        corpus.orgs.len(),
        corpus.candidates.len(),
        score.pairs,
        corpus.strong.len(),
        corpus.ambiguous.len()
    );
    for (shape, n) in &corpus.shapes {
        println!("  {n:>5}  {shape}");
    }
    println!("confidence  proposals  right  precision  recall (of {} pairs)", score.pairs);
    let mut cumulative = 0;
    for confidence in [Confidence::High, Confidence::Medium, Confidence::Low] {
        let (n, right) = score.by_confidence.get(&confidence).copied().unwrap_or_default();
        cumulative += right;
        println!(
            "{:<10}  {n:>9}  {right:>5}  {:>8.1}%  {:>5.1}% (at or above: {:.1}%)",
            format!("{confidence:?}").to_lowercase(),
            100.0 * right as f64 / n.max(1) as f64,
            100.0 * right as f64 / score.pairs.max(1) as f64,
            100.0 * cumulative as f64 / score.pairs.max(1) as f64,
        );
    }
    println!(
        "wrong at high: {}; ambiguous cases at high: {}; high recall of strong pairs: {:.1}% ({} of {})",
        score.wrong_high.len(),
        score.ambiguous_high.len(),
        100.0 * score.high_recall(),
        score.strong.1,
        score.strong.0
    );
}

fn scale() {
    println!(
        "orgs × candidates      time   per org  cpu (user + system, all threads; what a busy machine does not inflate)"
    );
    let mut previous: Option<(usize, Duration)> = None;
    for n in [1_000, 2_000, 5_000, 10_000] {
        let corpus = Corpus::generate(n as u64, n);
        // best of three, so that one scheduling hiccup on a shared machine does not count
        let mut best = Duration::MAX;
        let mut best_cpu = Duration::MAX;
        let mut proposals = 0;
        for _ in 0..3 {
            let (start, cpu) = (Instant::now(), cpu_time());
            proposals = suggest(&corpus.orgs, &corpus.candidates).len();
            best = best.min(start.elapsed());
            best_cpu = best_cpu.min(cpu_time() - cpu);
        }
        let growth = previous.map_or(String::new(), |(m, t)| {
            format!("  ×{:.2} time for ×{:.1} size", best.as_secs_f64() / t.as_secs_f64(), n as f64 / m as f64)
        });
        println!(
            "{n:>6} × {n:<6}  {:>8.1} ms  {:>5.1} µs  cpu {:>6.1} ms  ({proposals} proposals){growth}",
            best.as_secs_f64() * 1e3,
            best.as_secs_f64() * 1e6 / n as f64,
            best_cpu.as_secs_f64() * 1e3,
        );
        previous = Some((n, best));
    }
}

/// CPU time this process has used so far.
fn cpu_time() -> Duration {
    // SAFETY: getrusage only writes the struct it is given.
    let usage = unsafe {
        let mut usage: libc::rusage = std::mem::zeroed();
        libc::getrusage(libc::RUSAGE_SELF, &mut usage);
        usage
    };
    let tv = |t: libc::timeval| Duration::new(t.tv_sec as u64, t.tv_usec as u32 * 1_000);
    tv(usage.ru_utime) + tv(usage.ru_stime)
}

fn peak_memory() -> Option<String> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status.lines().find_map(|l| l.strip_prefix("VmHWM:")).map(|v| v.trim().to_owned())
}
