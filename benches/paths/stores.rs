//! The mapping stores the path benchmark measures: a redb store built through the library in one
//! transaction, and a sqlite database holding the same rows with the same indexes.

use std::io::{BufWriter, Write};
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::common::{INTEGRATIONS, config_text, mapping, org};
use crate::measure::time_and_peak_memory;
use crate::paths::report::in_mib;
use orgmap::store::{self, Access, Location, OpenOptions};

pub const BIN: &str = env!("CARGO_BIN_EXE_orgmap");

/// The integrations the concurrent-set row creates mappings in, one a round, so every `set` of
/// every round adds a mapping rather than changing one.
pub const SET_ROUNDS: usize = 3;

/// The schema both sides share: mappings indexed by (org_id, integration), organizations, and an
/// audit log for writes.
const SCHEMA: &str = "CREATE TABLE orgs (id TEXT PRIMARY KEY, name TEXT NOT NULL, active INTEGER, created_at TEXT, created_by TEXT, updated_at TEXT, updated_by TEXT);
CREATE TABLE mappings (mapping_id TEXT PRIMARY KEY, org_id TEXT NOT NULL, integration TEXT NOT NULL, external_org_id TEXT NOT NULL, external_org_name TEXT, label TEXT, metadata TEXT, active INTEGER, verified INTEGER, revision INTEGER, created_at TEXT, created_by TEXT, updated_at TEXT, updated_by TEXT);
CREATE INDEX by_org ON mappings (org_id, integration);
CREATE TABLE audit (id INTEGER PRIMARY KEY, at TEXT NOT NULL, actor TEXT NOT NULL, action TEXT NOT NULL, org_id TEXT, integration TEXT, after TEXT);
";

/// One size's pair of stores, in a temporary directory.
pub struct Stores {
    pub dir: tempfile::TempDir,
    pub config: PathBuf,
    pub redb: PathBuf,
    pub sqlite: PathBuf,
    /// The SQL script that built the sqlite database: schema and every row in one transaction.
    pub script: PathBuf,
    pub mappings: usize,
}

/// integrations.toml: the shared integrations and the concurrent-set row's.
fn config_with_writes() -> String {
    let mut text = config_text();
    for round in 0..SET_ROUNDS {
        text.push_str(&format!(
            "[integrations.set{round}]\ndisplay_name = \"Writes {round}\"\nsupports_org_mapping = true\n\n"
        ));
    }
    text
}

/// Builds both stores of `mappings` mappings (a tenth as many organizations) and prints how long
/// each took.
pub fn build(mappings: usize) -> Stores {
    let dir = tempfile::tempdir().expect("temp dir");
    let config = dir.path().join("integrations.toml");
    std::fs::write(&config, config_with_writes()).expect("config");
    let redb = dir.path().join("store");
    let script = dir.path().join("mappings.sql");
    let started = Instant::now();
    let location = Location::Redb(redb.clone());
    store::init(&location, "bench", &OpenOptions::default()).expect("init");
    let store = store::open(&location, Access::Write, &OpenOptions::default()).expect("open");
    let mut tx = store.write().expect("write");
    let mut sql = BufWriter::new(std::fs::File::create(&script).expect("script"));
    sql.write_all(SCHEMA.as_bytes()).and_then(|()| sql.write_all(b"BEGIN;\n")).expect("script");
    for n in 0..mappings / INTEGRATIONS {
        let o = org(n);
        tx.put_org(&o).expect("org");
        writeln!(
            sql,
            "INSERT INTO orgs VALUES ('{}','{}',1,'{}','bench','{}','bench');",
            o.id, o.name, o.created_at, o.updated_at
        )
        .expect("script");
        for integration in 0..INTEGRATIONS {
            let m = mapping(n, integration);
            tx.put_mapping(None, &m).expect("mapping");
            writeln!(
                sql,
                "INSERT INTO mappings VALUES ('{}','{}','{}','{}','{}',NULL,'{}',1,1,1,'{}','bench','{}','bench');",
                m.mapping_id,
                m.org_id,
                m.integration,
                m.external_org_id,
                m.external_org_name.as_deref().unwrap_or_default(),
                serde_json::to_string(&m.metadata).expect("metadata"),
                m.created_at,
                m.updated_at
            )
            .expect("script");
        }
    }
    tx.commit().expect("commit");
    drop(store);
    sql.write_all(b"COMMIT;\n").and_then(|()| sql.flush()).expect("script");
    let redb_time = started.elapsed();
    let sqlite = dir.path().join("mappings.sqlite");
    let (sqlite_time, _) = sqlite_script(&sqlite, &script);
    println!(
        "built in {:.1} s (redb, through the library in one transaction, and the SQL script) and {:.1} s (sqlite3 running the script)",
        redb_time.as_secs_f64(),
        sqlite_time.as_secs_f64()
    );
    Stores { dir, config, redb, sqlite, script, mappings }
}

/// Runs the build script into a new sqlite database: its wall time and peak memory.
pub fn sqlite_script(db: &Path, script: &Path) -> (Duration, u64) {
    let mut cmd = Command::new("sqlite3");
    cmd.arg(db).arg(format!(".read {}", script.display()));
    time_and_peak_memory(cmd)
}

impl Stores {
    /// `orgmap` on this size's store, stdout piped, stderr inherited.
    pub fn orgmap(&self, args: &[&str]) -> Command {
        orgmap_on(&self.redb, &self.config, args)
    }

    /// `sqlite3 MODE DB SQL` on this size's database.
    pub fn sqlite(&self, mode: &str, sql: &str) -> Command {
        let mut cmd = Command::new("sqlite3");
        cmd.arg(mode).arg(&self.sqlite).arg(sql).stdout(Stdio::piped());
        cmd
    }
}

pub fn orgmap_on(store: &Path, config: &Path, args: &[&str]) -> Command {
    let mut cmd = Command::new(BIN);
    cmd.args(args)
        .env("ORGMAP_STORE", store)
        .env("ORGMAP_CONFIG", config)
        .env("ORGMAP_ACTOR", "bench")
        .env_remove("ORGMAP_ORG")
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit());
    cmd
}

/// The length of every file under `path` (a file's own when it is one) and the bytes allocated
/// to them on disk.
pub fn disk_size(path: &Path) -> (u64, u64) {
    let meta = std::fs::metadata(path).expect("size");
    if !meta.is_dir() {
        return (meta.len(), meta.blocks() * 512);
    }
    std::fs::read_dir(path).expect("read dir").fold((0, 0), |(length, allocated), entry| {
        let (l, a) = disk_size(&entry.expect("entry").path());
        (length + l, allocated + a)
    })
}

/// `12.3 MiB (12.0 MiB allocated)`.
pub fn shown_size(path: &Path) -> String {
    let (length, allocated) = disk_size(path);
    format!("{} ({} allocated)", in_mib(length), in_mib(allocated))
}
