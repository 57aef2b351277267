//! The discovery rows: a 10^6-organization list served whole by a local fixture server (as an API
//! without pagination answers), fetched with and without an address-space limit, and the cached
//! list of 10,000 read back against sqlite3.

use std::io::Write;
use std::os::unix::process::ExitStatusExt;
use std::path::Path;
use std::process::{Command, Stdio};

use axum::Router;
use axum::body::Bytes;
use axum::http::header::CONTENT_TYPE;
use axum::routing::get;

use crate::measure::time_and_peak_memory;
use crate::paths::report::{Limit, Report, in_mib, pair, versus};
use crate::paths::stores::orgmap_on;

const BIG: usize = 1_000_000;
const SMALL: usize = 10_000;
const BIG_PEAK: Limit = Limit { bytes: 400_000_000, text: "400 MB" };
/// The address-space limit of the second fetch, in bytes (`ulimit -v 1000000`).
const AS_LIMIT: u64 = 1_000_000_000;

/// A JSON array of `n` organizations, about 34 bytes each.
fn list(n: usize) -> Bytes {
    let mut body = Vec::with_capacity(n * 36);
    body.push(b'[');
    for id in 1..=n {
        let comma = if id == n { "" } else { "," };
        write!(body, "{{\"id\":{id},\"name\":\"Org {id}\"}}{comma}").expect("write");
    }
    body.push(b']');
    Bytes::from(body)
}

fn config(base: &str) -> String {
    ["big", "small"]
        .iter()
        .map(|name| {
            format!(
                "[integrations.{name}]\ndisplay_name = \"{name}\"\nsupports_org_mapping = true\n\n\
                 [integrations.{name}.list_organizations]\nkind = \"http\"\nurl = \"{base}/{name}\"\n\
                 records = {{ path = \"$[*]\" }}\n\n"
            )
        })
        .collect()
}

pub fn run(report: &mut Report, runs: usize) {
    let (big, small) = (list(BIG), list(SMALL));
    let big_len = big.len();
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build().expect("runtime");
    let listener = runtime.block_on(tokio::net::TcpListener::bind("127.0.0.1:0")).expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("addr"));
    let serve = |body: Bytes| {
        get(move || {
            let body = body.clone();
            async move { ([(CONTENT_TYPE, "application/json")], body) }
        })
    };
    let app = Router::new().route("/big", serve(big)).route("/small", serve(small));
    runtime.spawn(async move {
        let _ = axum::serve(listener, app).await;
    });

    let dir = tempfile::tempdir().expect("temp dir");
    let config_path = dir.path().join("integrations.toml");
    std::fs::write(&config_path, config(&base)).expect("config");
    let store = dir.path().join("store");
    let orgmap = |args: &[&str]| orgmap_on(&store, &config_path, args);
    assert!(orgmap(&["init", "-q"]).status().expect("init").success());

    println!("\n## discovery");
    let row = "discover --refresh of 10^6 organizations";
    let (elapsed, peak) = time_and_peak_memory(orgmap(&["discover", "big", "--refresh"]));
    println!(
        "{row} ({:.1} MB in one answer, the table on a pipe): {:.2} s, {}",
        big_len as f64 / 1e6,
        elapsed.as_secs_f64(),
        report.peak(row, peak, Some(BIG_PEAK))
    );
    let (elapsed, peak) = time_and_peak_memory(orgmap(&["discover", "big", "--refresh", "--limit", "1"]));
    println!(
        "  again with --limit 1, over the cached list (fetch, compare and cache; informative): {:.2} s, peak {}",
        elapsed.as_secs_f64(),
        in_mib(peak)
    );
    limited(report, &orgmap(&["discover", "big", "--refresh"]));

    let sqlite = dir.path().join("discovered.sqlite");
    discovered_table(&sqlite);
    let refreshed =
        orgmap(&["discover", "small", "--refresh", "--limit", "1"]).stderr(Stdio::piped()).output().expect("discover");
    assert!(refreshed.status.success(), "discover small failed");
    let p = pair(
        runs,
        || orgmap(&["discover", "small", "--json"]),
        || {
            let mut cmd = Command::new("sqlite3");
            cmd.arg("-json")
                .arg(&sqlite)
                .arg("SELECT id, name, active, mapped_to FROM discovered WHERE integration = 'small'");
            cmd
        },
    );
    println!(
        "cached discover --json of {SMALL} (median of {runs}): {}",
        versus(p.ours, "sqlite3 -json", p.theirs, Some(1.0))
    );
    drop(runtime);
}

/// The same fetch with its address space limited: fine when it fits or fails with a message,
/// a FAIL when it is killed by a signal or panics.
fn limited(report: &mut Report, cmd: &Command) {
    let mut run = Command::new("prlimit");
    run.arg(format!("--as={AS_LIMIT}")).arg("--").arg(cmd.get_program()).args(cmd.get_args());
    for (key, value) in cmd.get_envs() {
        match value {
            Some(value) => run.env(key, value),
            None => run.env_remove(key),
        };
    }
    let out = run.stdout(Stdio::null()).stderr(Stdio::piped()).output().expect("prlimit");
    let stderr = String::from_utf8_lossy(&out.stderr);
    // The status line naming the integration comes first; what follows says what went wrong.
    let first = stderr
        .lines()
        .find(|l| !l.trim().is_empty() && !l.starts_with("big:"))
        .unwrap_or("(nothing on stderr but the status line)");
    let row = "discover of 10^6 under prlimit --as=1000000000";
    let (pass, what) = match (out.status.code(), out.status.signal()) {
        (Some(0), _) => (true, "fits: exit 0".to_owned()),
        (_, Some(signal)) => (false, format!("killed by signal {signal}")),
        (Some(101), _) => (false, "panicked: exit 101".to_owned()),
        (Some(code), _) if stderr.contains("memory allocation") => (false, format!("exit {code}, allocation failure")),
        (Some(code), _) => (true, format!("clear error: exit {code}")),
        (None, None) => (false, "no exit status".to_owned()),
    };
    println!("{row}: {what}; first stderr line after the status: {first} {}", report.check(row, pass, &what));
}

/// A sqlite table of the cached list's fields, holding the 10,000 organizations.
fn discovered_table(db: &Path) {
    let mut sql = String::from(
        "CREATE TABLE discovered (integration TEXT NOT NULL, id TEXT NOT NULL, name TEXT, active INTEGER, mapped_to TEXT, PRIMARY KEY (integration, id));\nBEGIN;\n",
    );
    for id in 1..=SMALL {
        sql.push_str(&format!("INSERT INTO discovered VALUES ('small','{id}','Org {id}',1,'[]');\n"));
    }
    sql.push_str("COMMIT;\n");
    let mut child = Command::new("sqlite3").arg(db).stdin(Stdio::piped()).spawn().expect("sqlite3");
    child.stdin.take().expect("stdin").write_all(sql.as_bytes()).expect("feed sqlite3");
    assert!(child.wait().expect("sqlite3").success());
}
