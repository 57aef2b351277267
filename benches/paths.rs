//! `cargo bench --bench paths`: every slow path of the store against sqlite3's own CLI doing the
//! equivalent work on equivalent data, in one run.
//!
//! Builds stores of 10,000, 100,000 and 1,000,000 mappings (a tenth as many organizations × 10
//! integrations): a redb store through the library in one transaction, and a sqlite database with
//! the same rows and indexes. For each size it prints the store file size, `get`, `list --json`,
//! `list` (table), `export` and, at 100,000, when each of those shows its first byte to a slow
//! reader; for the largest size `import` of an export; for the smallest 8 × 50 concurrent `set`s;
//! then discovery of 10^6 organizations from a local fixture server (with and without an
//! address-space limit) and a cached `discover --json` of 10,000. Each row is orgmap vs sqlite3 →
//! ratio, with its goal and PASS or FAIL.
//!
//! `ORGMAP_BENCH_SIZES=10k,100k` picks sizes (default `10k,100k,1M`); `ORGMAP_BENCH_ROWS=get,list`
//! picks rows (`size`, `get`, `list-json`, `list`, `export`, `stream`, `import`, `set`,
//! `discover`; default all). Exits 1 listing the memory and size rows that FAIL (times are
//! reported, not asserted: machines differ) unless `ORGMAP_BENCH_NO_ASSERT=1`.

use std::io::{BufRead, BufReader, Read};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

mod common;
mod measure;
mod paths {
    pub mod discover;
    pub mod report;
    pub mod stores;
    pub mod writes;
}

use common::INTEGRATIONS;
use measure::{median, ms};
use paths::report::{Report, in_mib, mib, pair, versus};
use paths::stores::{Stores, disk_size, shown_size};

const GET_RUNS: usize = 100;
const K100: usize = 100_000;

fn label(mappings: usize) -> String {
    match mappings {
        n if n % 1_000_000 == 0 => format!("{}M", n / 1_000_000),
        n if n % 1_000 == 0 => format!("{}k", n / 1_000),
        n => n.to_string(),
    }
}

/// `ORGMAP_BENCH_SIZES`: mapping counts such as `10k,100k,1M`.
fn sizes() -> Vec<usize> {
    let text = std::env::var("ORGMAP_BENCH_SIZES").unwrap_or_else(|_| "10k,100k,1M".into());
    let mut sizes: Vec<usize> = text
        .split(',')
        .map(|size| {
            let size = size.trim().to_lowercase();
            let (digits, factor) = match size.strip_suffix('m') {
                Some(digits) => (digits, 1_000_000),
                None => size.strip_suffix('k').map_or((size.as_str(), 1), |digits| (digits, 1_000)),
            };
            let n =
                digits.parse::<usize>().unwrap_or_else(|_| panic!("ORGMAP_BENCH_SIZES: {size} is not a size")) * factor;
            assert!(
                n >= 10 * INTEGRATIONS && n % INTEGRATIONS == 0,
                "ORGMAP_BENCH_SIZES: {size} is not a multiple of {INTEGRATIONS}"
            );
            n
        })
        .collect();
    sizes.sort();
    sizes.dedup();
    sizes
}

/// Whether `ORGMAP_BENCH_ROWS` (default: every row) names `row`.
fn wants(row: &str) -> bool {
    std::env::var("ORGMAP_BENCH_ROWS").map_or(true, |rows| rows.split(',').any(|r| r.trim() == row))
}

fn get(stores: &Stores) {
    let orgs = stores.mappings / INTEGRATIONS;
    let mut seed = 0x9E37_79B9_7F4A_7C15_u64;
    let (mut ours, mut theirs) = (Vec::new(), Vec::new());
    for _ in 0..GET_RUNS {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        let (org, integration) =
            (format!("org{}", seed as usize % orgs), format!("int{}", (seed >> 32) as usize % INTEGRATIONS));
        ours.push(timed(stores.orgmap(&["get", &integration, "--org", &org, "--json"])));
        theirs.push(timed(stores.sqlite(
            "-json",
            &format!("SELECT * FROM mappings WHERE org_id = '{org}' AND integration = '{integration}' AND active = 1;"),
        )));
    }
    println!("get --json (median of {GET_RUNS}): {}", versus(median(ours), "sqlite3 -json", median(theirs), Some(0.9)));
}

fn timed(mut cmd: Command) -> Duration {
    let started = Instant::now();
    let out = cmd.output().expect("run");
    let elapsed = started.elapsed();
    assert!(out.status.success() && !out.stdout.is_empty(), "{cmd:?} failed or printed nothing");
    elapsed
}

/// Time to the first byte on a pipe whose reader takes the first line, then waits 1 s before
/// reading the rest.
fn first_byte(stores: &Stores, args: &[&str]) {
    let started = Instant::now();
    let mut child = stores.orgmap(args).stderr(Stdio::null()).spawn().expect("spawn");
    let mut out = BufReader::new(child.stdout.take().expect("stdout"));
    out.fill_buf().expect("read");
    let first = started.elapsed();
    let line = out.read_until(b'\n', &mut Vec::new()).expect("read");
    std::thread::sleep(Duration::from_secs(1));
    let rest = out.read_to_end(&mut Vec::new()).expect("read");
    let status = child.wait().expect("wait");
    assert!(status.success(), "orgmap {args:?} failed: {status}");
    println!(
        "  orgmap {}: first byte after {}; all {:.1} MB read {:.2} s after the start",
        args.join(" "),
        ms(first),
        (line + rest) as f64 / 1e6,
        started.elapsed().as_secs_f64()
    );
}

fn bench_size(report: &mut Report, mappings: usize, largest: bool, smallest: bool) {
    let size = label(mappings);
    println!("\n## {size} mappings ({} orgs × {INTEGRATIONS} integrations)", mappings / INTEGRATIONS);
    let stores = paths::stores::build(mappings);
    let runs = if mappings >= 1_000_000 { 3 } else { 5 };
    let at_least_100k = mappings >= K100;

    if wants("size") {
        let (ours, theirs) = (disk_size(&stores.redb).0, disk_size(&stores.sqlite).0);
        let ratio = ours as f64 / theirs as f64;
        let row = format!("store file, {size}");
        let goal = if at_least_100k {
            format!("(goal ≤ 1.5×) {}", report.check(&row, ratio <= 1.5, &format!("{ratio:.2}× the sqlite db > 1.5×")))
        } else {
            "(no goal at this size)".into()
        };
        println!(
            "{row}: redb {} vs sqlite db {} → {ratio:.2}× {goal}",
            shown_size(&stores.redb),
            shown_size(&stores.sqlite)
        );
    }
    if wants("get") {
        get(&stores);
    }
    let at_100k = mappings == K100;
    let rows = [
        // (row, orgmap's arguments, sqlite3's mode, time goal, memory goal) at this size
        ("list-json", &["list", "--json"][..], "-json", at_100k.then_some(1.0), at_100k.then(|| mib(50, "50 MiB"))),
        ("list", &["list"][..], "-column", at_100k.then_some(1.5), Some(mib(100, "100 MiB"))),
        ("export", &["export"][..], "-json", at_least_100k.then_some(1.0), Some(mib(100, "100 MiB"))),
    ];
    for (name, args, mode, goal, limit) in rows {
        if !wants(name) {
            continue;
        }
        let p = pair(runs, || stores.orgmap(args), || stores.sqlite(mode, "SELECT * FROM mappings"));
        let shown = if name == "list" { "list (table)".to_owned() } else { args.join(" ") };
        let row = format!("{shown}, {size}");
        println!(
            "{row} (median of {runs}): {}; {} (sqlite3 {})",
            versus(p.ours, &format!("sqlite3 {mode}"), p.theirs, goal),
            report.peak(&row, p.ours_peak, limit),
            in_mib(p.theirs_peak)
        );
    }
    if wants("stream") && mappings == K100 {
        println!("streaming, {size} (informative): stdout a pipe read by a slow reader");
        for args in [&["list"][..], &["list", "--json"][..], &["export"][..]] {
            first_byte(&stores, args);
        }
    }
    if wants("import") && largest {
        paths::writes::import(report, &stores, &size);
    }
    if wants("set") && smallest {
        paths::writes::concurrent_set(&stores);
    }
}

fn main() {
    if std::env::args().any(|a| a == "--list") {
        return;
    }
    let missing: Vec<&str> = [
        ("sqlite3", "-version", "sqlite3"),
        ("/usr/bin/time", "--version", "time"),
        ("prlimit", "--version", "util-linux"),
    ]
    .into_iter()
    .filter(|(tool, arg, _)| Command::new(tool).arg(arg).stdout(Stdio::null()).stderr(Stdio::null()).status().is_err())
    .map(|(_, _, package)| package)
    .collect();
    if !missing.is_empty() {
        eprintln!(
            "the benchmark needs sqlite3 (the baseline), GNU time and prlimit: apt-get install {}",
            missing.join(" ")
        );
        std::process::exit(1);
    }
    let started = Instant::now();
    let sizes = sizes();
    println!("# orgmap paths against sqlite3 (binary: {})", paths::stores::BIN);
    let mut report = Report::default();
    for (i, &mappings) in sizes.iter().enumerate() {
        bench_size(&mut report, mappings, i + 1 == sizes.len(), i == 0);
    }
    if wants("discover") {
        paths::discover::run(&mut report, 20);
    }
    println!("\nwhole run: {:.0} s", started.elapsed().as_secs_f64());
    if report.failed.is_empty() {
        println!("memory and size goals: all PASS");
        return;
    }
    println!("memory and size goals that FAIL:");
    for row in &report.failed {
        println!("  {row}");
    }
    if std::env::var("ORGMAP_BENCH_NO_ASSERT").as_deref() != Ok("1") {
        std::process::exit(1);
    }
}
