//! `orgmap audit` and `orgmap access`, and the manage-config permission every change needs.

use serde_json::{Value, json};

use crate::common::{ADMIN, Backend, TestEnv, actions};

const INTRUDER: &str = "intruder";

// ---- audit ----

/// init, org add, map, edit, access grant, unmap, org rename, org deactivate, org activate,
/// access revoke: every kind of change once.
fn every_change() -> (TestEnv, String) {
    let env = TestEnv::with_org();
    let id = env.map("demo", "100", "acme");
    env.ok(&["edit", &id, "--external-id", "200"]);
    env.ok(&["access", "grant", "bob"]);
    env.ok_as("bob", &["unmap", &id, "--yes"]);
    env.ok(&["org", "rename", "acme", "Acme Corporation"]);
    env.ok(&["org", "deactivate", "acme"]);
    env.ok(&["org", "activate", "acme"]);
    env.ok(&["access", "revoke", "bob"]);
    (env, id)
}

#[test]
fn every_change_is_audited_newest_first_with_its_action_name() {
    let (env, _) = every_change();
    let events = env.audit();
    assert_eq!(
        actions(&events),
        [
            "access.revoke",
            "org.activate",
            "org.deactivate",
            "org.rename",
            "mapping.delete",
            "access.grant",
            "mapping.update",
            "mapping.create",
            "org.create",
            "store.init",
        ]
    );
    let times: Vec<&str> = events.iter().map(|e| e["at"].as_str().unwrap()).collect();
    let mut newest_first = times.clone();
    newest_first.sort_unstable_by(|a, b| b.cmp(a));
    assert_eq!(times, newest_first, "timestamps agree with the order");
    assert!(events.iter().all(|e| e["outcome"] == "ok"));
}

#[test]
fn audit_events_name_the_actor_who_made_each_change() {
    let (env, _) = every_change();
    let events = env.audit();
    let by: Vec<(&str, &str)> =
        events.iter().map(|e| (e["action"].as_str().unwrap(), e["actor"].as_str().unwrap())).collect();
    assert!(by.contains(&("mapping.delete", "bob")), "{by:?}");
    assert!(by.iter().filter(|(action, _)| *action != "mapping.delete").all(|(_, actor)| *actor == ADMIN), "{by:?}");
}

#[test]
fn audit_json_events_have_every_field() {
    let (env, id) = every_change();
    let events = env.audit();
    let delete = events.iter().find(|e| e["action"] == "mapping.delete").unwrap();
    assert!(delete["id"].as_str().is_some_and(|s| !s.is_empty()));
    assert!(delete["at"].as_str().is_some_and(|s| !s.is_empty()));
    assert_eq!(delete["actor"], "bob");
    assert_eq!(delete["target"], format!("mapping:{id}"));
    assert_eq!(delete["org_id"], "acme");
    assert_eq!(delete["integration"], "demo");
    assert_eq!(delete["outcome"], "ok");
    assert_eq!(delete["before"]["external_org_id"], "200");
    assert_eq!(delete["before"]["revision"], 2);
    assert!(delete["after"].is_null());
}

#[test]
fn access_changes_are_audited_with_the_grant() {
    let (env, _) = every_change();
    let events = env.audit();
    let grant = events.iter().find(|e| e["action"] == "access.grant").unwrap();
    assert_eq!(grant["target"], "actor:bob");
    assert!(grant["before"].is_null());
    assert_eq!(grant["after"]["actor"], "bob");
    assert_eq!(grant["after"]["granted_by"], ADMIN);
    let revoke = events.iter().find(|e| e["action"] == "access.revoke").unwrap();
    assert_eq!(revoke["target"], "actor:bob");
    assert_eq!(revoke["before"]["actor"], "bob");
    assert!(revoke["after"].is_null());
}

#[test]
fn audit_org_shows_only_events_about_that_org() {
    let (env, _) = every_change();
    env.ok(&["org", "add", "globex", "--name", "Globex"]);
    env.map("free", "g", "globex");
    let events = env.json(&["audit", "--org", "acme"]);
    let events = events.as_array().unwrap();
    assert!(events.iter().all(|e| e["org_id"] == "acme"));
    assert_eq!(
        actions(events),
        [
            "org.activate",
            "org.deactivate",
            "org.rename",
            "mapping.delete",
            "mapping.update",
            "mapping.create",
            "org.create"
        ]
    );
}

#[test]
fn audit_integration_shows_only_events_about_that_integrations_mappings() {
    let (env, _) = every_change();
    env.map("free", "f", "acme");
    let events = env.json(&["audit", "--integration", "demo"]);
    let events = events.as_array().unwrap();
    assert_eq!(actions(events), ["mapping.delete", "mapping.update", "mapping.create"]);
    assert!(events.iter().all(|e| e["integration"] == "demo"));
}

#[test]
fn audit_actor_shows_only_that_actors_events() {
    let (env, _) = every_change();
    let events = env.json(&["audit", "--actor", "bob"]);
    assert_eq!(actions(events.as_array().unwrap()), ["mapping.delete"]);
    assert_eq!(env.json(&["audit", "--actor", "nobody"]), json!([]));
}

#[test]
fn audit_since_a_duration_includes_recent_events_and_a_future_time_excludes_all() {
    let (env, _) = every_change();
    let all = env.audit();
    assert_eq!(env.json(&["audit", "--since", "1h", "--limit", "0"]).as_array().unwrap(), &all);
    assert_eq!(env.json(&["audit", "--since", "7d", "--limit", "0"]).as_array().unwrap(), &all);
    assert_eq!(env.json(&["audit", "--since", "2999-01-01T00:00:00Z"]), json!([]));
    let newest = all[0]["at"].as_str().unwrap();
    let since_newest = env.json(&["audit", "--since", newest]);
    assert_eq!(actions(since_newest.as_array().unwrap()), ["access.revoke"]);
}

#[test]
fn audit_since_that_is_neither_a_time_nor_a_duration_exits_2() {
    let env = TestEnv::initialized();
    let stderr = env.fails(2, &["audit", "--since", "last tuesday"]);
    assert!(stderr.contains("24h"), "the message shows a valid form: {stderr}");
}

#[test]
fn audit_limit_keeps_the_newest_events() {
    let (env, _) = every_change();
    let events = env.json(&["audit", "--limit", "2"]);
    assert_eq!(actions(events.as_array().unwrap()), ["access.revoke", "org.activate"]);
    let filtered = env.json(&["audit", "--org", "acme", "--limit", "1"]);
    assert_eq!(actions(filtered.as_array().unwrap()), ["org.activate"]);
}

#[test]
fn audit_shows_the_newest_100_events_unless_told_otherwise() {
    let env = TestEnv::initialized();
    {
        let store = env.open_store(orgmap::store::Access::Write);
        let mut tx = store.write().expect("write transaction");
        for i in 0..120 {
            let event = orgmap::domain::AuditEvent::new(ADMIN, "test.event", format!("n:{i}"));
            tx.append_audit(&event).expect("append");
        }
        tx.commit().expect("commit");
    }
    let shown = env.json(&["audit"]);
    let shown = shown.as_array().unwrap();
    assert_eq!(shown.len(), 100);
    assert_eq!(shown[0]["target"], "n:119");
    assert_eq!(shown[99]["target"], "n:20");
    assert_eq!(env.json(&["audit", "--limit", "0"]).as_array().unwrap().len(), 121);
}

#[test]
fn audit_prints_a_table_for_people() {
    let env = TestEnv::with_org();
    let stdout = env.ok(&["audit"]);
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 3, "{stdout}");
    let headers: Vec<&str> = lines[0].split_whitespace().collect();
    let row: Vec<&str> = lines[1].split_whitespace().collect();
    match env.backend {
        Backend::Redb => {
            assert_eq!(headers, ["TIME", "ACTOR", "ACTION", "TARGET", "OUTCOME"]);
            assert_eq!(row[2..], ["admin", "org.create", "org:acme", "ok"], "{stdout}");
        }
        // The server records the database role beside the orgmap actor.
        Backend::Postgres => {
            assert_eq!(headers, ["TIME", "ACTOR", "DB", "ROLE", "ACTION", "TARGET", "OUTCOME"]);
            assert_eq!(row[2..], ["admin", "orgmap_test", "org.create", "org:acme", "ok"], "{stdout}");
        }
    }
}

#[test]
fn audit_is_readable_by_anyone() {
    let env = TestEnv::with_org();
    let out = env.run_as(INTRUDER, &["audit", "--json"]);
    assert!(out.status.success());
}

// ---- access ----

#[test]
fn access_grant_gives_manage_config_and_reports_the_grant() {
    let env = TestEnv::initialized();
    let out = env.json(&["access", "grant", "alice"]);
    assert_eq!(out["outcome"], "created");
    assert_eq!(out["grant"]["actor"], "alice");
    assert_eq!(out["grant"]["permissions"], json!(["manage-config"]));
    assert_eq!(out["grant"]["granted_by"], ADMIN);
    assert!(out["grant"]["granted_at"].as_str().is_some_and(|s| !s.is_empty()));
    let listed = env.json(&["access", "list"]);
    let alice = listed.as_array().unwrap().iter().find(|g| g["actor"] == "alice").expect("alice is listed");
    assert_eq!(*alice, out["grant"]);
}

#[test]
fn access_grant_to_a_holder_is_unchanged_and_not_audited() {
    let env = TestEnv::initialized();
    env.ok(&["access", "grant", "alice"]);
    let before = env.state();
    assert_eq!(env.json(&["access", "grant", "alice"])["outcome"], "unchanged");
    assert_eq!(env.state(), before);
}

#[test]
fn access_grant_of_an_invalid_actor_exits_5() {
    let env = TestEnv::initialized();
    let before = env.state();
    env.fails(5, &["access", "grant", "bad\nactor"]);
    env.fails(5, &["access", "grant", " "]);
    assert_eq!(env.state(), before);
}

#[test]
fn access_revoke_takes_manage_config_away() {
    let env = TestEnv::with_org();
    env.ok(&["access", "grant", "alice"]);
    let out = env.json(&["access", "revoke", "alice"]);
    assert_eq!(out["outcome"], "revoked");
    assert_eq!(out["actor"], "alice");
    let holders: Vec<Value> = env.json(&["access", "list"]).as_array().unwrap().clone();
    assert_eq!(holders.len(), 1);
    assert_eq!(holders[0]["actor"], ADMIN);
    env.fails_as("alice", 6, &["org", "add", "globex", "--name", "Globex"]);
}

#[test]
fn access_revoke_of_an_actor_without_permissions_is_unchanged() {
    let env = TestEnv::initialized();
    let before = env.state();
    assert_eq!(env.json(&["access", "revoke", "nobody"])["outcome"], "unchanged");
    assert_eq!(env.state(), before);
}

#[test]
fn revoking_the_last_manage_config_holder_exits_10_and_changes_nothing() {
    let env = TestEnv::initialized();
    let before = env.state();
    let error = env.json_error(10, &["access", "revoke", ADMIN]);
    assert_eq!(error["kind"], "conflict");
    assert!(error["message"].as_str().unwrap().contains("last holder"), "{error}");
    assert!(error["hint"].as_str().unwrap().contains("grant it to someone else"), "{error}");
    assert_eq!(env.state(), before);
}

#[test]
fn a_holder_may_revoke_themselves_when_another_holder_remains() {
    let env = TestEnv::initialized();
    env.ok(&["access", "grant", "alice"]);
    env.ok(&["access", "revoke", ADMIN]);
    let holders = env.json(&["access", "list"]);
    assert_eq!(holders.as_array().unwrap().len(), 1);
    assert_eq!(holders[0]["actor"], "alice");
    env.fails(6, &["org", "add", "globex", "--name", "Globex"]);
}

#[test]
fn access_list_prints_a_table_for_people() {
    let env = TestEnv::initialized();
    env.ok(&["access", "grant", "alice"]);
    let stdout = env.ok(&["access", "list"]);
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 3, "{stdout}");
    assert!(lines[0].contains("ACTOR") && lines[0].contains("PERMISSIONS"), "{stdout}");
    assert!(lines.iter().any(|l| l.trim_start().starts_with("alice") && l.contains("manage-config")), "{stdout}");
}

// ---- permission denied ----

/// Runs `args` as an actor without manage-config: exit 6, records unchanged, one `denied` audit
/// event for `action` by that actor. Then grants the actor manage-config and runs `args` again,
/// which now succeeds.
fn denied_then_allowed(env: &TestEnv, args: &[&str], action: &str) {
    let records = env.records();
    let audit = env.audit();
    let stderr = env.fails_as(INTRUDER, 6, args);
    assert!(stderr.contains("manage-config"), "{args:?}: {stderr}");
    assert!(stderr.contains("orgmap access grant"), "the hint says how to get the permission: {stderr}");
    assert_eq!(env.records(), records, "{args:?} as {INTRUDER} changed the store");
    let after = env.audit();
    assert_eq!(after.len(), audit.len() + 1, "{args:?}: one audit event for the refusal");
    assert_eq!(after[1..], audit[..], "older events are untouched");
    let event = &after[0];
    assert_eq!(event["actor"], INTRUDER);
    assert_eq!(event["action"], action);
    assert_eq!(event["outcome"], "denied");
    assert!(event["before"].is_null() && event["after"].is_null(), "{event}");

    env.ok(&["access", "grant", INTRUDER]);
    env.ok_as(INTRUDER, args);
    let event = &env.audit()[0];
    assert_eq!(event["actor"], INTRUDER);
    assert_eq!(event["outcome"], "ok");
}

#[test]
fn org_add_without_manage_config_exits_6_and_is_audited_as_denied() {
    let env = TestEnv::initialized();
    denied_then_allowed(&env, &["org", "add", "acme", "--name", "Acme"], "org.create");
    let event = &env.audit()[2];
    assert_eq!(event["org_id"], "acme", "the denied event names the org it was about");
}

#[test]
fn org_rename_without_manage_config_exits_6_and_is_audited_as_denied() {
    let env = TestEnv::with_org();
    denied_then_allowed(&env, &["org", "rename", "acme", "Pwned"], "org.rename");
}

#[test]
fn org_deactivate_without_manage_config_exits_6_and_is_audited_as_denied() {
    let env = TestEnv::with_org();
    denied_then_allowed(&env, &["org", "deactivate", "acme"], "org.deactivate");
}

#[test]
fn org_activate_without_manage_config_exits_6_and_is_audited_as_denied() {
    let env = TestEnv::with_org();
    env.ok(&["org", "deactivate", "acme"]);
    denied_then_allowed(&env, &["org", "activate", "acme"], "org.activate");
}

#[test]
fn map_without_manage_config_exits_6_and_is_audited_as_denied() {
    let env = TestEnv::with_org();
    denied_then_allowed(&env, &["map", "demo", "100", "--org", "acme"], "mapping.create");
}

#[test]
fn edit_without_manage_config_exits_6_and_is_audited_as_denied() {
    let env = TestEnv::with_org();
    let id = env.map("demo", "100", "acme");
    denied_then_allowed(&env, &["edit", &id, "--external-id", "666"], "mapping.update");
}

#[test]
fn unmap_without_manage_config_exits_6_and_is_audited_as_denied() {
    let env = TestEnv::with_org();
    let id = env.map("demo", "100", "acme");
    denied_then_allowed(&env, &["unmap", &id, "--yes"], "mapping.delete");
}

#[test]
fn set_without_manage_config_exits_6_and_is_audited_as_denied() {
    let env = TestEnv::with_org();
    env.map("demo", "100", "acme");
    denied_then_allowed(&env, &["set", "demo", "666", "--org", "acme"], "mapping.set");
}

#[test]
fn access_grant_without_manage_config_exits_6_and_is_audited_as_denied() {
    let env = TestEnv::initialized();
    denied_then_allowed(&env, &["access", "grant", "accomplice"], "access.grant");
}

#[test]
fn access_revoke_without_manage_config_exits_6_and_is_audited_as_denied() {
    let env = TestEnv::initialized();
    denied_then_allowed(&env, &["access", "revoke", ADMIN], "access.revoke");
}

#[test]
fn permission_is_checked_before_the_org_and_the_values() {
    let env = TestEnv::with_org();
    env.fails_as(INTRUDER, 6, &["map", "halo", "not valid", "--org", "ghost"]);
    env.fails_as(INTRUDER, 6, &["set", "halo", "x", "--org", "ghost"]);
    env.fails_as(INTRUDER, 6, &["edit", "ZZZZZZZZ", "--label", "x"]);
    env.fails_as(INTRUDER, 6, &["org", "rename", "ghost", "Ghost"]);
}

#[test]
fn reads_need_no_permission() {
    let env = TestEnv::with_org();
    env.map("demo", "100", "acme");
    let before = env.audit();
    for args in [
        &["get", "demo", "--org", "acme"][..],
        &["list"],
        &["lookup", "demo", "100"],
        &["org", "list"],
        &["org", "show", "acme"],
        &["access", "list"],
        &["integrations"],
    ] {
        env.ok_as(INTRUDER, args);
    }
    assert_eq!(env.audit(), before, "reads are not audited");
}
