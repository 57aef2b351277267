//! Writers killed with SIGKILL at random moments: every `set` that reported success survives,
//! and the indexes still agree with the records.

use std::process::Stdio;
use std::time::{Duration, SystemTime};

use crate::common::{TestEnv, XorShift};

const ORGS: usize = 12;
const ROUNDS: usize = 120;

#[test]
fn sets_killed_at_random_moments_lose_no_acknowledged_write() {
    let env = TestEnv::initialized();
    for org in 0..ORGS {
        env.ok(&["org", "add", &format!("org{org}"), "--name", &format!("Org {org}")]);
    }
    let seed = std::env::var("ORGMAP_CRASH_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| SystemTime::now().duration_since(SystemTime::UNIX_EPOCH).unwrap().as_nanos() as u64 | 1);
    eprintln!("crash test seed: {seed} (set ORGMAP_CRASH_SEED to replay)");
    let mut rng = XorShift(seed);
    // The round of the last acknowledged set of each org.
    let mut acknowledged: Vec<Option<usize>> = vec![None; ORGS];
    let (mut acked, mut killed) = (0, 0);
    for round in 0..ROUNDS {
        let org = round % ORGS;
        let mut cmd = env.std_cmd();
        let mut child = cmd
            .env("ORGMAP_LOCK_TIMEOUT", "60")
            .args([
                "set",
                "demo",
                &round.to_string(),
                "--org",
                &format!("org{org}"),
                "--meta",
                &format!("round={round}"),
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn");
        std::thread::sleep(Duration::from_micros(rng.next() % 25_000));
        let _ = child.kill();
        let status = child.wait().expect("wait");
        if status.success() {
            acknowledged[org] = Some(round);
            acked += 1;
        } else {
            killed += 1;
        }
    }
    eprintln!("{acked} sets acknowledged, {killed} killed");
    for (org, last) in acknowledged.iter().enumerate() {
        let Some(last) = last else { continue };
        let out = env.json(&["get", "demo", "--org", &format!("org{org}")]);
        let stored: usize = out["external_org_id"].as_str().unwrap().parse().unwrap();
        assert!(stored >= *last, "org{org}: the acknowledged set of round {last} was lost (found round {stored})");
        assert_eq!(out["metadata"]["round"], stored.to_string(), "record and metadata agree");
    }
    let store = env.open_store(orgmap::store::Access::Write);
    assert_eq!(store.verify().expect("verify"), Vec::<String>::new(), "indexes agree with records");
    drop(store);
    let sets =
        env.audit().iter().filter(|e| e["action"] == "mapping.create" || e["action"] == "mapping.update").count();
    assert!(sets >= acked, "every acknowledged set has its audit event ({sets} < {acked})");
}
