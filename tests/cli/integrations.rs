//! `orgmap integrations`: what integrations.toml declares, and how many mappings use each.

use serde_json::json;

use crate::common::TestEnv;

#[test]
fn integrations_json_lists_every_integration_field_by_field() {
    let env = TestEnv::with_org();
    env.map("demo", "1", "acme");
    env.map_another("demo", "2", "acme", "second");
    env.map("free", "x", "acme");
    let listed = env.json(&["integrations"]);
    let expected = json!([
        {
            "name": "billing",
            "display_name": "Billing (no mapping)",
            "supports_org_mapping": false,
            "discovery": "manual",
            "id_pattern": null,
            "cache_ttl_seconds": 3600,
            "mapping_count": 0
        },
        {
            "name": "demo",
            "display_name": "Demo PSA",
            "supports_org_mapping": true,
            "discovery": "manual",
            "id_pattern": "[0-9]+",
            "cache_ttl_seconds": 3600,
            "mapping_count": 2
        },
        {
            "name": "free",
            "display_name": "Free-form IDs",
            "supports_org_mapping": true,
            "discovery": "manual",
            "id_pattern": null,
            "cache_ttl_seconds": 3600,
            "mapping_count": 1
        },
        {
            "name": "m365",
            "display_name": "Microsoft 365",
            "supports_org_mapping": true,
            "discovery": "manual",
            "id_pattern": "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}",
            "cache_ttl_seconds": 3600,
            "mapping_count": 0
        }
    ]);
    let listed = listed.as_array().unwrap();
    assert_eq!(listed.len(), 4, "{listed:?}");
    // Field by field: the JSON contract only ever adds fields.
    for (got, want) in listed.iter().zip(expected.as_array().unwrap()) {
        for (field, value) in want.as_object().unwrap() {
            assert_eq!(&got[field], value, "{field} of {got}");
        }
    }
}

#[test]
fn integrations_name_shows_only_that_integration() {
    let env = TestEnv::with_org();
    env.map("demo", "1", "acme");
    let listed = env.json(&["integrations", "demo"]);
    assert_eq!(listed.as_array().unwrap().len(), 1);
    assert_eq!(listed[0]["name"], "demo");
    assert_eq!(listed[0]["mapping_count"], 1);
}

#[test]
fn mapping_count_includes_inactive_mappings_and_drops_deleted_ones() {
    let env = TestEnv::with_org();
    let a = env.map("demo", "1", "acme");
    let b = env.map_another("demo", "2", "acme", "second");
    env.ok(&["edit", &a, "--deactivate"]);
    assert_eq!(env.json(&["integrations", "demo"])[0]["mapping_count"], 2);
    env.ok(&["unmap", &b, "--yes"]);
    assert_eq!(env.json(&["integrations", "demo"])[0]["mapping_count"], 1);
}

#[test]
fn integrations_work_before_init_without_mapping_counts() {
    let env = TestEnv::new();
    let listed = env.json(&["integrations"]);
    let listed = listed.as_array().unwrap();
    assert_eq!(listed.len(), 4);
    assert!(listed.iter().all(|i| i["mapping_count"].is_null()), "{listed:?}");
    assert!(!env.store.exists(), "listing integrations creates no store");
}

#[test]
fn integrations_of_an_unknown_name_exits_5_listing_the_available_ones() {
    let env = TestEnv::initialized();
    let error = env.json_error(5, &["integrations", "halo"]);
    assert_eq!(error["kind"], "unknown_integration");
    assert_eq!(error["available"], json!(["billing", "demo", "free", "m365"]));
    let stderr = env.fails(5, &["integrations", "halo"]);
    assert!(stderr.contains("available integrations: billing, demo, free, m365"), "{stderr}");
}

#[test]
fn integrations_prints_a_table_for_people() {
    let env = TestEnv::with_org();
    env.map("demo", "1", "acme");
    let stdout = env.ok(&["integrations"]);
    let rows: Vec<Vec<&str>> = stdout.lines().map(|l| l.split_whitespace().collect()).collect();
    assert_eq!(rows.len(), 5, "{stdout}");
    assert_eq!(
        rows[0],
        ["NAME", "DISPLAY", "NAME", "MAPPING", "DISCOVERY", "CONFIGURED", "CACHED", "LIST", "MAPPINGS"]
    );
    assert_eq!(rows[1], ["billing", "Billing", "(no", "mapping)", "-", "manual", "yes", "-", "0"]);
    assert_eq!(rows[2], ["demo", "Demo", "PSA", "enabled", "manual", "yes", "-", "1"]);
}
