//! `scripts/with-postgres cargo bench --bench backends`: the same workload on both stores, in one run.
//!
//! Builds 10,000 mappings (1,000 orgs × 10 integrations) in a redb store and in a PostgreSQL
//! store on the server `scripts/with-postgres` starts (set `WITH_POSTGRES_DURABLE=1` for a server
//! that fsyncs, as in production), then measures on each (PostgreSQL twice: with TLS, which
//! that server offers, and with `sslmode=disable`):
//! - the median wall time of `orgmap get INTEGRATION --org ORG --json` (a whole process: start,
//!   connect, read, print), over 200 runs;
//! - 16 processes at once, each running 50 `orgmap set` one after another (800 changes, each a
//!   transaction with its audit event): wall time and changes per second.
//!
//! Without `ORGMAP_TEST_POSTGRES` (set by `scripts/with-postgres`) it says so and measures nothing.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

mod common;

use common::{INTEGRATIONS, config_text, mapping, org};
use orgmap::store::{self, Access, Location, OpenOptions};

const ORGS: usize = 1_000;
const GET_RUNS: usize = 200;
const WRITERS: usize = 16;
const SETS_PER_WRITER: usize = 50;
const BIN: &str = env!("CARGO_BIN_EXE_orgmap");

struct Backend {
    name: &'static str,
    /// Whether to build the data (the last backend reuses the PostgreSQL database).
    fill: bool,
    /// `ORGMAP_STORE` for orgmap: a directory or a URL.
    store: String,
    options: OpenOptions,
    password: Option<String>,
}

fn fill(backend: &Backend) {
    let location = Location::parse(backend.store.as_ref()).expect("location");
    store::init(&location, "bench", &backend.options).expect("init");
    let store = store::open(&location, Access::Write, &backend.options).expect("open");
    let mut tx = store.write().expect("write");
    for n in 0..ORGS {
        tx.put_org(&org(n)).expect("org");
        for integration in 0..INTEGRATIONS {
            tx.put_mapping(None, &mapping(n, integration)).expect("mapping");
        }
    }
    tx.commit().expect("commit");
}

fn orgmap(backend: &Backend, config: &Path) -> Command {
    let mut cmd = Command::new(BIN);
    cmd.env("ORGMAP_STORE", &backend.store)
        .env("ORGMAP_CONFIG", config)
        .env("ORGMAP_ACTOR", "bench")
        .env_remove("ORGMAP_ORG")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    if let Some(password) = &backend.password {
        cmd.env("PGPASSWORD", password);
    }
    cmd
}

fn run(mut cmd: Command) {
    let out = cmd.output().expect("run orgmap");
    assert!(out.status.success(), "{cmd:?} failed: {}", String::from_utf8_lossy(&out.stderr));
}

/// The median wall time of `get` over random orgs and integrations.
fn get_median(backend: &Backend, config: &Path) -> Duration {
    let mut seed = 0x9E37_79B9_7F4A_7C15_u64;
    let mut samples: Vec<Duration> = (0..GET_RUNS)
        .map(|_| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            let org = seed as usize % ORGS;
            let integration = (seed >> 32) as usize % INTEGRATIONS;
            let mut cmd = orgmap(backend, config);
            cmd.args(["get", &format!("int{integration}"), "--org", &format!("org{org}"), "--json"]);
            let started = Instant::now();
            run(cmd);
            started.elapsed()
        })
        .collect();
    samples.sort();
    samples[samples.len() / 2]
}

/// 16 writers × 50 `set`s, each changing one mapping's external ID: the wall time.
fn concurrent_sets(backend: &Backend, config: &Path, round: usize) -> Duration {
    let started = Instant::now();
    std::thread::scope(|scope| {
        for writer in 0..WRITERS {
            scope.spawn(move || {
                for i in 0..SETS_PER_WRITER {
                    let org = writer * SETS_PER_WRITER + i;
                    let external = format!("{}", 900_000 + round * 10_000 + org);
                    let mut cmd = orgmap(backend, config);
                    cmd.args(["set", "int0", &external, "--org", &format!("org{org}")]);
                    run(cmd);
                }
            });
        }
    });
    started.elapsed()
}

fn main() {
    let (Ok(server), Ok(password)) =
        (std::env::var("ORGMAP_TEST_POSTGRES"), std::env::var("ORGMAP_TEST_POSTGRES_PASSWORD"))
    else {
        eprintln!("backends: no PostgreSQL server; run `scripts/with-postgres cargo bench --bench backends`");
        return;
    };
    let dir = tempfile::tempdir().expect("temp dir");
    let config = dir.path().join("integrations.toml");
    std::fs::write(&config, config_text()).expect("config");

    let dbname = format!("orgmap_bench_{}", std::process::id());
    let mut admin: postgres::Config = server.parse().expect("server URL");
    admin.password(&password);
    let mut client = admin.connect(postgres::NoTls).expect("connect to PostgreSQL");
    client.batch_execute(&format!("CREATE DATABASE {dbname}")).expect("create database");

    let pg_options = OpenOptions {
        postgres_password: Some(orgmap::secrets::SecretRef {
            env: Some("ORGMAP_TEST_POSTGRES_PASSWORD".into()),
            command: None,
            file: None,
        }),
        ..OpenOptions::default()
    };
    let pg_url = format!("{}/{dbname}", server.rsplit_once('/').expect("URL with a database").0);
    let backends = [
        Backend {
            name: "redb",
            fill: true,
            store: dir.path().join("store").display().to_string(),
            options: OpenOptions::default(),
            password: None,
        },
        Backend {
            name: "PostgreSQL",
            fill: true,
            store: pg_url.clone(),
            options: pg_options.clone(),
            password: Some(password.clone()),
        },
        Backend {
            name: "PG, no TLS",
            fill: false,
            store: format!("{pg_url}?sslmode=disable"),
            options: pg_options,
            password: Some(password.clone()),
        },
    ];
    let mut results = Vec::new();
    for (round, backend) in backends.iter().enumerate() {
        if backend.fill {
            fill(backend);
        }
        // Warm the page cache and the server before measuring.
        for _ in 0..5 {
            let mut cmd = orgmap(backend, &config);
            cmd.args(["get", "int1", "--org", "org1", "--json"]);
            run(cmd);
        }
        let get = get_median(backend, &config);
        let sets = concurrent_sets(backend, &config, round + 1);
        results.push((backend.name, get, sets));
    }
    client.batch_execute(&format!("DROP DATABASE {dbname} WITH (FORCE)")).expect("drop database");

    let changes = (WRITERS * SETS_PER_WRITER) as f64;
    println!("{ORGS} orgs × {INTEGRATIONS} integrations = {} mappings", ORGS * INTEGRATIONS);
    println!("PostgreSQL: TLS as the server offers it (sslmode=prefer, the default), then without");
    println!("{:<12} {:>16} {:>34}", "store", "get --json p50", "16 writers × 50 set (throughput)");
    for (name, get, sets) in &results {
        println!(
            "{name:<12} {:>13.2} ms {:>18.2} s ({:>6.0} sets/s)",
            get.as_secs_f64() * 1000.0,
            sets.as_secs_f64(),
            changes / sets.as_secs_f64()
        );
    }
    let (_, redb_get, redb_sets) = results[0];
    let (_, pg_get, pg_sets) = results[1];
    println!(
        "PostgreSQL / redb: get {:.2}×, set throughput {:.2}×",
        pg_get.as_secs_f64() / redb_get.as_secs_f64(),
        redb_sets.as_secs_f64() / pg_sets.as_secs_f64()
    );
}
