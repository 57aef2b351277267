//! `cargo bench`: the workflow path against sqlite3's own CLI on the same data.
//!
//! Builds stores of 10,000 mappings (1,000 orgs × 10 integrations, a large MSP) and 100,000
//! (stress), then measures in one run:
//! - the median wall time of `orgmap get INTEGRATION --org ORG --json` against
//!   `sqlite3 -json` doing the same indexed point lookup on the same data;
//! - `orgmap list --json` of every mapping: wall time and peak memory;
//! - 32 `orgmap get` processes started at once: the slowest one.
//!
//! Goals: get ≤ 1.0× sqlite3 at both sizes; list of 100,000 ≤ 1 s and ≤ 150 MB; the slowest of
//! 32 concurrent gets ≤ 100 ms.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

mod common;
mod measure;

use common::{INTEGRATIONS, config_text, mapping, org};
use measure::{median, ms, time_and_peak_memory};
use orgmap::store::{self, Access, Location, OpenOptions};

const RUNS: usize = 200;
const BIN: &str = env!("CARGO_BIN_EXE_orgmap");

struct Xorshift(u64);

impl Xorshift {
    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % n as u64) as usize
    }
}

/// Builds the redb store and an equivalent sqlite database holding the same mappings.
fn build(dir: &Path, orgs: usize) -> (PathBuf, PathBuf) {
    let store_dir = dir.join("store");
    let location = Location::Redb(store_dir.clone());
    store::init(&location, "bench", &OpenOptions::default()).expect("init");
    let store = store::open(&location, Access::Write, &OpenOptions::default()).expect("open");
    let mut tx = store.write().expect("write");
    let mut sql = String::from(
        "CREATE TABLE mappings (mapping_id TEXT PRIMARY KEY, org_id TEXT NOT NULL, integration TEXT NOT NULL, external_org_id TEXT NOT NULL, external_org_name TEXT, label TEXT, metadata TEXT, active INTEGER, verified INTEGER, revision INTEGER, created_at TEXT, created_by TEXT, updated_at TEXT, updated_by TEXT);\nCREATE INDEX by_org ON mappings (org_id, integration);\nBEGIN;\n",
    );
    for n in 0..orgs {
        tx.put_org(&org(n)).expect("org");
        for integration in 0..INTEGRATIONS {
            let m = mapping(n, integration);
            tx.put_mapping(None, &m).expect("mapping");
            sql.push_str(&format!(
                "INSERT INTO mappings VALUES ('{}','{}','{}','{}','{}',NULL,'{}',1,1,1,'{}','bench','{}','bench');\n",
                m.mapping_id,
                m.org_id,
                m.integration,
                m.external_org_id,
                m.external_org_name.as_deref().unwrap_or_default(),
                serde_json::to_string(&m.metadata).unwrap(),
                m.created_at,
                m.updated_at
            ));
        }
    }
    tx.commit().expect("commit");
    drop(store);
    sql.push_str("COMMIT;\n");
    let sqlite_db = dir.join("mappings.sqlite");
    let mut child = Command::new("sqlite3").arg(&sqlite_db).stdin(Stdio::piped()).spawn().expect("sqlite3");
    child.stdin.take().unwrap().write_all(sql.as_bytes()).expect("feed sqlite3");
    assert!(child.wait().expect("sqlite3").success());
    (store_dir, sqlite_db)
}

fn orgmap(store_dir: &Path, config: &Path) -> Command {
    let mut cmd = Command::new(BIN);
    cmd.env("ORGMAP_STORE", store_dir)
        .env("ORGMAP_CONFIG", config)
        .env("ORGMAP_ACTOR", "bench")
        .env_remove("ORGMAP_ORG")
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit());
    cmd
}

fn timed(mut cmd: Command) -> Duration {
    let started = Instant::now();
    let out = cmd.output().expect("run");
    let elapsed = started.elapsed();
    assert!(out.status.success(), "{cmd:?} failed");
    assert!(!out.stdout.is_empty(), "{cmd:?} printed nothing");
    elapsed
}

fn bench_size(orgs: usize) {
    let dir = tempfile::tempdir().expect("temp dir");
    let config = dir.path().join("integrations.toml");
    std::fs::write(&config, config_text()).expect("config");
    let build_started = Instant::now();
    let (store_dir, sqlite_db) = build(dir.path(), orgs);
    let total = orgs * INTEGRATIONS;
    println!(
        "\n## {total} mappings ({orgs} orgs × {INTEGRATIONS} integrations), built in {:.1} s",
        build_started.elapsed().as_secs_f64()
    );

    let mut rng = Xorshift(0x9E37_79B9_7F4A_7C15);
    let (mut ours, mut theirs) = (Vec::with_capacity(RUNS), Vec::with_capacity(RUNS));
    for _ in 0..RUNS {
        let org = format!("org{}", rng.below(orgs));
        let integration = format!("int{}", rng.below(INTEGRATIONS));
        let mut get = orgmap(&store_dir, &config);
        get.args(["get", &integration, "--org", &org, "--json"]);
        ours.push(timed(get));
        let mut sqlite = Command::new("sqlite3");
        sqlite.arg("-json").arg(&sqlite_db).arg(format!(
            "SELECT * FROM mappings WHERE org_id = '{org}' AND integration = '{integration}' AND active = 1;"
        ));
        sqlite.stdout(Stdio::piped());
        theirs.push(timed(sqlite));
    }
    let (ours, theirs) = (median(ours), median(theirs));
    println!(
        "get --json, median of {RUNS}: orgmap {} vs sqlite3 -json {} → {:.2}× (goal ≤ 1.0×)",
        ms(ours),
        ms(theirs),
        ours.as_secs_f64() / theirs.as_secs_f64()
    );

    let mut list = orgmap(&store_dir, &config);
    list.args(["list", "--json"]);
    let (elapsed, peak) = time_and_peak_memory(list);
    println!(
        "list --json of all {total}: {} and {:.1} MB peak (goal ≤ 1 s, ≤ 150 MB at 100,000)",
        ms(elapsed),
        peak as f64 / 1e6
    );

    let mut slowest_per_round = Vec::new();
    for _ in 0..5 {
        let started = Instant::now();
        let children: Vec<_> = (0..32)
            .map(|i| {
                let mut get = orgmap(&store_dir, &config);
                get.args(["get", "int0", "--org", &format!("org{}", i % orgs), "--json"]);
                get.spawn().expect("spawn")
            })
            .collect();
        let mut slowest = Duration::ZERO;
        for child in children {
            let out = child.wait_with_output().expect("wait");
            assert!(out.status.success(), "a concurrent get failed");
            slowest = slowest.max(started.elapsed());
        }
        slowest_per_round.push(slowest);
    }
    println!("32 concurrent gets, slowest (median of 5 rounds): {} (goal ≤ 100 ms)", ms(median(slowest_per_round)));
}

fn main() {
    if std::env::args().any(|a| a == "--list") {
        return;
    }
    if Command::new("sqlite3").arg("-version").output().is_err() || !Path::new("/usr/bin/time").exists() {
        eprintln!("the benchmark needs sqlite3 (the baseline) and GNU time: apt-get install sqlite3 time");
        std::process::exit(1);
    }
    if let Ok(dir) = std::env::var("ORGMAP_BENCH_BUILD_ONLY") {
        // Builds one store of 100,000 mappings in `dir` and stops, for profiling by hand.
        let dir = PathBuf::from(dir);
        std::fs::create_dir_all(&dir).expect("dir");
        std::fs::write(dir.join("integrations.toml"), config_text()).expect("config");
        build(&dir, 10_000);
        return;
    }
    println!("# orgmap get/list benchmark (binary: {BIN})");
    bench_size(1_000);
    bench_size(10_000);
}
