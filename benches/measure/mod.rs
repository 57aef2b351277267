//! Timing and peak memory of orgmap runs, for the benchmarks that run the binary.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

pub fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

pub fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1000.0)
}

/// Runs `cmd` under GNU time and returns its wall time and peak resident memory. Measured by a
/// small parent: a child forked from this large benchmark process would report the benchmark's own
/// memory as its peak.
pub fn time_and_peak_memory(cmd: Command) -> (Duration, u64) {
    let mut timed = Command::new("/usr/bin/time");
    timed.arg("-f").arg("%M").arg(cmd.get_program()).args(cmd.get_args());
    for (key, value) in cmd.get_envs() {
        match value {
            Some(value) => timed.env(key, value),
            None => timed.env_remove(key),
        };
    }
    if let Some(dir) = cmd.get_current_dir() {
        timed.current_dir(dir);
    }
    let started = Instant::now();
    let out = timed.stdout(Stdio::null()).stderr(Stdio::piped()).output().expect("run /usr/bin/time");
    let elapsed = started.elapsed();
    assert!(
        out.status.success(),
        "{:?} failed: {}",
        cmd.get_args().collect::<Vec<_>>(),
        String::from_utf8_lossy(&out.stderr)
    );
    let kilobytes: u64 = String::from_utf8_lossy(&out.stderr)
        .lines()
        .last()
        .and_then(|line| line.trim().parse().ok())
        .expect("GNU time prints the peak in KB");
    (elapsed, kilobytes * 1024)
}
