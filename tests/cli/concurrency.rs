//! Many orgmap processes at once, as workflow runs call it: readers share the store, writers
//! queue on the lock file, and nothing is lost.

use std::process::{Child, Stdio};
use std::thread;

use crate::common::TestEnv;

fn spawn(env: &TestEnv, args: &[&str]) -> Child {
    let mut cmd = env.std_cmd();
    cmd.env("ORGMAP_LOCK_TIMEOUT", "120")
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn orgmap")
}

#[test]
fn thirty_two_concurrent_gets_all_succeed() {
    let env = TestEnv::with_org();
    let id = env.map("demo", "12345", "acme");
    let children: Vec<Child> = (0..32).map(|_| spawn(&env, &["get", "demo", "--org", "acme", "--json"])).collect();
    for child in children {
        let out = child.wait_with_output().expect("wait");
        assert!(out.status.success(), "a concurrent get failed: {}", String::from_utf8_lossy(&out.stderr));
        let mapping: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
        assert_eq!(mapping["mapping_id"], id.as_str());
        assert_eq!(mapping["external_org_id"], "12345");
    }
}

#[test]
fn eight_writers_creating_fifty_mappings_each_all_land() {
    let env = TestEnv::with_org();
    thread::scope(|scope| {
        for worker in 0..8 {
            let env = &env;
            scope.spawn(move || {
                for i in 0..50 {
                    let external_id = (worker * 1000 + i).to_string();
                    let args = ["map", "demo", &external_id, "--org", "acme", "--add", "--label", &external_id];
                    let out = spawn(env, &args).wait_with_output().expect("wait");
                    assert!(out.status.success(), "map {external_id} failed: {}", String::from_utf8_lossy(&out.stderr));
                }
            });
        }
    });
    let mappings = env.mappings();
    assert_eq!(mappings.len(), 400);
    let mut ids: Vec<&str> = mappings.iter().map(|m| m["external_org_id"].as_str().unwrap()).collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), 400, "every mapping has its own external ID");
    let creates = env.audit().iter().filter(|e| e["action"] == "mapping.create").count();
    assert_eq!(creates, 400);
    assert_eq!(env.json(&["list", "--org", "acme", "--integration", "demo"]).as_array().unwrap().len(), 400);
    assert_eq!(
        env.json(&["integrations", "demo"])[0]["mapping_count"],
        400,
        "the by-integration index agrees with the records"
    );
    let store = env.open_store(orgmap::store::Access::Read);
    assert_eq!(store.verify().expect("verify"), Vec::<String>::new());
}

#[test]
fn racing_sets_on_an_org_without_a_mapping_create_exactly_one() {
    let env = TestEnv::with_org();
    let children: Vec<Child> =
        (0..8).map(|i| spawn(&env, &["set", "demo", &format!("{}", 500 + i), "--org", "acme", "--json"])).collect();
    let mut outcomes: Vec<String> = children
        .into_iter()
        .map(|child| {
            let out = child.wait_with_output().expect("wait");
            assert!(out.status.success(), "set failed: {}", String::from_utf8_lossy(&out.stderr));
            let result: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
            result["outcome"].as_str().unwrap().to_owned()
        })
        .collect();
    outcomes.sort();
    assert_eq!(outcomes.iter().filter(|o| *o == "created").count(), 1, "{outcomes:?}");
    assert_eq!(env.mappings().len(), 1);
    env.ok(&["get", "demo", "--org", "acme"]);
}

#[test]
fn a_writer_held_too_long_makes_others_give_up_with_exit_9() {
    let env = TestEnv::redb_with_org();
    // Hold the store's lock exclusively, as a long write would.
    let lock = std::fs::OpenOptions::new().write(true).open(env.store.join("orgmap.lock")).expect("lock file");
    lock.lock().expect("lock");
    let out = env.cmd().env("ORGMAP_LOCK_TIMEOUT", "0.3").args(["get", "demo", "--org", "acme"]).output().unwrap();
    assert_eq!(out.status.code(), Some(9));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("busy"), "{stderr}");
    assert!(stderr.contains("ORGMAP_LOCK_TIMEOUT"), "the hint says how to wait longer: {stderr}");
    drop(lock);
    let out = env.cmd().env("ORGMAP_LOCK_TIMEOUT", "0.3").args(["org", "list"]).output().unwrap();
    assert!(out.status.success(), "the store is usable again once the lock is released");
}
