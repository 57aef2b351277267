//! `cargo bench --bench picker`: the external-organization picker over 50,000 organizations.
//!
//! Measures the time to the first frame from a warm cache (read the cached list from the store,
//! build the rows, prepare the filter, draw the first screen) and the time the filter takes per
//! keystroke while a query is typed, erased and typed again.
//!
//! Goals: first frame ≤ 100 ms; filtering ≤ 16 ms per keystroke.

use std::time::{Duration, Instant};

use orgmap::domain::{DiscoveryCache, ExternalOrg, now};
use orgmap::output::picker::Filter;
use orgmap::store::{self, Access, Location, OpenOptions};

const ORGS: usize = 50_000;

const WORDS: [&str; 12] = [
    "Acme",
    "Globex",
    "Initech",
    "Umbrella",
    "Stark",
    "Wayne",
    "Cyberdyne",
    "Soylent",
    "Wonka",
    "Tyrell",
    "Hooli",
    "Vandelay",
];
const KINDS: [&str; 6] = ["Corporation", "Industries", "Holdings", "GmbH", "Partners", "Dental Clinic"];

fn organizations() -> Vec<ExternalOrg> {
    (0..ORGS)
        .map(|i| ExternalOrg {
            id: (100_000 + i).to_string(),
            name: Some(format!("{} {} {}", WORDS[i % WORDS.len()], KINDS[(i / 12) % KINDS.len()], i)),
            active: i % 23 != 0,
            extra: Default::default(),
            domains: Vec::new(),
            xrefs: Default::default(),
        })
        .collect()
}

fn percentile(samples: &mut [Duration], p: f64) -> Duration {
    samples.sort();
    samples[((samples.len() - 1) as f64 * p).round() as usize]
}

fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1000.0)
}

fn main() {
    if std::env::args().any(|a| a == "--list") {
        return;
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let location = Location::Redb(dir.path().join("store"));
    let options = OpenOptions::default();
    store::init(&location, "bench", &options).expect("init");
    {
        let store = store::open(&location, Access::Write, &options).expect("open");
        let mut tx = store.write().expect("write");
        tx.put_discovery(&DiscoveryCache {
            source_digest: None,
            integration: "bench".into(),
            fetched_at: now(),
            source: "http".into(),
            organizations: organizations(),
        })
        .expect("cache");
        tx.commit().expect("commit");
    }

    println!("# orgmap picker benchmark: {ORGS} external organizations");
    let mut first_frames = Vec::new();
    for _ in 0..10 {
        let started = Instant::now();
        let store = store::open(&location, Access::Read, &options).expect("open");
        let cache = store.read().expect("read").discovery("bench").expect("cache").expect("present");
        drop(store);
        let labels: Vec<String> = cache
            .organizations
            .iter()
            .map(|o| format!("{:<12} {}", o.id, orgmap::output::sanitize(o.name.as_deref().unwrap_or("(no name)"))))
            .collect();
        let search: Vec<String> =
            cache.organizations.iter().map(|o| format!("{} {}", o.id, o.name.as_deref().unwrap_or_default())).collect();
        let mut filter = Filter::new(search.iter().map(String::as_str));
        let first: Vec<String> = filter.update("").iter().take(15).map(|&i| labels[i as usize].clone()).collect();
        assert_eq!(first.len(), 15);
        first_frames.push(started.elapsed());
    }
    println!(
        "first frame from a warm cache (median of 10): {} (goal ≤ 100 ms)",
        ms(percentile(&mut first_frames, 0.5))
    );

    let search: Vec<String> =
        organizations().iter().map(|o| format!("{} {}", o.id, o.name.as_deref().unwrap_or_default())).collect();
    let mut filter = Filter::new(search.iter().map(String::as_str));
    let typed = ["a", "ac", "acm", "acme", "acme ", "acme d", "acme de", "acme den", "acme dent"];
    let mut per_key = Vec::new();
    for _ in 0..5 {
        for query in typed.iter().chain(typed.iter().rev().skip(1)).chain(["", "1", "12", "123", "1234"].iter()) {
            let started = Instant::now();
            let matches = filter.update(query).len();
            per_key.push(started.elapsed());
            if *query == "acme dent" {
                assert!(matches > 0 && matches < ORGS / 10, "the filter narrows: {matches}");
            }
        }
    }
    let median = percentile(&mut per_key, 0.5);
    let p95 = percentile(&mut per_key, 0.95);
    let worst = percentile(&mut per_key, 1.0);
    println!(
        "filtering per keystroke over {} keys: median {}, p95 {}, worst {} (goal ≤ 16 ms)",
        per_key.len(),
        ms(median),
        ms(p95),
        ms(worst)
    );
}
