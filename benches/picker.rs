//! `cargo bench --bench picker`: the external-organization picker over 50,000 organizations.
//!
//! Measures the time to the first frame from a warm cache (read the cached list from the store,
//! build the rows, prepare the filter, lay out the first screen) and, per keystroke while a query
//! is typed, erased and typed again, the time the filter takes and the time the picker takes to
//! apply the key and lay out the next frame (everything but writing it to the terminal).
//!
//! Goals: first frame ≤ 100 ms; filtering ≤ 16 ms per keystroke.

use std::time::{Duration, Instant};

use orgmap::domain::{DiscoveryCache, ExternalOrg, now};
use orgmap::output::keys::Key;
use orgmap::output::picker::{Filter, Picker, State};
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
        let picker = Picker::list("Bench organization:", &labels, &search);
        let state = State::new(&picker);
        let (first, _) = state.frame(80, 24);
        assert_eq!(first.len(), 17, "the input line, 15 rows and the footer");
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
    report("filtering per keystroke", &mut per_key);

    let labels: Vec<String> = search.clone();
    let picker = Picker::list("Bench organization:", &labels, &search);
    let mut state = State::new(&picker);
    let mut keys: Vec<Key> = "acme dent".chars().map(Key::Char).collect();
    keys.extend(std::iter::repeat_n(Key::Backspace, 8));
    keys.push(Key::EraseLine);
    keys.extend("1234".chars().map(Key::Char));
    let mut per_frame = Vec::new();
    for _ in 0..5 {
        for key in &keys {
            let started = Instant::now();
            state.key(*key, 24);
            let (lines, _) = state.frame(80, 24);
            per_frame.push(started.elapsed());
            assert!(lines.len() >= 2 && state.matching() <= ORGS);
        }
        state.key(Key::EraseLine, 24);
    }
    report("key and next frame", &mut per_frame);
}

fn report(what: &str, samples: &mut [Duration]) {
    let median = percentile(samples, 0.5);
    let p95 = percentile(samples, 0.95);
    let worst = percentile(samples, 1.0);
    println!(
        "{what} over {} keys: median {}, p95 {}, worst {} (goal ≤ 16 ms)",
        samples.len(),
        ms(median),
        ms(p95),
        ms(worst)
    );
}
