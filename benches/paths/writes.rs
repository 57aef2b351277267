//! The write rows: concurrent `set`s against sqlite3 inserts in WAL mode, and `import` of an
//! export against sqlite3 running the same rows' INSERT script.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::measure::{median, time_and_peak_memory};
use crate::paths::report::{Report, mib, versus};
use crate::paths::stores::{SET_ROUNDS, Stores, orgmap_on, shown_size, sqlite_script};

const WRITERS: usize = 8;
const SETS_PER_WRITER: usize = 50;

fn run(mut cmd: Command) {
    let out = cmd.stdout(Stdio::null()).stderr(Stdio::piped()).output().expect("run");
    assert!(out.status.success(), "{cmd:?} failed: {}", String::from_utf8_lossy(&out.stderr));
}

/// `WRITERS` threads at once, each running `SETS_PER_WRITER` commands one after another: the
/// wall time.
fn writers(command: impl Fn(usize) -> Command + Sync) -> Duration {
    let started = Instant::now();
    std::thread::scope(|scope| {
        for writer in 0..WRITERS {
            let command = &command;
            scope.spawn(move || {
                for i in 0..SETS_PER_WRITER {
                    run(command(writer * SETS_PER_WRITER + i));
                }
            });
        }
    });
    started.elapsed()
}

/// Each round adds one mapping to each of 400 distinct organizations in its own integration:
/// `orgmap set`, against sqlite3 inserting the mapping (when the organization exists and has
/// none there yet) and its audit row in one transaction, WAL mode, synchronous=FULL.
pub fn concurrent_set(stores: &Stores) {
    assert!(stores.mappings / 10 >= WRITERS * SETS_PER_WRITER, "the set row needs 400 organizations");
    let wal = Command::new("sqlite3").arg(&stores.sqlite).arg("PRAGMA journal_mode=WAL;").output().expect("sqlite3");
    assert!(wal.status.success() && String::from_utf8_lossy(&wal.stdout).trim() == "wal", "WAL mode");
    let (mut ours, mut theirs) = (Vec::new(), Vec::new());
    for round in 0..SET_ROUNDS {
        let integration = format!("set{round}");
        ours.push(writers(|org| {
            let external = format!("{}", 7_000_000 + round * 10_000 + org);
            stores.orgmap(&["set", &integration, &external, "--org", &format!("org{org}")])
        }));
        theirs.push(writers(|org| {
            let (id, at) = (ulid::Ulid::new(), orgmap::domain::now());
            let external = 7_000_000 + round * 10_000 + org;
            let sql = format!(
                "PRAGMA synchronous=FULL; BEGIN IMMEDIATE; \
                 INSERT INTO mappings SELECT '{id}', id, '{integration}', '{external}', NULL, NULL, '{{}}', 1, 0, 1, '{at}', 'bench', '{at}', 'bench' FROM orgs \
                 WHERE id = 'org{org}' AND NOT EXISTS (SELECT 1 FROM mappings WHERE org_id = 'org{org}' AND integration = '{integration}' AND active = 1); \
                 INSERT INTO audit (at, actor, action, org_id, integration, after) VALUES ('{at}', 'bench', 'mapping.create', 'org{org}', '{integration}', json_object('external_org_id', '{external}')); \
                 COMMIT;"
            );
            let mut cmd = Command::new("sqlite3");
            cmd.arg("-cmd").arg(".timeout 60000").arg(&stores.sqlite).arg(sql);
            cmd
        }));
    }
    let added = Command::new("sqlite3")
        .arg(&stores.sqlite)
        .arg("SELECT count(*) FROM mappings WHERE integration LIKE 'set%'; SELECT count(*) FROM audit;")
        .output()
        .expect("sqlite3");
    let expected = WRITERS * SETS_PER_WRITER * SET_ROUNDS;
    assert_eq!(String::from_utf8_lossy(&added.stdout), format!("{expected}\n{expected}\n"), "every insert landed");
    println!(
        "{WRITERS} × {SETS_PER_WRITER} concurrent set, distinct orgs (median of {SET_ROUNDS} rounds): {}",
        versus(median(ours), "sqlite3 WAL inserts", median(theirs), Some(1.0))
    );
}

/// Exports the store and imports the export into a new store, against sqlite3 running the INSERT
/// script of the same rows into a new database.
pub fn import(report: &mut Report, stores: &Stores, label: &str) {
    let export = stores.dir.path().join("export.jsonl");
    let out = stores
        .orgmap(&["export", "--output", export.to_str().expect("utf-8 path")])
        .stderr(Stdio::piped())
        .output()
        .expect("export");
    assert!(out.status.success(), "export failed");
    let lines = std::fs::read(&export).expect("export").iter().filter(|&&b| b == b'\n').count();
    let target = stores.dir.path().join("imported");
    let (ours, peak) =
        time_and_peak_memory(orgmap_on(&target, &stores.config, &["import", export.to_str().expect("utf-8 path")]));
    let imported = stores.dir.path().join("imported.sqlite");
    let (theirs, _) = sqlite_script(&imported, &stores.script);
    let row = format!("import, {label}");
    println!(
        "{row} ({lines} lines): {}; {}",
        versus(ours, "sqlite3 INSERT script", theirs, None),
        report.peak(&row, peak, Some(mib(200, "200 MiB")))
    );
    println!("  imported store (informative): redb {} vs sqlite db {}", shown_size(&target), shown_size(&imported));
}
