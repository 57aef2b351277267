//! `cargo bench --bench reconcile` (needs GNU time: `apt-get install time`): the reconcile paths
//! of the binary on a large synthetic MSP, at two sizes to show how each grows.
//!
//! - `coverage --json` over N organizations × 8 integrations (90 % mapped, lists cached);
//!   goal ≤ 300 ms at 10,000;
//! - `org import` of N external organizations into an empty store; goal ≤ 3 s at 10,000;
//! - `suggest` for N unmapped organizations against N listed ones; goal ≤ 1 s and ≤ 200 MB at
//!   10,000 × 10,000.

use std::path::Path;
use std::process::Command;
use std::time::Duration;

mod measure;

use measure::{median, ms, time_and_peak_memory};
use orgmap::domain::{DiscoveryCache, ExternalOrg, Mapping, Org, now};
use orgmap::store::{self, Access, Location, OpenOptions};

const BIN: &str = env!("CARGO_BIN_EXE_orgmap");
const INTEGRATIONS: usize = 8;
const WORDS: &[&str] = &[
    "Acme",
    "Globex",
    "Initech",
    "Umbrella",
    "Stark",
    "Wayne",
    "Hooli",
    "Vandelay",
    "Soylent",
    "Tyrell",
    "Cyberdyne",
    "Oscorp",
    "Wonka",
    "Gringotts",
    "Monarch",
    "Aperture",
    "Black Mesa",
    "Duff",
    "Krusty",
    "Nakatomi",
];
const KINDS: &[&str] = &["Dental", "Logistics", "Holdings", "Legal", "Consulting", "Bakery", "Clinic", "Motors"];

fn name(n: usize) -> String {
    format!("{} {} {}", WORDS[n % WORDS.len()], KINDS[(n / WORDS.len()) % KINDS.len()], n)
}

fn org(n: usize) -> Org {
    let at = now();
    Org {
        id: format!("org{n}"),
        name: name(n),
        active: true,
        domains: if n.is_multiple_of(5) { vec![format!("org{n}.example")] } else { Vec::new() },
        aliases: Vec::new(),
        created_at: at,
        created_by: "bench".into(),
        updated_at: at,
        updated_by: "bench".into(),
    }
}

fn external(n: usize) -> ExternalOrg {
    ExternalOrg {
        id: (100_000 + n).to_string(),
        // Names as another system writes them: legal forms, case.
        name: Some(format!("{} {}", name(n).to_uppercase(), ["Inc", "GmbH", "Ltd", "LLC"][n % 4])),
        active: !n.is_multiple_of(50),
        extra: Default::default(),
        domains: if n.is_multiple_of(5) { vec![format!("https://www.org{n}.example/")] } else { Vec::new() },
        xrefs: Default::default(),
    }
}

fn config(dir: &Path) -> std::path::PathBuf {
    let text: String = (0..INTEGRATIONS)
        .map(|i| {
            format!(
                "[integrations.int{i}]\ndisplay_name = \"Integration {i}\"\nsupports_org_mapping = true\nlist_organizations = {{ kind = \"file\", path = \"int{i}.json\" }}\n\n"
            )
        })
        .collect();
    let path = dir.join("integrations.toml");
    std::fs::write(&path, text).expect("config");
    path
}

fn list_file(dir: &Path, integration: usize, orgs: usize) {
    let records: Vec<serde_json::Value> = (0..orgs)
        .map(|n| {
            let e = external(n);
            serde_json::json!({ "id": e.id, "name": e.name, "active": e.active })
        })
        .collect();
    std::fs::write(dir.join(format!("int{integration}.json")), serde_json::to_vec(&records).unwrap()).expect("list");
}

/// A store of `orgs` organizations, 90 % mapped in each integration, with every list cached.
fn store(dir: &Path, orgs: usize, mapped: bool) -> std::path::PathBuf {
    let store_dir = dir.join("store");
    let location = Location::Redb(store_dir.clone());
    store::init(&location, "bench", &OpenOptions::default()).expect("init");
    let store = store::open(&location, Access::Write, &OpenOptions::default()).expect("open");
    let mut tx = store.write().expect("write");
    let at = now();
    for n in 0..orgs {
        tx.put_org(&org(n)).expect("org");
        for integration in 0..INTEGRATIONS {
            if !mapped || (n + integration) % 10 == 0 {
                continue;
            }
            let e = external(n);
            tx.put_mapping(
                None,
                &Mapping {
                    mapping_id: ulid::Ulid::new().to_string(),
                    org_id: format!("org{n}"),
                    integration: format!("int{integration}"),
                    external_org_id: e.id,
                    external_org_name: e.name,
                    label: None,
                    metadata: Default::default(),
                    active: true,
                    verified: n % 100 != 1,
                    revision: 1,
                    created_at: at,
                    created_by: "bench".into(),
                    updated_at: at,
                    updated_by: "bench".into(),
                    source: None,
                },
            )
            .expect("mapping");
        }
    }
    for integration in 0..INTEGRATIONS {
        tx.put_discovery(&DiscoveryCache {
            integration: format!("int{integration}"),
            fetched_at: at,
            source: "file".into(),
            source_digest: None,
            organizations: (0..orgs).map(external).collect(),
        })
        .expect("cache");
        list_file(dir, integration, orgs);
    }
    tx.commit().expect("commit");
    store_dir
}

fn orgmap(dir: &Path, store: &Path, args: &[&str]) -> Command {
    let mut cmd = Command::new(BIN);
    cmd.current_dir(dir)
        .env("ORGMAP_CONFIG", dir.join("integrations.toml"))
        .env("ORGMAP_STORE", store)
        .env("ORGMAP_ACTOR", "bench")
        .args(args);
    cmd
}

fn mb(bytes: u64) -> String {
    format!("{:.1} MB", bytes as f64 / 1e6)
}

fn bench_coverage(orgs: usize) {
    let dir = tempfile::tempdir().expect("temp dir");
    config(dir.path());
    let store_dir = store(dir.path(), orgs, true);
    let runs: Vec<(Duration, u64)> =
        (0..5).map(|_| time_and_peak_memory(orgmap(dir.path(), &store_dir, &["coverage", "--json"]))).collect();
    let peak = runs.iter().map(|r| r.1).max().unwrap_or_default();
    let time = median(runs.into_iter().map(|r| r.0).collect());
    println!(
        "coverage --json, {orgs} orgs × {INTEGRATIONS} integrations: {} median of 5, {} peak (goal ≤ 300 ms at 10,000)",
        ms(time),
        mb(peak)
    );
}

fn bench_import(orgs: usize) {
    let dir = tempfile::tempdir().expect("temp dir");
    config(dir.path());
    list_file(dir.path(), 0, orgs);
    let store_dir = dir.path().join("store");
    let location = Location::Redb(store_dir.clone());
    store::init(&location, "bench", &OpenOptions::default()).expect("init");
    let (time, peak) = time_and_peak_memory(orgmap(dir.path(), &store_dir, &["org", "import", "int0", "--json"]));
    println!("org import of {orgs}: {} and {} peak (goal ≤ 3 s at 10,000)", ms(time), mb(peak));
}

fn bench_suggest(orgs: usize) {
    let dir = tempfile::tempdir().expect("temp dir");
    config(dir.path());
    let store_dir = store(dir.path(), orgs, false);
    // The list is cached and fresh for this config: what a run right after `discover` sees.
    let fetched =
        orgmap(dir.path(), &store_dir, &["discover", "int0", "--refresh", "--json"]).output().expect("discover");
    assert!(fetched.status.success(), "{}", String::from_utf8_lossy(&fetched.stderr));
    let runs: Vec<(Duration, u64)> =
        (0..3).map(|_| time_and_peak_memory(orgmap(dir.path(), &store_dir, &["suggest", "int0", "--json"]))).collect();
    let peak = runs.iter().map(|r| r.1).max().unwrap_or_default();
    let time = median(runs.into_iter().map(|r| r.0).collect());
    println!(
        "suggest, {orgs} orgs × {orgs} listed: {} median of 3, {} peak (goal ≤ 1 s, ≤ 200 MB at 10,000)",
        ms(time),
        mb(peak)
    );
}

fn main() {
    for orgs in [1_000, 10_000] {
        bench_coverage(orgs);
        bench_import(orgs);
        bench_suggest(orgs);
    }
}
