//! What reconciling many organizations builds on: organizations' domains and aliases, exclusions,
//! and coverage (who is unmapped where), on the run's backend.

use serde_json::Value;

use crate::common::TestEnv;

#[test]
fn organizations_keep_domains_and_aliases_checked_and_audited() {
    let env = TestEnv::with_org();
    let org = env.json(&[
        "org",
        "edit",
        "acme",
        "--domain",
        "Acme.COM",
        "--domain",
        "www.acme.de",
        "--alias",
        "Acme Holdings",
    ]);
    assert_eq!(org["outcome"], "updated");
    assert_eq!(org["org"]["domains"], serde_json::json!(["acme.com", "acme.de"]));
    assert_eq!(org["org"]["aliases"], serde_json::json!(["Acme Holdings"]));
    assert_eq!(env.audit()[0]["action"], "org.update");
    for (domain, says) in [
        ("gmail.com", "public mail or tenant domain"),
        ("contoso.onmicrosoft.com", "public mail or tenant domain"),
        ("https://acme.com/x", "is not a domain name"),
        ("acme", "is not a domain name"),
        ("ac me.com", "is not a domain name"),
    ] {
        let err = env.fails(5, &["org", "edit", "acme", "--domain", domain]);
        assert!(err.contains(says), "{domain}: {err}");
    }
    env.fails(5, &["org", "edit", "acme", "--alias", "Evil\u{1b}[2J"]);
    let edited = env.json(&["org", "edit", "acme", "--remove-domain", "acme.de", "--remove-alias", "Acme Holdings"]);
    assert_eq!(edited["org"]["domains"], serde_json::json!(["acme.com"]));
    assert_eq!(edited["org"]["aliases"], serde_json::json!([]));
    let unchanged = env.json(&["org", "edit", "acme", "--domain", "acme.com"]);
    assert_eq!(unchanged["outcome"], "unchanged");
    env.fails_as("eve", 6, &["org", "edit", "acme", "--domain", "evil.com"]);
    let created =
        env.json(&["org", "add", "globex", "--name", "Globex", "--domain", "globex.com", "--alias", "Globex Corp"]);
    assert_eq!(created["org"]["domains"], serde_json::json!(["globex.com"]));
    let shown = env.ok(&["org", "show", "globex"]);
    assert!(shown.contains("domains: globex.com") && shown.contains("aliases: \"Globex Corp\""), "{shown}");
}

#[test]
fn exclusions_are_audited_refused_over_a_mapping_and_move_with_an_export() {
    let env = TestEnv::with_org();
    let excluded = env.json(&["exclude", "demo", "--org", "acme", "--reason", "no PSA contract"]);
    assert_eq!(excluded["outcome"], "created");
    assert_eq!(excluded["exclusion"]["reason"], "no PSA contract");
    assert_eq!(env.audit()[0]["action"], "exclusion.create");
    assert_eq!(env.json(&["exclude", "demo", "--org", "acme", "--reason", "no PSA contract"])["outcome"], "unchanged");
    env.fails(5, &["exclude", "billing", "--org", "acme"]);
    env.fails(3, &["exclude", "demo", "--org", "nobody"]);
    env.fails_as("eve", 6, &["exclude", "m365", "--org", "acme"]);
    env.map("m365", "0c0ffee0-1234-4abc-8def-000000000001", "acme");
    let err = env.fails(10, &["exclude", "m365", "--org", "acme"]);
    assert!(err.contains("active m365 mapping"), "{err}");

    let fresh = TestEnv::initialized();
    let file = fresh.path().join("export.jsonl");
    std::fs::write(&file, env.ok(&["export"])).unwrap();
    let plan = fresh.json(&["import", file.to_str().unwrap()]);
    assert_eq!(plan["exclusions"]["create"], 1, "{plan}");
    let coverage = fresh.json(&["coverage", "--integration", "demo"]);
    assert_eq!(coverage["rows"][0]["cells"]["demo"]["state"], "excluded");

    assert_eq!(env.json(&["include", "demo", "--org", "acme"])["outcome"], "deleted");
    assert_eq!(env.audit()[0]["action"], "exclusion.delete");
    assert_eq!(env.json(&["include", "demo", "--org", "acme"])["outcome"], "unchanged");
}

fn cell<'a>(grid: &'a Value, org: &str, integration: &str) -> &'a Value {
    let row = grid["rows"].as_array().unwrap().iter().find(|r| r["org_id"] == org).expect("the org's row");
    &row["cells"][integration]
}

#[test]
fn coverage_shows_every_cell_state_totals_and_gates_ci_with_exit_12() {
    let env = TestEnv::with_org();
    // demo lists its organizations from a file, so that IDs are checked and names compared.
    let csv = env.path().join("orgs.csv");
    std::fs::write(&csv, "id,name,active\n1,Acme,true\n2,Globex,true\n3,Hooli,true\n4,Wayne,false\n").unwrap();
    let config = std::fs::read_to_string(&env.config).unwrap().replace(
        "id_pattern = \"[0-9]+\"\n",
        "id_pattern = \"[0-9]+\"\nlist_organizations = { kind = \"file\", path = \"orgs.csv\" }\n",
    );
    env.write_config(&config);
    for (id, name) in [("globex", "Globex"), ("initech", "Initech"), ("umbrella", "Umbrella"), ("hooli", "Hooli")] {
        env.ok(&["org", "add", id, "--name", name]);
    }
    env.ok(&["org", "add", "wayne", "--name", "Wayne"]);
    env.ok(&["org", "add", "gone", "--name", "Gone"]);
    env.ok(&["org", "deactivate", "gone"]);
    env.map("demo", "1", "acme");
    let unverified = env.ok(&["map", "demo", "2", "--org", "globex", "--no-verify"]).trim().to_owned();
    let renamed = env.map("demo", "3", "hooli");
    env.map("demo", "4", "wayne");
    env.ok(&["exclude", "demo", "--org", "initech", "--reason", "no contract"]);
    env.map("free", "a", "acme");
    env.ok(&["map", "free", "b", "--org", "acme", "--label", "second"]);
    std::fs::write(&csv, "id,name,active\n1,Acme,true\n2,Globex,true\n3,Hooli XYZ,true\n4,Wayne,false\n").unwrap();
    env.ok(&["refresh", "demo"]);

    let grid = env.json(&["coverage", "--integration", "demo", "--integration", "free"]);
    assert_eq!(grid["integrations"], serde_json::json!(["demo", "free"]));
    assert_eq!(grid["rows"].as_array().unwrap().len(), 6, "inactive orgs are left out: {grid}");
    assert_eq!(cell(&grid, "acme", "demo")["state"], "mapped");
    assert_eq!(cell(&grid, "acme", "demo")["external_org_ids"], serde_json::json!(["1"]));
    assert_eq!(cell(&grid, "acme", "free")["external_org_ids"].as_array().unwrap().len(), 2);
    assert_eq!(cell(&grid, "acme", "free")["state"], "mapped", "free cannot check IDs: not a gap");
    assert_eq!(cell(&grid, "globex", "demo")["state"], "unverified");
    assert_eq!(cell(&grid, "hooli", "demo")["state"], "stale");
    assert_eq!(cell(&grid, "wayne", "demo")["state"], "inactive_upstream");
    assert_eq!(cell(&grid, "initech", "demo")["state"], "excluded");
    assert_eq!(cell(&grid, "initech", "demo")["reason"], "no contract");
    assert_eq!(cell(&grid, "umbrella", "demo")["state"], "missing");
    assert_eq!(grid["totals"]["demo"]["missing"], 1);
    assert_eq!(grid["totals"]["demo"]["mapped"], 1);
    assert_eq!(grid["totals"]["free"]["missing"], 5);

    let table = env.ok(&["coverage", "--integration", "demo"]);
    for shown in ["ORG", "DEMO", "missing", "excluded", "stale", "unverified", "inactive upstream"] {
        assert!(table.contains(shown), "{shown}: {table}");
    }
    let gaps = env.json(&["coverage", "--integration", "demo", "--missing"]);
    let orgs: Vec<&str> = gaps["rows"].as_array().unwrap().iter().map(|r| r["org_id"].as_str().unwrap()).collect();
    assert_eq!(orgs, ["globex", "hooli", "umbrella"]);

    let out = env.run(&["coverage", "--integration", "demo", "--check"]);
    assert_eq!(out.status.code(), Some(12), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stderr).contains("3 gap(s)"));
    // Closing the gaps: exclude, verify, take the new name.
    env.ok(&["exclude", "demo", "--org", "umbrella"]);
    env.ok(&["unmap", &unverified, "--yes"]);
    env.map("demo", "2", "globex");
    env.ok(&["edit", &renamed, "--name", "Hooli XYZ"]);
    env.ok(&["coverage", "--integration", "demo", "--check"]);
    env.fails(5, &["coverage", "--integration", "billing"]);
    env.fails(3, &["coverage", "--org", "nobody"]);
}
