//! `orgmap map`, `edit` and `unmap`: the admin's changes to mappings.

use serde_json::json;

use crate::common::{ADMIN, TestEnv, actions, unique_prefix};

fn is_ulid(id: &str) -> bool {
    id.len() == 26 && id.chars().all(|c| c.is_ascii_digit() || c.is_ascii_uppercase())
}

// ---- map ----

#[test]
fn map_prints_only_the_new_mapping_id_on_stdout() {
    let env = TestEnv::with_org();
    let out = env.run(&["map", "demo", "12345", "--org", "acme"]);
    assert!(out.status.success());
    let stdout = String::from_utf8(out.stdout).unwrap();
    let id = stdout.strip_suffix('\n').expect("one line");
    assert!(is_ulid(id), "{stdout:?}");
    assert_eq!(env.mappings()[0]["mapping_id"], id);
    assert!(String::from_utf8_lossy(&out.stderr).contains("mapped acme to demo 12345"));
}

#[test]
fn map_json_returns_the_new_mapping_field_by_field() {
    let env = TestEnv::with_org();
    let m = env.map_json(
        "demo",
        "12345",
        "acme",
        &["--name", "Acme (Demo)", "--label", "main", "--meta", "region=eu", "--meta-json", "seats=25"],
    );
    assert!(is_ulid(m["mapping_id"].as_str().unwrap()), "{m}");
    assert_eq!(m["org_id"], "acme");
    assert_eq!(m["integration"], "demo");
    assert_eq!(m["external_org_id"], "12345");
    assert_eq!(m["external_org_name"], "Acme (Demo)");
    assert_eq!(m["label"], "main");
    assert_eq!(m["metadata"], json!({"region": "eu", "seats": 25}));
    assert_eq!(m["active"], true);
    assert_eq!(m["verified"], false);
    assert_eq!(m["revision"], 1);
    assert_eq!(m["created_by"], ADMIN);
    assert_eq!(m["updated_by"], ADMIN);
    assert_eq!(m["created_at"], m["updated_at"]);
    assert_eq!(env.mappings(), vec![m], "list shows what map reported");
}

#[test]
fn map_without_name_or_label_stores_nulls() {
    let env = TestEnv::with_org();
    let m = env.map_json("demo", "1", "acme", &[]);
    assert!(m["external_org_name"].is_null());
    assert!(m["label"].is_null());
    assert_eq!(m["metadata"], json!({}));
}

#[test]
fn map_is_audited_as_mapping_create_with_the_new_record() {
    let env = TestEnv::with_org();
    let m = env.map_json("demo", "12345", "acme", &["--label", "main"]);
    let events = env.audit();
    assert_eq!(actions(&events)[0], "mapping.create");
    let event = &events[0];
    assert_eq!(event["actor"], ADMIN);
    assert_eq!(event["target"], format!("mapping:{}", m["mapping_id"].as_str().unwrap()));
    assert_eq!(event["org_id"], "acme");
    assert_eq!(event["integration"], "demo");
    assert!(event["before"].is_null());
    assert_eq!(event["after"]["external_org_id"], "12345");
    assert_eq!(event["after"]["label"], "main");
    assert_eq!(event["after"]["mapping_id"], m["mapping_id"]);
}

#[test]
fn an_org_may_have_several_mappings_of_one_integration() {
    let env = TestEnv::with_org();
    env.map_json("m365", "0c0ffee0-1234-4abc-8def-000000000001", "acme", &["--label", "production"]);
    env.map_json("m365", "0c0ffee0-1234-4abc-8def-000000000002", "acme", &["--label", "staging"]);
    let listed = env.json(&["list", "--org", "acme", "--integration", "m365"]);
    let mut labels: Vec<&str> = listed.as_array().unwrap().iter().map(|m| m["label"].as_str().unwrap()).collect();
    labels.sort_unstable();
    assert_eq!(labels, ["production", "staging"]);
}

#[test]
fn map_reads_the_org_from_orgmap_org() {
    let env = TestEnv::with_org();
    let out = env.cmd().env("ORGMAP_ORG", "acme").args(["map", "demo", "7"]).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(env.mappings()[0]["org_id"], "acme");
}

#[test]
fn map_without_an_org_exits_2_naming_the_flag() {
    let env = TestEnv::with_org();
    let error = env.json_error(2, &["map", "demo", "7"]);
    assert_eq!(error["kind"], "usage");
    assert!(error["hint"].as_str().unwrap().contains("--org"), "{error}");
    assert!(env.mappings().is_empty());
}

#[test]
fn map_without_an_external_id_exits_2_naming_it() {
    let env = TestEnv::with_org();
    let before = env.state();
    let error = env.json_error(2, &["map", "demo", "--org", "acme"]);
    assert_eq!(error["kind"], "usage");
    assert!(error["message"].as_str().unwrap().contains("external organization ID"), "{error}");
    assert!(error["hint"].as_str().unwrap().contains("EXTERNAL_ID"), "{error}");
    assert_eq!(env.state(), before);
}

#[test]
fn map_with_a_meta_flag_that_is_not_key_value_exits_2() {
    let env = TestEnv::with_org();
    let stderr = env.fails(2, &["map", "demo", "7", "--org", "acme", "--meta", "region"]);
    assert!(stderr.contains("KEY=VALUE"), "{stderr}");
    assert!(env.mappings().is_empty());
}

#[test]
fn map_with_meta_json_that_is_not_json_exits_2() {
    let env = TestEnv::with_org();
    let stderr = env.fails(2, &["map", "demo", "7", "--org", "acme", "--meta-json", "seats=lots"]);
    assert!(stderr.contains("not JSON"), "{stderr}");
    assert!(env.mappings().is_empty());
}

#[test]
fn map_the_same_external_id_to_another_org_exits_10_without_allow_shared() {
    let env = TestEnv::with_org();
    env.ok(&["org", "add", "globex", "--name", "Globex"]);
    env.map("demo", "555", "acme");
    let before = env.state();
    let error = env.json_error(10, &["map", "demo", "555", "--org", "globex"]);
    assert_eq!(error["kind"], "conflict");
    assert!(error["message"].as_str().unwrap().contains("'acme'"), "names the other org: {error}");
    assert!(error["hint"].as_str().unwrap().contains("--allow-shared"), "{error}");
    assert_eq!(env.state(), before);
}

#[test]
fn map_with_allow_shared_maps_one_external_id_to_two_orgs() {
    let env = TestEnv::with_org();
    env.ok(&["org", "add", "globex", "--name", "Globex"]);
    env.map("demo", "555", "acme");
    env.ok(&["map", "demo", "555", "--org", "globex", "--allow-shared"]);
    let found = env.json(&["lookup", "demo", "555"]);
    let mut orgs: Vec<&str> = found.as_array().unwrap().iter().map(|f| f["org"]["id"].as_str().unwrap()).collect();
    orgs.sort_unstable();
    assert_eq!(orgs, ["acme", "globex"]);
}

#[test]
fn the_same_external_id_in_two_integrations_is_fine() {
    let env = TestEnv::with_org();
    env.ok(&["org", "add", "globex", "--name", "Globex"]);
    env.map("demo", "555", "acme");
    env.map("free", "555", "globex");
    env.map("free", "555-acme", "acme");
    assert_eq!(env.mappings().len(), 3);
}

#[test]
fn mapping_the_same_external_id_twice_to_one_org_exits_10_even_with_allow_shared() {
    let env = TestEnv::with_org();
    let first = env.map("demo", "555", "acme");
    let before = env.state();
    let stderr = env.fails(10, &["map", "demo", "555", "--org", "acme", "--allow-shared"]);
    assert!(stderr.contains(&first), "names the existing mapping: {stderr}");
    assert!(stderr.contains(&format!("orgmap edit {first}")), "{stderr}");
    assert_eq!(env.state(), before);
}

#[test]
fn map_rejects_an_id_that_does_not_match_the_id_pattern() {
    let env = TestEnv::with_org();
    let before = env.state();
    for bad in ["12a45", "123abc", "abc123"] {
        let error = env.json_error(5, &["map", "demo", bad, "--org", "acme"]);
        assert_eq!(error["kind"], "invalid");
        assert!(error["message"].as_str().unwrap().contains("id_pattern"), "{bad}: {error}");
    }
    env.fails(5, &["map", "m365", "not-a-guid", "--org", "acme"]);
    assert_eq!(env.state(), before);
}

#[test]
fn map_rejects_control_characters_in_the_id() {
    let env = TestEnv::with_org();
    let before = env.state();
    for bad in ["12\n34", "acme\u{1b}[31m", "a\tb", "x\u{7}"] {
        let stderr = env.fails(5, &["map", "free", bad, "--org", "acme"]);
        assert!(stderr.contains("control characters"), "{bad:?}: {stderr}");
    }
    assert_eq!(env.state(), before);
}

#[test]
fn map_accepts_an_id_of_200_characters_and_rejects_201() {
    let env = TestEnv::with_org();
    let before = env.state();
    let stderr = env.fails(5, &["map", "free", &"x".repeat(201), "--org", "acme"]);
    assert!(stderr.contains("201 characters"), "{stderr}");
    assert_eq!(env.state(), before);
    env.map("free", &"x".repeat(200), "acme");
}

#[test]
fn map_rejects_an_id_with_surrounding_spaces_or_nothing_in_it() {
    let env = TestEnv::with_org();
    let before = env.state();
    for bad in [" 12", "12 ", "", "   "] {
        env.fails(5, &["map", "free", bad, "--org", "acme"]);
    }
    assert_eq!(env.state(), before);
}

#[test]
fn map_to_an_integration_without_mapping_support_exits_5() {
    let env = TestEnv::with_org();
    let before = env.state();
    let error = env.json_error(5, &["map", "billing", "1", "--org", "acme"]);
    assert_eq!(error["kind"], "mapping_not_supported");
    assert!(error["hint"].as_str().unwrap().contains("supports_org_mapping"), "{error}");
    assert_eq!(env.state(), before);
}

#[test]
fn map_to_an_unknown_integration_exits_5_listing_the_available_ones() {
    let env = TestEnv::with_org();
    let before = env.state();
    let error = env.json_error(5, &["map", "halo", "1", "--org", "acme"]);
    assert_eq!(error["kind"], "unknown_integration");
    assert!(error["message"].as_str().unwrap().contains("'halo'"), "{error}");
    assert_eq!(error["available"], json!(["billing", "demo", "free", "m365"]));
    assert!(error["hint"].as_str().unwrap().contains("billing, demo, free, m365"), "{error}");
    assert_eq!(env.state(), before);
}

#[test]
fn map_rejects_a_bad_metadata_key() {
    let env = TestEnv::with_org();
    let before = env.state();
    for bad in ["bad key=x", "=x", "k/ey=x"] {
        let error = env.json_error(5, &["map", "demo", "1", "--org", "acme", "--meta", bad]);
        assert_eq!(error["kind"], "invalid", "{bad}: {error}");
        assert!(error["message"].as_str().unwrap().contains("metadata key"), "{bad}: {error}");
    }
    assert_eq!(env.state(), before);
}

#[test]
fn map_rejects_a_name_or_label_with_control_characters() {
    let env = TestEnv::with_org();
    let before = env.state();
    env.fails(5, &["map", "demo", "1", "--org", "acme", "--name", "Evil\u{1b}]0;pwn\u{7}Corp"]);
    env.fails(5, &["map", "demo", "1", "--org", "acme", "--label", "a\nb"]);
    assert_eq!(env.state(), before);
}

#[test]
fn map_to_an_unknown_org_exits_3() {
    let env = TestEnv::with_org();
    let before = env.state();
    let error = env.json_error(3, &["map", "demo", "1", "--org", "ghost"]);
    assert_eq!(error["kind"], "org_not_found");
    assert_eq!(env.state(), before);
}

#[test]
fn map_to_a_deactivated_org_exits_8() {
    let env = TestEnv::with_org();
    env.ok(&["org", "deactivate", "acme"]);
    let before = env.state();
    let error = env.json_error(8, &["map", "demo", "1", "--org", "acme"]);
    assert_eq!(error["kind"], "org_inactive");
    assert!(error["hint"].as_str().unwrap().contains("orgmap org activate acme"), "{error}");
    assert_eq!(env.state(), before);
}

// ---- edit ----

#[test]
fn edit_external_id_bumps_the_revision_and_forgets_the_old_name() {
    let env = TestEnv::with_org();
    let id = env.map_json("demo", "100", "acme", &["--name", "Old Name", "--label", "main"])["mapping_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let out = env.json(&["edit", &id, "--external-id", "200"]);
    assert_eq!(out["outcome"], "updated");
    let m = &out["mapping"];
    assert_eq!(m["mapping_id"], id.as_str());
    assert_eq!(m["external_org_id"], "200");
    assert!(m["external_org_name"].is_null(), "the old name described the old external org: {m}");
    assert_eq!(m["label"], "main");
    assert_eq!(m["revision"], 2);
    assert_eq!(env.mappings(), vec![m.clone()]);
}

#[test]
fn edit_external_id_with_a_name_keeps_the_new_name() {
    let env = TestEnv::with_org();
    let id = env.map_json("demo", "100", "acme", &["--name", "Old Name"])["mapping_id"].as_str().unwrap().to_owned();
    let out = env.json(&["edit", &id, "--external-id", "200", "--name", "New Name"]);
    assert_eq!(out["mapping"]["external_org_name"], "New Name");
}

#[test]
fn edit_is_audited_with_the_record_before_and_after() {
    let env = TestEnv::with_org();
    let id = env.map("demo", "100", "acme");
    env.ok(&["edit", &id, "--external-id", "200"]);
    let event = &env.audit()[0];
    assert_eq!(event["action"], "mapping.update");
    assert_eq!(event["actor"], ADMIN);
    assert_eq!(event["target"], format!("mapping:{id}"));
    assert_eq!(event["org_id"], "acme");
    assert_eq!(event["integration"], "demo");
    assert_eq!(event["before"]["external_org_id"], "100");
    assert_eq!(event["before"]["revision"], 1);
    assert_eq!(event["after"]["external_org_id"], "200");
    assert_eq!(event["after"]["revision"], 2);
}

#[test]
fn edit_prints_the_mapping_id_on_stdout() {
    let env = TestEnv::with_org();
    let id = env.map("demo", "100", "acme");
    let out = env.run(&["edit", &id, "--label", "main"]);
    assert!(out.status.success());
    assert_eq!(String::from_utf8_lossy(&out.stdout), format!("{id}\n"));
    assert!(String::from_utf8_lossy(&out.stderr).contains("updated mapping"));
}

#[test]
fn edit_names_a_mapping_by_a_unique_prefix_in_any_case() {
    let env = TestEnv::with_org();
    let first = env.map("demo", "100", "acme");
    let second = env.map_another("demo", "200", "acme", "second");
    let prefix = unique_prefix(&second, &[&first], 4).to_ascii_lowercase();
    let out = env.json(&["edit", &prefix, "--label", "picked"]);
    assert_eq!(out["mapping"]["mapping_id"], second.as_str());
    let labels: Vec<_> = env.mappings().iter().map(|m| m["label"].clone()).collect();
    assert!(labels.contains(&json!("picked")) && labels.contains(&json!(null)), "only one mapping changed");
}

#[test]
fn edit_with_an_ambiguous_prefix_exits_4_listing_the_candidates() {
    let env = TestEnv::with_org();
    let first = env.map("demo", "100", "acme");
    let second = env.map_another("demo", "200", "acme", "second");
    let shared = &first[..4];
    assert!(second.starts_with(shared), "two ULIDs made in the same second share 4 characters");
    let before = env.state();
    let error = env.json_error(4, &["edit", shared, "--label", "x"]);
    assert_eq!(error["kind"], "ambiguous");
    let mut ids: Vec<&str> =
        error["candidates"].as_array().unwrap().iter().map(|c| c["mapping_id"].as_str().unwrap()).collect();
    ids.sort_unstable();
    let mut expected = [first.as_str(), second.as_str()];
    expected.sort_unstable();
    assert_eq!(ids, expected);
    assert_eq!(error["candidates"][0]["external_org_id"].as_str().map(str::len), Some(3));
    assert_eq!(env.state(), before);
}

#[test]
// Regression: the hint for an ambiguous mapping ID prefix tells `edit` users to pass --mapping-id, which edit does not have
fn edit_with_an_ambiguous_prefix_hints_at_something_edit_accepts() {
    let env = TestEnv::with_org();
    let first = env.map("demo", "100", "acme");
    env.map_another("demo", "200", "acme", "second");
    let stderr = env.fails(4, &["edit", &first[..4], "--label", "x"]);
    assert!(!stderr.contains("--mapping-id"), "edit has no --mapping-id flag: {stderr}");
}

#[test]
fn edit_with_a_prefix_shorter_than_4_characters_exits_5() {
    let env = TestEnv::with_org();
    let id = env.map("demo", "100", "acme");
    let before = env.state();
    let stderr = env.fails(5, &["edit", &id[..3], "--label", "x"]);
    assert!(stderr.contains("too short"), "{stderr}");
    assert_eq!(env.state(), before);
}

#[test]
fn edit_of_an_unknown_mapping_exits_3_and_changes_nothing() {
    let env = TestEnv::with_org();
    env.map("demo", "100", "acme");
    let before = env.state();
    let error = env.json_error(3, &["edit", "ZZZZZZZZZZ", "--label", "x"]);
    assert_eq!(error["kind"], "mapping_not_found");
    assert!(error["hint"].as_str().unwrap().contains("orgmap list"), "{error}");
    assert_eq!(env.state(), before);
}

#[test]
fn edit_that_changes_nothing_reports_unchanged_and_writes_nothing() {
    let env = TestEnv::with_org();
    let id = env.map_json("demo", "100", "acme", &["--label", "main", "--meta", "region=eu"])["mapping_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let before = env.state();
    let out = env.json(&["edit", &id, "--external-id", "100", "--label", "main", "--meta", "region=eu", "--activate"]);
    assert_eq!(out["outcome"], "unchanged");
    assert_eq!(out["mapping"]["revision"], 1);
    assert_eq!(env.state(), before);
}

#[test]
fn edit_with_the_current_revision_succeeds() {
    let env = TestEnv::with_org();
    let id = env.map("demo", "100", "acme");
    env.ok(&["edit", &id, "--label", "one"]);
    let out = env.json(&["edit", &id, "--label", "two", "--if-revision", "2"]);
    assert_eq!(out["mapping"]["label"], "two");
    assert_eq!(out["mapping"]["revision"], 3);
}

#[test]
fn edit_with_a_stale_revision_exits_10_and_says_who_changed_it() {
    let env = TestEnv::with_org();
    let id = env.map("demo", "100", "acme");
    env.ok(&["access", "grant", "bob"]);
    env.ok_as("bob", &["edit", &id, "--label", "bobs"]);
    let before = env.state();
    let error = env.json_error(10, &["edit", &id, "--label", "mine", "--if-revision", "1"]);
    assert_eq!(error["kind"], "conflict");
    let message = error["message"].as_str().unwrap();
    assert!(message.contains("revision 2"), "{message}");
    assert!(message.contains("changed by bob"), "{message}");
    assert_eq!(env.state(), before);
    assert_eq!(env.mappings()[0]["label"], "bobs");
}

#[test]
fn edit_deactivate_hides_the_mapping_from_get_and_activate_brings_it_back() {
    let env = TestEnv::with_org();
    let id = env.map("demo", "100", "acme");
    let out = env.json(&["edit", &id, "--deactivate"]);
    assert_eq!(out["mapping"]["active"], false);
    env.fails(3, &["get", "demo", "--org", "acme"]);
    let out = env.json(&["edit", &id, "--activate"]);
    assert_eq!(out["mapping"]["active"], true);
    assert_eq!(out["mapping"]["revision"], 3);
    assert_eq!(env.json(&["get", "demo", "--org", "acme"])["mapping_id"], id.as_str());
}

#[test]
fn edit_sets_and_removes_metadata() {
    let env = TestEnv::with_org();
    let id = env.map_json("demo", "100", "acme", &["--meta", "region=eu", "--meta", "legacy=yes"])["mapping_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let out = env.json(&["edit", &id, "--meta", "region=us", "--meta-json", "seats=10", "--unset-meta", "legacy"]);
    assert_eq!(out["mapping"]["metadata"], json!({"region": "us", "seats": 10}));
}

#[test]
fn edit_clears_the_name_and_the_label() {
    let env = TestEnv::with_org();
    let id = env.map_json("demo", "100", "acme", &["--name", "Acme", "--label", "main"])["mapping_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let out = env.json(&["edit", &id, "--clear-name", "--clear-label"]);
    assert!(out["mapping"]["external_org_name"].is_null());
    assert!(out["mapping"]["label"].is_null());
    assert_eq!(out["mapping"]["revision"], 2);
}

#[test]
fn edit_to_an_external_id_of_another_org_exits_10_unless_shared() {
    let env = TestEnv::with_org();
    env.ok(&["org", "add", "globex", "--name", "Globex"]);
    env.map("demo", "555", "acme");
    let id = env.map("demo", "777", "globex");
    let before = env.state();
    env.fails(10, &["edit", &id, "--external-id", "555"]);
    assert_eq!(env.state(), before);
    let out = env.json(&["edit", &id, "--external-id", "555", "--allow-shared"]);
    assert_eq!(out["mapping"]["external_org_id"], "555");
}

#[test]
fn edit_validates_the_new_values() {
    let env = TestEnv::with_org();
    let id = env.map("demo", "100", "acme");
    let before = env.state();
    env.fails(5, &["edit", &id, "--external-id", "abc"]);
    env.fails(5, &["edit", &id, "--name", "a\u{1b}b"]);
    env.fails(5, &["edit", &id, "--label", &"l".repeat(101)]);
    env.fails(5, &["edit", &id, "--meta", "bad key=1"]);
    assert_eq!(env.state(), before);
}

// ---- unmap ----

#[test]
fn unmap_by_id_with_yes_deletes_the_mapping_and_reports_it() {
    let env = TestEnv::with_org();
    let m = env.map_json("demo", "100", "acme", &["--label", "main"]);
    let id = m["mapping_id"].as_str().unwrap();
    let out = env.json(&["unmap", id, "--yes"]);
    assert_eq!(out["deleted"], m);
    assert!(env.mappings().is_empty());
}

#[test]
fn unmap_is_audited_as_mapping_delete_with_the_old_record() {
    let env = TestEnv::with_org();
    let id = env.map("demo", "100", "acme");
    env.ok(&["unmap", &id, "-y"]);
    let event = &env.audit()[0];
    assert_eq!(event["action"], "mapping.delete");
    assert_eq!(event["actor"], ADMIN);
    assert_eq!(event["target"], format!("mapping:{id}"));
    assert_eq!(event["before"]["external_org_id"], "100");
    assert!(event["after"].is_null());
}

#[test]
fn unmap_reports_on_stderr_and_prints_nothing_on_stdout() {
    let env = TestEnv::with_org();
    let id = env.map("demo", "100", "acme");
    let out = env.run(&["unmap", &id, "--yes"]);
    assert!(out.status.success());
    assert!(out.stdout.is_empty());
    assert!(String::from_utf8_lossy(&out.stderr).contains(&format!("deleted mapping {id}")));
}

#[test]
fn unmap_names_a_mapping_by_a_unique_prefix_in_any_case() {
    let env = TestEnv::with_org();
    let first = env.map("demo", "100", "acme");
    let second = env.map_another("demo", "200", "acme", "second");
    let prefix = unique_prefix(&first, &[&second], 4).to_ascii_lowercase();
    env.ok(&["unmap", &prefix, "--yes"]);
    let left = env.mappings();
    assert_eq!(left.len(), 1);
    assert_eq!(left[0]["mapping_id"], second.as_str());
}

#[test]
fn unmap_by_integration_and_org_deletes_the_orgs_one_mapping() {
    let env = TestEnv::with_org();
    env.map("demo", "100", "acme");
    let kept = env.map("free", "x", "acme");
    env.ok(&["unmap", "demo", "--org", "acme", "--yes"]);
    let left = env.mappings();
    assert_eq!(left.len(), 1);
    assert_eq!(left[0]["mapping_id"], kept.as_str());
}

#[test]
fn unmap_by_integration_with_two_mappings_exits_4_and_mapping_id_picks_one() {
    let env = TestEnv::with_org();
    let first = env.map("demo", "100", "acme");
    let second = env.map_another("demo", "200", "acme", "second");
    let before = env.state();
    let error = env.json_error(4, &["unmap", "demo", "--org", "acme", "--yes"]);
    assert_eq!(error["candidates"].as_array().unwrap().len(), 2);
    assert_eq!(env.state(), before);
    env.ok(&["unmap", "demo", "--org", "acme", "--mapping-id", &second, "--yes"]);
    let left = env.mappings();
    assert_eq!(left.len(), 1);
    assert_eq!(left[0]["mapping_id"], first.as_str());
}

#[test]
fn unmap_by_integration_without_an_org_exits_2() {
    let env = TestEnv::with_org();
    env.map("demo", "100", "acme");
    let before = env.state();
    env.fails(2, &["unmap", "demo", "--yes"]);
    assert_eq!(env.state(), before);
}

#[test]
fn unmap_without_yes_when_not_on_a_terminal_exits_2_and_keeps_the_mapping() {
    let env = TestEnv::with_org();
    let id = env.map("demo", "100", "acme");
    let before = env.state();
    let error = env.json_error(2, &["unmap", &id]);
    assert_eq!(error["kind"], "usage");
    assert!(error["hint"].as_str().unwrap().contains("--yes"), "{error}");
    env.fails(2, &["unmap", &id]);
    assert_eq!(env.state(), before);
}

#[test]
fn unmap_of_an_unknown_mapping_exits_3() {
    let env = TestEnv::with_org();
    env.map("demo", "100", "acme");
    let before = env.state();
    let error = env.json_error(3, &["unmap", "ZZZZZZZZ", "--yes"]);
    assert_eq!(error["kind"], "mapping_not_found");
    let error = env.json_error(3, &["unmap", "free", "--org", "acme", "--yes"]);
    assert_eq!(error["kind"], "no_mapping");
    assert_eq!(env.state(), before);
}

#[test]
fn unmap_with_an_ambiguous_prefix_exits_4() {
    let env = TestEnv::with_org();
    let first = env.map("demo", "100", "acme");
    env.map_another("demo", "200", "acme", "second");
    let before = env.state();
    let error = env.json_error(4, &["unmap", &first[..4], "--yes"]);
    assert_eq!(error["candidates"].as_array().unwrap().len(), 2);
    assert_eq!(env.state(), before);
}

#[test]
// Regression: an ambiguous mapping ID prefix reports "matches 10 mappings" however many match (the lookup stops at 10)
fn an_ambiguous_prefix_does_not_understate_how_many_mappings_match() {
    let env = TestEnv::with_org();
    env.bulk_mappings("acme", "free", 12, "Bulk");
    let error = env.json_error(4, &["edit", "01B0K", "--label", "x"]);
    let message = error["message"].as_str().unwrap();
    assert!(!message.contains("matches 10 mappings"), "12 mappings match: {message}");
}

// Regression: a second `map` for the same org and integration was added silently, and the
// workflow's `get` then failed with exit 4.
#[test]
fn map_refuses_a_second_mapping_for_the_org_unless_add_and_a_label_ask_for_it() {
    let env = TestEnv::with_org();
    let first = env.map("demo", "100", "acme");
    let before = env.state();
    let error = env.json_error(10, &["map", "demo", "200", "--org", "acme"]);
    assert_eq!(error["kind"], "conflict");
    let hint = error["hint"].as_str().unwrap();
    assert!(hint.contains("--add --label") && hint.contains(&format!("orgmap edit {first}")), "{hint}");
    let stderr = env.fails(2, &["map", "demo", "200", "--org", "acme", "--add"]);
    assert!(stderr.contains("--label"), "a second mapping needs a label: {stderr}");
    assert_eq!(env.state(), before, "nothing was added");
    assert_eq!(env.json(&["get", "demo", "--org", "acme"])["mapping_id"], first.as_str());

    env.map_another("demo", "200", "acme", "eu");
    env.ok(&["map", "demo", "300", "--org", "acme", "--label", "us"]);
    assert_eq!(env.mappings().len(), 3, "--label alone asks for another one too");
    // An inactive mapping does not count: the org has no usable one.
    let env = TestEnv::with_org();
    let old = env.map("demo", "100", "acme");
    env.ok(&["edit", &old, "--deactivate"]);
    env.map("demo", "200", "acme");
}
