//! `cargo bench --bench discover`: discovery against a local fixture server that answers each page
//! after 50 ms, as a real API would.
//!
//! Measures in one run: `orgmap discover` of 10,000 organizations (100 a page, default
//! concurrency) against a plain `curl` loop fetching the same 100 pages one after another (what a
//! scripter would write), and a cached `orgmap discover --json` of the 10,000.
//!
//! Goals: discover ≤ 0.35× the curl loop's wall time; cached discover ≤ 50 ms.

use std::collections::HashMap;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::Query;
use axum::routing::get;
use serde_json::json;

const BIN: &str = env!("CARGO_BIN_EXE_orgmap");
const TOTAL: u64 = 10_000;
const PAGE: u64 = 100;
const LATENCY: Duration = Duration::from_millis(50);

async fn page(Query(query): Query<HashMap<String, String>>) -> axum::Json<serde_json::Value> {
    tokio::time::sleep(LATENCY).await;
    let page: u64 = query.get("page").and_then(|p| p.parse().ok()).unwrap_or(1);
    let size: u64 = query.get("page_size").and_then(|p| p.parse().ok()).unwrap_or(PAGE);
    let first = (page - 1) * size + 1;
    let items: Vec<_> = (first..(first + size).min(TOTAL + 1))
        .map(|id| json!({ "id": id, "name": format!("Customer {id}"), "inactive": id % 17 == 0 }))
        .collect();
    axum::Json(json!({ "record_count": TOTAL, "clients": items }))
}

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1000.0)
}

fn main() {
    if std::env::args().any(|a| a == "--list") {
        return;
    }
    if Command::new("curl").arg("--version").stdout(Stdio::null()).status().is_err() {
        eprintln!("the benchmark needs curl as its baseline: apt-get install curl");
        std::process::exit(1);
    }
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().expect("runtime");
    let listener = runtime.block_on(tokio::net::TcpListener::bind("127.0.0.1:0")).expect("bind");
    let addr = listener.local_addr().expect("addr");
    runtime.spawn(async move {
        let _ = axum::serve(listener, Router::new().route("/orgs", get(page))).await;
    });
    let base = format!("http://{addr}");

    let dir = tempfile::tempdir().expect("temp dir");
    let config = dir.path().join("integrations.toml");
    std::fs::write(
        &config,
        r#"[integrations.bench]
display_name = "Benchmark PSA"
supports_org_mapping = true

[integrations.bench.list_organizations]
kind = "http"
url = "{env.BENCH_URL}/orgs"
pagination = { kind = "page", param = "page", start = 1, size_param = "page_size", size = 100, total_count = "$.record_count" }
records = { path = "$.clients[*]", inactive = [{ path = "$.inactive", eq = true }] }
"#,
    )
    .expect("config");
    let orgmap = |args: &[&str]| {
        let mut cmd = Command::new(BIN);
        cmd.args(args)
            .env("ORGMAP_CONFIG", &config)
            .env("ORGMAP_STORE", dir.path().join("store"))
            .env("ORGMAP_ACTOR", "bench")
            .env("BENCH_URL", &base)
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit());
        cmd
    };
    assert!(orgmap(&["init", "-q"]).status().expect("init").success());

    println!("# orgmap discover benchmark: {TOTAL} organizations, {PAGE} a page, {} ms a page", LATENCY.as_millis());
    let mut ours = Vec::new();
    let mut theirs = Vec::new();
    for _ in 0..3 {
        let started = Instant::now();
        let out = orgmap(&["discover", "bench", "--refresh", "--json", "--limit", "1"]).output().expect("discover");
        ours.push(started.elapsed());
        assert!(out.status.success(), "discover failed");
        let listing: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
        assert_eq!(listing["total"], TOTAL, "every organization was discovered");

        let script = format!(
            "for p in $(seq 1 {}); do curl -sf \"{base}/orgs?page=$p&page_size={PAGE}\" > /dev/null || exit 1; done",
            TOTAL / PAGE
        );
        let started = Instant::now();
        assert!(Command::new("bash").arg("-c").arg(&script).status().expect("curl loop").success());
        theirs.push(started.elapsed());
    }
    let (ours, theirs) = (median(ours), median(theirs));
    println!(
        "discover --refresh (median of 3): orgmap {} vs curl loop {} → {:.2}× (goal ≤ 0.35×)",
        ms(ours),
        ms(theirs),
        ours.as_secs_f64() / theirs.as_secs_f64()
    );

    let cached: Vec<Duration> = (0..20)
        .map(|_| {
            let started = Instant::now();
            let out = orgmap(&["discover", "bench", "--json"]).output().expect("discover");
            let elapsed = started.elapsed();
            assert!(out.status.success());
            assert!(out.stdout.len() > 100_000, "the whole list was printed");
            elapsed
        })
        .collect();
    println!("cached discover --json of {TOTAL} (median of 20): {} (goal ≤ 50 ms)", ms(median(cached)));
}
