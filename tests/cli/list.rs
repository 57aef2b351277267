//! `orgmap list`: mappings, filtered, and the organizations that lack one.

use serde_json::Value;

use crate::common::TestEnv;

/// acme: demo 100 (active), demo 101 (inactive), free x; globex: free y; initech (inactive): demo 300.
fn populated() -> (TestEnv, Vec<String>) {
    let env = TestEnv::with_org();
    env.ok(&["org", "add", "globex", "--name", "Globex"]);
    env.ok(&["org", "add", "initech", "--name", "Initech"]);
    let ids = vec![
        env.map("demo", "100", "acme"),
        env.map_another("demo", "101", "acme", "old"),
        env.map("free", "x", "acme"),
        env.map("free", "y", "globex"),
        env.map("demo", "300", "initech"),
    ];
    env.ok(&["edit", &ids[1], "--deactivate"]);
    env.ok(&["org", "deactivate", "initech"]);
    (env, ids)
}

fn ids_of(listed: &Value) -> Vec<String> {
    let mut ids: Vec<String> =
        listed.as_array().expect("a JSON array").iter().map(|m| m["mapping_id"].as_str().unwrap().to_owned()).collect();
    ids.sort_unstable();
    ids
}

fn sorted(ids: &[&String]) -> Vec<String> {
    let mut ids: Vec<String> = ids.iter().map(|s| s.to_string()).collect();
    ids.sort_unstable();
    ids
}

#[test]
fn list_json_lists_every_mapping_field_by_field() {
    let env = TestEnv::with_org();
    let m = env.map_json("demo", "100", "acme", &["--name", "Acme", "--label", "main", "--meta-json", "seats=3"]);
    let listed = env.json(&["list"]);
    assert_eq!(listed.as_array().unwrap().len(), 1);
    let row = &listed[0];
    assert_eq!(*row, m);
    for field in [
        "mapping_id",
        "org_id",
        "integration",
        "external_org_id",
        "external_org_name",
        "label",
        "metadata",
        "active",
        "verified",
        "revision",
        "created_at",
        "created_by",
        "updated_at",
        "updated_by",
    ] {
        assert!(row.get(field).is_some(), "list --json has {field}: {row}");
    }
    assert_eq!(row["metadata"]["seats"], 3);
}

#[test]
fn list_shows_every_mapping_of_every_org_active_or_not() {
    let (env, ids) = populated();
    assert_eq!(ids_of(&env.json(&["list"])), sorted(&ids.iter().collect::<Vec<_>>()));
}

#[test]
fn list_org_shows_only_that_orgs_mappings() {
    let (env, ids) = populated();
    assert_eq!(ids_of(&env.json(&["list", "--org", "acme"])), sorted(&[&ids[0], &ids[1], &ids[2]]));
    assert_eq!(ids_of(&env.json(&["list", "--org", "globex"])), sorted(&[&ids[3]]));
}

#[test]
fn list_integration_shows_only_that_integrations_mappings() {
    let (env, ids) = populated();
    assert_eq!(ids_of(&env.json(&["list", "--integration", "demo"])), sorted(&[&ids[0], &ids[1], &ids[4]]));
    assert_eq!(ids_of(&env.json(&["list", "--integration", "free"])), sorted(&[&ids[2], &ids[3]]));
}

#[test]
fn list_org_and_integration_combine() {
    let (env, ids) = populated();
    assert_eq!(ids_of(&env.json(&["list", "--org", "acme", "--integration", "free"])), sorted(&[&ids[2]]));
}

#[test]
fn list_active_hides_deactivated_mappings() {
    let (env, ids) = populated();
    let listed = env.json(&["list", "--active"]);
    assert_eq!(ids_of(&listed), sorted(&[&ids[0], &ids[2], &ids[3], &ids[4]]));
    assert_eq!(ids_of(&env.json(&["list", "--active", "--org", "acme"])), sorted(&[&ids[0], &ids[2]]));
}

#[test]
fn list_unverified_shows_mappings_never_checked_against_the_external_system() {
    let (env, ids) = populated();
    let listed = env.json(&["list", "--unverified"]);
    assert!(listed.as_array().unwrap().iter().all(|m| m["verified"] == false));
    assert_eq!(ids_of(&listed).len(), ids.len(), "nothing was verified, so every mapping is listed");
}

#[test]
fn list_unmapped_lists_active_orgs_without_an_active_mapping() {
    let (env, ids) = populated();
    // acme has an active demo mapping; globex has none; initech is inactive.
    let unmapped = env.json(&["list", "--unmapped", "--integration", "demo"]);
    let orgs: Vec<&str> = unmapped.as_array().unwrap().iter().map(|o| o["id"].as_str().unwrap()).collect();
    assert_eq!(orgs, ["globex"]);
    assert_eq!(unmapped[0]["name"], "Globex");
    assert_eq!(unmapped[0]["active"], true);

    // An org whose only mapping is inactive counts as unmapped.
    env.ok(&["edit", &ids[0], "--deactivate"]);
    let unmapped = env.json(&["list", "--unmapped", "--integration", "demo"]);
    let orgs: Vec<&str> = unmapped.as_array().unwrap().iter().map(|o| o["id"].as_str().unwrap()).collect();
    assert_eq!(orgs, ["acme", "globex"]);
}

#[test]
fn list_unmapped_prints_a_table_and_says_so_when_every_org_is_mapped() {
    let env = TestEnv::with_org();
    let stdout = env.ok(&["list", "--unmapped", "--integration", "demo"]);
    assert!(stdout.lines().nth(1).is_some_and(|l| l.contains("acme") && l.contains("Acme Corp")), "{stdout}");
    env.map("demo", "1", "acme");
    let out = env.run(&["list", "--unmapped", "--integration", "demo"]);
    assert!(out.status.success());
    assert!(out.stdout.is_empty());
    assert!(String::from_utf8_lossy(&out.stderr).contains("every active organization has an active demo mapping"));
}

#[test]
fn list_unmapped_without_an_integration_exits_2() {
    let env = TestEnv::with_org();
    let stderr = env.fails(2, &["list", "--unmapped"]);
    assert!(stderr.contains("--integration"), "{stderr}");
}

#[test]
fn list_unmapped_for_an_integration_without_mapping_support_exits_5() {
    let env = TestEnv::with_org();
    let error = env.json_error(5, &["list", "--unmapped", "--integration", "billing"]);
    assert_eq!(error["kind"], "mapping_not_supported");
    let error = env.json_error(5, &["list", "--unmapped", "--integration", "halo"]);
    assert_eq!(error["kind"], "unknown_integration");
}

#[test]
fn list_for_an_unknown_org_exits_3() {
    let env = TestEnv::with_org();
    let error = env.json_error(3, &["list", "--org", "ghost"]);
    assert_eq!(error["kind"], "org_not_found");
    env.fails(3, &["list", "--org", "ghost"]);
}

#[test]
fn list_with_nothing_to_show_prints_nothing_on_stdout() {
    let env = TestEnv::with_org();
    let out = env.run(&["list"]);
    assert!(out.status.success());
    assert!(out.stdout.is_empty());
    assert!(String::from_utf8_lossy(&out.stderr).contains("no mappings match"));
    assert_eq!(env.json(&["list"]), serde_json::json!([]));
    assert_eq!(env.json(&["list", "--org", "acme"]), serde_json::json!([]));
}

#[test]
fn list_prints_a_table_with_a_header_and_one_row_per_mapping() {
    let env = TestEnv::with_org();
    let id = env.map_json("demo", "100", "acme", &["--name", "Acme in Demo", "--label", "main"])["mapping_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let stdout = env.ok(&["list"]);
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 2, "{stdout}");
    let header: Vec<&str> = lines[0].split_whitespace().collect();
    assert_eq!(
        header,
        [
            "MAPPING",
            "ORG",
            "INTEGRATION",
            "EXTERNAL",
            "ID",
            "EXTERNAL",
            "NAME",
            "LABEL",
            "ACTIVE",
            "VERIFIED",
            "REV",
            "UPSTREAM",
            "LAST",
            "TEST"
        ]
    );
    let row: Vec<&str> = lines[1].split_whitespace().collect();
    assert_eq!(row, [id.as_str(), "acme", "demo", "100", "Acme", "in", "Demo", "main", "yes", "no", "1", "-", "-"]);
}

#[test]
fn list_piped_into_head_exits_quietly() {
    let env = TestEnv::with_org();
    env.bulk_mappings("acme", "free", 300, &"N".repeat(400));
    let out = env.shell(r#""$ORGMAP" list | head -n 1; exit "${PIPESTATUS[0]}""#);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "orgmap's exit status in the pipe; stderr: {stderr}");
    assert!(stderr.is_empty(), "nothing on stderr: {stderr}");
    assert!(String::from_utf8_lossy(&out.stdout).starts_with(" MAPPING"), "the header came through");
}

#[test]
// Regression: `orgmap list --json | head -c 10` exits 1 with "internal error: JSON encoding: Broken pipe"
fn list_json_piped_into_head_exits_quietly() {
    let env = TestEnv::with_org();
    env.bulk_mappings("acme", "free", 300, &"N".repeat(400));
    for script in [
        r#""$ORGMAP" list --json | head -c 10; exit "${PIPESTATUS[0]}""#,
        r#""$ORGMAP" list --org acme --json | head -c 10; exit "${PIPESTATUS[0]}""#,
    ] {
        let out = env.shell(script);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(0), "{script}: stderr: {stderr}");
        assert!(stderr.is_empty(), "{script}: nothing on stderr: {stderr}");
    }
}
