//! `orgmap get`, `set` and `lookup`: what workflow scripts call.

use serde_json::json;

use crate::common::{ADMIN, TestEnv, actions, unique_prefix};

// ---- get ----

#[test]
fn get_json_returns_the_orgs_mapping_field_by_field() {
    let env = TestEnv::with_org();
    let mapped =
        env.map_json("demo", "12345", "acme", &["--name", "Acme (Demo)", "--label", "main", "--meta", "region=eu"]);
    let m = env.json(&["get", "demo", "--org", "acme"]);
    assert_eq!(m, mapped);
    assert_eq!(m["org_id"], "acme");
    assert_eq!(m["integration"], "demo");
    assert_eq!(m["external_org_id"], "12345");
    assert_eq!(m["external_org_name"], "Acme (Demo)");
    assert_eq!(m["label"], "main");
    assert_eq!(m["metadata"], json!({"region": "eu"}));
    assert_eq!(m["active"], true);
    assert_eq!(m["verified"], false);
    assert_eq!(m["revision"], 1);
    assert_eq!(m["created_by"], ADMIN);
}

#[test]
fn get_prints_a_field_value_table_for_people() {
    let env = TestEnv::with_org();
    let id = env.map("demo", "12345", "acme");
    let stdout = env.ok(&["get", "demo", "--org", "acme"]);
    let row = |field: &str| {
        stdout
            .lines()
            .find(|l| l.split_whitespace().next() == Some(field))
            .unwrap_or_else(|| panic!("no {field} row in {stdout}"))
            .split_whitespace()
            .nth(1)
            .map(str::to_owned)
    };
    assert_eq!(row("mapping_id").as_deref(), Some(id.as_str()));
    assert_eq!(row("org").as_deref(), Some("acme"));
    assert_eq!(row("external_org_id").as_deref(), Some("12345"));
    assert_eq!(row("external_org_name").as_deref(), Some("-"));
    assert_eq!(row("revision").as_deref(), Some("1"));
}

#[test]
fn get_field_external_org_id_prints_the_bare_value() {
    let env = TestEnv::with_org();
    env.map("demo", "12345", "acme");
    assert_eq!(env.ok(&["get", "demo", "--org", "acme", "--field", "external_org_id"]), "12345\n");
}

#[test]
fn get_field_metadata_key_prints_the_bare_value() {
    let env = TestEnv::with_org();
    env.map_json("demo", "12345", "acme", &["--meta", "region=eu", "--meta-json", "seats=25"]);
    assert_eq!(env.ok(&["get", "demo", "--org", "acme", "--field", "metadata.region"]), "eu\n");
    assert_eq!(env.ok(&["get", "demo", "--org", "acme", "--field", "metadata.seats"]), "25\n");
}

#[test]
fn get_field_of_an_unset_label_prints_an_empty_line_or_json_null() {
    let env = TestEnv::with_org();
    env.map("demo", "12345", "acme");
    assert_eq!(env.ok(&["get", "demo", "--org", "acme", "--field", "label"]), "\n");
    assert_eq!(env.json(&["get", "demo", "--org", "acme", "--field", "label"]), json!(null));
    assert_eq!(env.json(&["get", "demo", "--org", "acme", "--field", "external_org_id"]), json!("12345"));
}

#[test]
fn get_field_that_does_not_exist_exits_5() {
    let env = TestEnv::with_org();
    env.map("demo", "12345", "acme");
    let error = env.json_error(5, &["get", "demo", "--org", "acme", "--field", "colour"]);
    assert_eq!(error["kind"], "invalid");
    assert!(error["hint"].as_str().unwrap().contains("external_org_id"), "{error}");
    env.fails(5, &["get", "demo", "--org", "acme", "--field", "metadata.nothing"]);
}

#[test]
fn get_reads_the_org_from_orgmap_org() {
    let env = TestEnv::with_org();
    env.map("demo", "12345", "acme");
    let out = env.cmd().env("ORGMAP_ORG", "acme").args(["get", "demo", "--field", "external_org_id"]).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(String::from_utf8_lossy(&out.stdout), "12345\n");
}

#[test]
fn get_org_flag_wins_over_orgmap_org() {
    let env = TestEnv::with_org();
    env.ok(&["org", "add", "globex", "--name", "Globex"]);
    env.map("demo", "1", "acme");
    env.map("demo", "2", "globex");
    let out = env
        .cmd()
        .env("ORGMAP_ORG", "acme")
        .args(["get", "demo", "--org", "globex", "--field", "external_org_id"])
        .output()
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&out.stdout), "2\n");
}

#[test]
fn get_without_an_org_exits_2_naming_the_flag_and_the_variable() {
    let env = TestEnv::with_org();
    env.map("demo", "12345", "acme");
    let error = env.json_error(2, &["get", "demo"]);
    assert_eq!(error["kind"], "usage");
    let hint = error["hint"].as_str().unwrap();
    assert!(hint.contains("--org") && hint.contains("ORGMAP_ORG"), "{hint}");
}

#[test]
fn get_without_mapping_id_lists_candidates_and_exits_4() {
    let env = TestEnv::with_org();
    let prod = env.map_json("demo", "100", "acme", &["--label", "production", "--name", "Acme Prod"]);
    let staging = env.map_json("demo", "200", "acme", &["--label", "staging"]);
    let error = env.json_error(4, &["get", "demo", "--org", "acme"]);
    assert_eq!(error["kind"], "ambiguous");
    assert!(error["message"].as_str().unwrap().contains("2 active demo mappings"), "{error}");
    let candidates = error["candidates"].as_array().unwrap();
    assert_eq!(candidates.len(), 2);
    for (candidate, mapping) in candidates.iter().zip([&prod, &staging]) {
        assert_eq!(candidate["mapping_id"], mapping["mapping_id"]);
        assert_eq!(candidate["label"], mapping["label"]);
        assert_eq!(candidate["external_org_id"], mapping["external_org_id"]);
        assert_eq!(candidate["external_org_name"], mapping["external_org_name"]);
    }
    let hint = error["hint"].as_str().unwrap();
    assert!(hint.contains("--mapping-id") && hint.contains("production") && hint.contains("staging"), "{hint}");
}

#[test]
fn get_with_mapping_id_picks_one_of_several() {
    let env = TestEnv::with_org();
    let first = env.map("demo", "100", "acme");
    let second = env.map_another("demo", "200", "acme", "second");
    let got = env.json(&["get", "demo", "--org", "acme", "--mapping-id", &second]);
    assert_eq!(got["external_org_id"], "200");
    let prefix = unique_prefix(&first, &[&second], 4).to_ascii_lowercase();
    let got = env.json(&["get", "demo", "--org", "acme", "--mapping-id", &prefix]);
    assert_eq!(got["external_org_id"], "100");
}

#[test]
fn get_with_a_deactivated_mapping_left_among_several_returns_the_active_one() {
    let env = TestEnv::with_org();
    let old = env.map("demo", "100", "acme");
    env.map_another("demo", "200", "acme", "second");
    env.ok(&["edit", &old, "--deactivate"]);
    assert_eq!(env.ok(&["get", "demo", "--org", "acme", "--field", "external_org_id"]), "200\n");
}

#[test]
fn get_without_a_mapping_exits_3_with_a_hint_to_map_one() {
    let env = TestEnv::with_org();
    let error = env.json_error(3, &["get", "demo", "--org", "acme"]);
    assert_eq!(error["kind"], "no_mapping");
    assert!(error["message"].as_str().unwrap().contains("no active demo mapping"), "{error}");
    assert!(error["hint"].as_str().unwrap().contains("orgmap map demo <EXTERNAL_ID> --org acme"), "{error}");
}

#[test]
fn get_with_only_an_inactive_mapping_exits_3_and_the_hint_names_it() {
    let env = TestEnv::with_org();
    let id = env.map("demo", "100", "acme");
    env.ok(&["edit", &id, "--deactivate"]);
    let error = env.json_error(3, &["get", "demo", "--org", "acme"]);
    assert_eq!(error["kind"], "no_mapping");
    let hint = error["hint"].as_str().unwrap();
    assert!(hint.contains("inactive"), "{hint}");
    assert!(hint.contains(&format!("orgmap edit {id} --activate")), "{hint}");
    assert_eq!(error["inactive_mappings"], json!([id]));
    let stderr = env.fails(3, &["get", "demo", "--org", "acme"]);
    assert!(stderr.contains("hint: an inactive mapping exists"), "{stderr}");
}

#[test]
fn get_with_mapping_id_of_an_inactive_mapping_exits_3() {
    let env = TestEnv::with_org();
    let id = env.map("demo", "100", "acme");
    env.ok(&["edit", &id, "--deactivate"]);
    env.fails(3, &["get", "demo", "--org", "acme", "--mapping-id", &id]);
}

#[test]
fn get_with_an_unknown_mapping_id_exits_3() {
    let env = TestEnv::with_org();
    env.map("demo", "100", "acme");
    let error = env.json_error(3, &["get", "demo", "--org", "acme", "--mapping-id", "ZZZZZZ"]);
    assert_eq!(error["kind"], "mapping_not_found");
}

#[test]
fn get_for_an_unknown_org_exits_3() {
    let env = TestEnv::with_org();
    let error = env.json_error(3, &["get", "demo", "--org", "ghost"]);
    assert_eq!(error["kind"], "org_not_found");
}

#[test]
fn get_for_an_unknown_integration_exits_5_listing_the_available_ones() {
    let env = TestEnv::with_org();
    let error = env.json_error(5, &["get", "halo", "--org", "acme"]);
    assert_eq!(error["kind"], "unknown_integration");
    assert_eq!(error["available"], json!(["billing", "demo", "free", "m365"]));
}

#[test]
// Regression: get on an integration with supports_org_mapping=false exits 3 and hints at `orgmap map`, which then fails with 5
fn get_for_an_integration_without_mapping_support_exits_5() {
    let env = TestEnv::with_org();
    let error = env.json_error(5, &["get", "billing", "--org", "acme"]);
    assert_eq!(error["kind"], "mapping_not_supported");
}

#[test]
fn get_on_a_deactivated_org_exits_8() {
    let env = TestEnv::with_org();
    env.map("demo", "100", "acme");
    env.ok(&["org", "deactivate", "acme"]);
    let error = env.json_error(8, &["get", "demo", "--org", "acme"]);
    assert_eq!(error["kind"], "org_inactive");
    assert!(error["hint"].as_str().unwrap().contains("orgmap org activate acme"), "{error}");
}

// ---- set ----

#[test]
fn set_creates_the_mapping_when_the_org_has_none() {
    let env = TestEnv::with_org();
    let out = env.json(&["set", "demo", "12345", "--org", "acme", "--name", "Acme", "--label", "main"]);
    assert_eq!(out["outcome"], "created");
    let m = &out["mapping"];
    assert_eq!(m["external_org_id"], "12345");
    assert_eq!(m["external_org_name"], "Acme");
    assert_eq!(m["label"], "main");
    assert_eq!(m["revision"], 1);
    assert_eq!(m["active"], true);
    assert_eq!(env.mappings(), vec![m.clone()]);
    let event = &env.audit()[0];
    assert_eq!(event["action"], "mapping.create");
    assert_eq!(event["actor"], ADMIN);
    assert_eq!(event["after"]["external_org_id"], "12345");
}

#[test]
fn set_prints_the_mapping_id_on_stdout() {
    let env = TestEnv::with_org();
    let out = env.run(&["set", "demo", "12345", "--org", "acme"]);
    assert!(out.status.success());
    let id = env.mappings()[0]["mapping_id"].as_str().unwrap().to_owned();
    assert_eq!(String::from_utf8_lossy(&out.stdout), format!("{id}\n"));
    assert!(String::from_utf8_lossy(&out.stderr).contains("created mapping"));
}

#[test]
fn set_updates_the_orgs_one_active_mapping_and_bumps_its_revision() {
    let env = TestEnv::with_org();
    let id = env.map("demo", "100", "acme");
    let out = env.json(&["set", "demo", "200", "--org", "acme"]);
    assert_eq!(out["outcome"], "updated");
    assert_eq!(out["mapping"]["mapping_id"], id.as_str());
    assert_eq!(out["mapping"]["external_org_id"], "200");
    assert_eq!(out["mapping"]["revision"], 2);
    assert_eq!(env.mappings().len(), 1, "updated, not added");
    let event = &env.audit()[0];
    assert_eq!(event["action"], "mapping.update");
    assert_eq!(event["before"]["external_org_id"], "100");
    assert_eq!(event["after"]["external_org_id"], "200");
}

#[test]
fn set_that_changes_nothing_reports_unchanged_and_writes_no_audit_event() {
    let env = TestEnv::with_org();
    env.ok(&["set", "demo", "100", "--org", "acme", "--meta", "region=eu"]);
    let before = env.state();
    let out = env.json(&["set", "demo", "100", "--org", "acme", "--meta", "region=eu"]);
    assert_eq!(out["outcome"], "unchanged");
    assert_eq!(out["mapping"]["revision"], 1);
    assert_eq!(env.state(), before);
}

#[test]
fn set_meta_stores_strings_and_meta_json_stores_typed_values() {
    let env = TestEnv::with_org();
    let out = env.json(&[
        "set",
        "demo",
        "100",
        "--org",
        "acme",
        "--meta",
        "region=eu",
        "--meta",
        "count=25",
        "--meta-json",
        "seats=25",
        "--meta-json",
        "tags=[\"a\",\"b\"]",
        "--meta-json",
        "billable=true",
    ]);
    let metadata = &out["mapping"]["metadata"];
    assert_eq!(*metadata, json!({"region": "eu", "count": "25", "seats": 25, "tags": ["a", "b"], "billable": true}));
    assert!(metadata["seats"].is_number());
    assert_eq!(env.json(&["get", "demo", "--org", "acme"])["metadata"], *metadata, "stored as reported");
}

#[test]
fn set_adds_metadata_keys_and_unset_meta_removes_them() {
    let env = TestEnv::with_org();
    env.ok(&["set", "demo", "100", "--org", "acme", "--meta", "region=eu", "--meta", "legacy=1"]);
    let out = env.json(&["set", "demo", "100", "--org", "acme", "--meta", "tier=gold", "--unset-meta", "legacy"]);
    assert_eq!(out["outcome"], "updated");
    assert_eq!(out["mapping"]["metadata"], json!({"region": "eu", "tier": "gold"}));
}

#[test]
fn set_with_a_new_external_id_forgets_the_old_external_name() {
    let env = TestEnv::with_org();
    env.ok(&["set", "demo", "100", "--org", "acme", "--name", "Old"]);
    let out = env.json(&["set", "demo", "200", "--org", "acme"]);
    assert!(out["mapping"]["external_org_name"].is_null(), "{out}");
    let out = env.json(&["set", "demo", "200", "--org", "acme", "--name", "New"]);
    assert_eq!(out["mapping"]["external_org_name"], "New");
}

#[test]
fn set_with_two_active_mappings_exits_4_and_changes_nothing() {
    let env = TestEnv::with_org();
    env.map_json("demo", "100", "acme", &["--label", "a"]);
    env.map_json("demo", "200", "acme", &["--label", "b"]);
    let before = env.state();
    let error = env.json_error(4, &["set", "demo", "300", "--org", "acme"]);
    assert_eq!(error["kind"], "ambiguous");
    assert_eq!(error["candidates"].as_array().unwrap().len(), 2);
    assert_eq!(env.state(), before);
}

#[test]
fn set_with_mapping_id_updates_the_named_mapping() {
    let env = TestEnv::with_org();
    let first = env.map("demo", "100", "acme");
    let second = env.map_another("demo", "200", "acme", "second");
    let out = env.json(&["set", "demo", "300", "--org", "acme", "--mapping-id", &second]);
    assert_eq!(out["outcome"], "updated");
    assert_eq!(out["mapping"]["mapping_id"], second.as_str());
    let first_now = env.mappings().into_iter().find(|m| m["mapping_id"] == first.as_str()).unwrap();
    assert_eq!(first_now["external_org_id"], "100", "the other mapping is untouched");
}

#[test]
fn set_on_a_deactivated_org_exits_8_and_changes_nothing() {
    let env = TestEnv::with_org();
    env.map("demo", "100", "acme");
    env.ok(&["org", "deactivate", "acme"]);
    let before = env.state();
    let error = env.json_error(8, &["set", "demo", "200", "--org", "acme"]);
    assert_eq!(error["kind"], "org_inactive");
    assert_eq!(env.state(), before);
}

#[test]
fn set_validates_the_external_id_like_map() {
    let env = TestEnv::with_org();
    let before = env.state();
    env.fails(5, &["set", "demo", "12a", "--org", "acme"]);
    env.fails(5, &["set", "free", "a\u{1b}b", "--org", "acme"]);
    env.fails(5, &["set", "free", &"x".repeat(201), "--org", "acme"]);
    env.fails(5, &["set", "billing", "1", "--org", "acme"]);
    env.fails(5, &["set", "demo", "1", "--org", "acme", "--meta", "bad key=1"]);
    let error = env.json_error(5, &["set", "halo", "1", "--org", "acme"]);
    assert_eq!(error["available"], json!(["billing", "demo", "free", "m365"]));
    assert_eq!(env.state(), before);
}

#[test]
fn set_with_meta_json_that_is_not_json_exits_2() {
    let env = TestEnv::with_org();
    let before = env.state();
    env.fails(2, &["set", "demo", "1", "--org", "acme", "--meta-json", "seats=lots"]);
    assert_eq!(env.state(), before);
}

#[test]
fn set_refuses_an_external_id_of_another_org_unless_shared() {
    let env = TestEnv::with_org();
    env.ok(&["org", "add", "globex", "--name", "Globex"]);
    env.map("demo", "555", "acme");
    let before = env.state();
    let error = env.json_error(10, &["set", "demo", "555", "--org", "globex"]);
    assert_eq!(error["kind"], "conflict");
    assert_eq!(env.state(), before);
    let out = env.json(&["set", "demo", "555", "--org", "globex", "--allow-shared"]);
    assert_eq!(out["outcome"], "created");
}

#[test]
fn set_for_an_unknown_org_exits_3() {
    let env = TestEnv::with_org();
    let before = env.state();
    let error = env.json_error(3, &["set", "demo", "1", "--org", "ghost"]);
    assert_eq!(error["kind"], "org_not_found");
    assert_eq!(env.state(), before);
}

#[test]
fn set_without_an_org_exits_2() {
    let env = TestEnv::with_org();
    env.fails(2, &["set", "demo", "1"]);
    assert!(env.mappings().is_empty());
}

#[test]
fn set_then_get_round_trips_for_a_workflow() {
    let env = TestEnv::with_org();
    env.ok(&["set", "demo", "12345", "--org", "acme", "--meta", "region=eu"]);
    assert_eq!(env.ok(&["get", "demo", "--org", "acme", "--field", "external_org_id"]), "12345\n");
    assert_eq!(env.ok(&["get", "demo", "--org", "acme", "--field", "metadata.region"]), "eu\n");
    assert_eq!(actions(&env.audit())[0], "mapping.create");
}

// ---- lookup ----

#[test]
fn lookup_finds_the_org_of_an_external_id() {
    let env = TestEnv::with_org();
    let m = env.map_json("demo", "12345", "acme", &["--label", "main"]);
    let found = env.json(&["lookup", "demo", "12345"]);
    let found = found.as_array().unwrap();
    assert_eq!(found.len(), 1);
    assert_eq!(found[0]["org"]["id"], "acme");
    assert_eq!(found[0]["org"]["name"], "Acme Corp");
    assert_eq!(found[0]["org"]["active"], true);
    assert_eq!(found[0]["mapping"], m);
}

#[test]
fn lookup_prints_a_table_for_people() {
    let env = TestEnv::with_org();
    let id = env.map("demo", "12345", "acme");
    let stdout = env.ok(&["lookup", "demo", "12345"]);
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 2, "{stdout}");
    assert!(lines[0].contains("ORG") && lines[0].contains("MAPPING"), "{stdout}");
    assert!(lines[1].contains("acme") && lines[1].contains("Acme Corp") && lines[1].contains(&id), "{stdout}");
}

#[test]
fn lookup_finds_every_org_sharing_an_external_id() {
    let env = TestEnv::with_org();
    env.ok(&["org", "add", "globex", "--name", "Globex"]);
    env.map("demo", "555", "acme");
    env.ok(&["map", "demo", "555", "--org", "globex", "--allow-shared"]);
    env.map_another("demo", "556", "acme", "second");
    let found = env.json(&["lookup", "demo", "555"]);
    let mut orgs: Vec<&str> = found.as_array().unwrap().iter().map(|f| f["org"]["id"].as_str().unwrap()).collect();
    orgs.sort_unstable();
    assert_eq!(orgs, ["acme", "globex"]);
}

#[test]
fn lookup_is_scoped_to_the_integration() {
    let env = TestEnv::with_org();
    env.map("free", "555", "acme");
    let error = env.json_error(3, &["lookup", "demo", "555"]);
    assert_eq!(error["kind"], "no_lookup_match");
}

#[test]
fn lookup_without_a_match_exits_3() {
    let env = TestEnv::with_org();
    env.map("demo", "12345", "acme");
    let error = env.json_error(3, &["lookup", "demo", "999"]);
    assert_eq!(error["kind"], "no_lookup_match");
    assert!(error["message"].as_str().unwrap().contains("'999'"), "{error}");
}

#[test]
fn lookup_of_an_inactive_mapping_exits_3_and_include_inactive_finds_it() {
    let env = TestEnv::with_org();
    let id = env.map("demo", "12345", "acme");
    env.ok(&["edit", &id, "--deactivate"]);
    let error = env.json_error(3, &["lookup", "demo", "12345"]);
    assert!(error["hint"].as_str().unwrap().contains("--include-inactive"), "{error}");
    let found = env.json(&["lookup", "demo", "12345", "--include-inactive"]);
    assert_eq!(found[0]["mapping"]["mapping_id"], id.as_str());
    assert_eq!(found[0]["mapping"]["active"], false);
}

#[test]
// Regression: lookup of an inactive organization's mapping exited 0 while get and set exit 8
fn lookup_of_an_inactive_orgs_mapping_exits_8_like_get_and_include_inactive_lists_it() {
    let env = TestEnv::with_org();
    env.map("demo", "12345", "acme");
    env.ok(&["org", "deactivate", "acme"]);
    let error = env.json_error(8, &["lookup", "demo", "12345"]);
    assert_eq!(error["kind"], "org_inactive");
    assert!(error["message"].as_str().unwrap().contains("'acme'"), "{error}");
    env.fails(8, &["get", "demo", "--org", "acme"]);
    let found = env.json(&["lookup", "demo", "12345", "--include-inactive"]);
    assert_eq!(found[0]["org"]["active"], false);
}

#[test]
fn lookup_lists_only_the_active_orgs_when_another_org_is_inactive() {
    let env = TestEnv::with_org();
    env.ok(&["org", "add", "globex", "--name", "Globex"]);
    env.map("demo", "12345", "acme");
    env.ok(&["map", "demo", "12345", "--org", "globex", "--allow-shared"]);
    env.ok(&["org", "deactivate", "acme"]);
    let found = env.json(&["lookup", "demo", "12345"]);
    assert_eq!(found.as_array().unwrap().len(), 1);
    assert_eq!(found[0]["org"]["id"], "globex");
}

#[test]
// Regression: `get --field metadata.missing` said it "is not a field of a mapping"
fn a_missing_metadata_key_is_named_with_the_keys_the_mapping_has() {
    let env = TestEnv::with_org();
    env.ok(&["map", "demo", "1", "--org", "acme", "--meta", "region=eu", "--meta", "tier=gold"]);
    let error = env.json_error(5, &["get", "demo", "--org", "acme", "--field", "metadata.missing"]);
    assert_eq!(error["message"], "invalid field: the mapping has no metadata key 'missing'");
    assert_eq!(error["hint"], "its metadata keys: region, tier");
}

#[test]
fn lookup_in_an_unknown_integration_exits_5() {
    let env = TestEnv::with_org();
    let error = env.json_error(5, &["lookup", "halo", "1"]);
    assert_eq!(error["kind"], "unknown_integration");
    assert_eq!(error["available"], json!(["billing", "demo", "free", "m365"]));
}
