//! `orgmap init`, and what every other command does when there is no usable store.

use std::os::unix::fs::PermissionsExt;

use crate::common::{ADMIN, Backend, TestEnv, actions};

#[test]
fn init_creates_the_store_and_reports_it_as_json() {
    let env = TestEnv::new();
    let out = env.json(&["init"]);
    assert_eq!(out["outcome"], "created");
    assert_eq!(out["actor"], ADMIN);
    match &env.database {
        None => {
            assert_eq!(out["store"], env.store.to_str().unwrap());
            assert!(env.store.join("orgmap.redb").is_file(), "the database file exists");
        }
        Some(db) => {
            assert_eq!(out["store"], db.url.as_str(), "the URL, no password");
            assert_eq!(out["roles"]["manager_role"], "orgmap_manager");
            assert_eq!(out["roles"]["applied"], false);
            assert!(out["roles"]["sql"].as_str().unwrap().contains("GRANT"), "{out}");
        }
    }
}

#[test]
fn init_creates_the_store_directory_private_to_its_owner() {
    let env = TestEnv::initialized_on(Backend::Redb);
    let mode = std::fs::metadata(&env.store).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o700, "store directory mode is {mode:o}");
}

#[test]
fn init_prints_its_status_on_stderr_and_nothing_on_stdout() {
    let env = TestEnv::new();
    let out = env.run(&["init"]);
    assert!(out.status.success());
    let stdout = String::from_utf8_lossy(&out.stdout);
    match env.backend {
        Backend::Redb => assert!(stdout.is_empty(), "stdout: {stdout}"),
        // The role setup is a result, to pipe into psql.
        Backend::Postgres => assert!(stdout.contains("GRANT orgmap_reader TO orgmap_manager"), "stdout: {stdout}"),
    }
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("created the store"), "{stderr}");
    assert!(stderr.contains("admin holds manage-config"), "{stderr}");
}

#[test]
fn the_actor_who_runs_init_holds_manage_config() {
    let env = TestEnv::initialized();
    let access = env.json(&["access", "list"]);
    let grants = access.as_array().unwrap();
    assert_eq!(grants.len(), 1, "{access}");
    assert_eq!(grants[0]["actor"], ADMIN);
    assert_eq!(grants[0]["permissions"], serde_json::json!(["manage-config"]));
    assert_eq!(grants[0]["granted_by"], ADMIN);
    assert!(grants[0]["granted_at"].as_str().is_some_and(|at| !at.is_empty()));
}

#[test]
fn init_is_audited_as_store_init() {
    let env = TestEnv::initialized();
    let events = env.audit();
    assert_eq!(actions(&events), ["store.init"]);
    let event = &events[0];
    assert_eq!(event["actor"], ADMIN);
    assert_eq!(event["outcome"], "ok");
    assert_eq!(event["target"], "store");
    assert_eq!(event["after"]["actor"], ADMIN, "the event records the first grant");
    assert_eq!(event["after"]["permissions"], serde_json::json!(["manage-config"]));
}

#[test]
fn init_on_an_existing_store_changes_nothing() {
    let env = TestEnv::with_org();
    let before = env.state();
    let out = env.cmd().env("ORGMAP_ACTOR", "bob").args(["init", "--json"]).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let result: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(result["outcome"], "unchanged");
    assert_eq!(env.state(), before, "a second init grants nothing and audits nothing");
}

#[test]
fn init_without_a_store_option_uses_the_xdg_data_directory() {
    let env = TestEnv::redb();
    let out = env.cmd().env_remove("ORGMAP_STORE").args(["init"]).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(env.path().join("home/.local/share/orgmap/orgmap.redb").is_file());
    assert!(!env.store.exists(), "ORGMAP_STORE was not set, so its path is unused");
}

#[test]
fn the_store_flag_wins_over_orgmap_store() {
    let env = TestEnv::new();
    let elsewhere = env.path().join("elsewhere");
    env.ok(&["--store", elsewhere.to_str().unwrap(), "init"]);
    assert!(elsewhere.join("orgmap.redb").is_file());
    assert!(!env.store.exists());
}

#[test]
fn every_command_on_a_missing_store_exits_9_with_a_hint_to_run_init() {
    let env = TestEnv::new();
    for args in [
        &["org", "list"][..],
        &["org", "add", "acme", "--name", "Acme"],
        &["list"],
        &["get", "demo", "--org", "acme"],
        &["set", "demo", "1", "--org", "acme"],
        &["map", "demo", "1", "--org", "acme"],
        &["lookup", "demo", "1"],
        &["audit"],
        &["access", "list"],
    ] {
        let stderr = env.fails(9, args);
        assert!(stderr.contains("orgmap init"), "{args:?}: {stderr}");
    }
    assert!(!env.store.exists(), "no command but init creates the store");
}

#[test]
fn a_missing_store_is_a_json_error_of_kind_store_missing() {
    let env = TestEnv::new();
    let error = env.json_error(9, &["get", "demo", "--org", "acme"]);
    assert_eq!(error["kind"], "store_missing");
    assert!(error["message"].as_str().unwrap().contains(env.store.to_str().unwrap()), "{error}");
    assert!(error["hint"].as_str().unwrap().contains("orgmap init"), "{error}");
}

#[test]
fn usage_errors_win_over_a_missing_store() {
    let env = TestEnv::new();
    env.fails(2, &["get", "demo"]);
}

fn garbage_store(env: &TestEnv) -> Vec<u8> {
    std::fs::create_dir_all(&env.store).unwrap();
    let garbage: Vec<u8> = (0..20_000u32).map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8).collect();
    std::fs::write(env.store.join("orgmap.redb"), &garbage).unwrap();
    garbage
}

#[test]
fn a_garbage_store_file_exits_9_and_is_left_as_it_was() {
    let env = TestEnv::redb();
    let garbage = garbage_store(&env);
    env.fails(9, &["org", "list"]);
    env.fails(9, &["get", "demo", "--org", "acme"]);
    env.fails(9, &["org", "add", "acme", "--name", "Acme"]);
    assert_eq!(std::fs::read(env.store.join("orgmap.redb")).unwrap(), garbage, "nothing rewrote the file");
}

#[test]
// Regression: a garbage orgmap.redb is reported as store_unavailable (check permissions) instead of store_damaged
fn a_garbage_store_file_is_reported_as_damaged() {
    let env = TestEnv::redb();
    garbage_store(&env);
    let error = env.json_error(9, &["org", "list"]);
    assert_eq!(error["kind"], "store_damaged", "{error}");
    assert!(error["hint"].as_str().unwrap().contains("backup"), "{error}");
}

#[test]
fn an_empty_store_file_exits_9() {
    let env = TestEnv::redb();
    std::fs::create_dir_all(&env.store).unwrap();
    std::fs::write(env.store.join("orgmap.redb"), b"").unwrap();
    env.fails(9, &["org", "list"]);
    env.fails(9, &["org", "add", "acme", "--name", "Acme"]);
}

#[test]
fn init_where_the_store_path_is_a_file_exits_9() {
    let env = TestEnv::redb();
    std::fs::write(&env.store, b"not a directory").unwrap();
    env.fails(9, &["init"]);
}
