//! Reconciling a whole MSP on fixture servers shaped like a PSA and an RMM, and a tenant list:
//! bootstrap organizations from the PSA, suggest and apply mappings in the others, on the run's
//! backend.

use std::sync::{Arc, Mutex};

use serde_json::{Value, json};

use crate::common::TestEnv;
use crate::fixture_faults::{Fixture, Reply};
use crate::pty;

/// A PSA with websites, an RMM whose sites carry the PSA company they belong to, and a tenant
/// list with verified domains, each answering what `answers` holds for it.
struct Systems {
    env: TestEnv,
    psa: Arc<Mutex<Value>>,
    rmm: Arc<Mutex<Value>>,
    _servers: Vec<Fixture>,
}

fn serve(answer: &Arc<Mutex<Value>>) -> Fixture {
    let held = answer.clone();
    Fixture::serve(move |_| Reply::json(held.lock().unwrap().clone()))
}

fn systems() -> Systems {
    let psa = Arc::new(Mutex::new(json!([
        {"id": 1, "name": "Acme Corp, Inc.", "website": "https://www.acme.com/", "inactive": false},
        {"id": 2, "name": "Globex GmbH", "website": null, "inactive": false},
        {"id": 3, "name": "Initech", "website": "initech.example", "inactive": false},
        {"id": 4, "name": "Umbrella Corporation", "website": null, "inactive": false},
        {"id": 5, "name": "Old Co Ltd", "website": null, "inactive": true},
    ])));
    let rmm = Arc::new(Mutex::new(json!([
        {"uid": "site-a", "name": "ACME HQ", "psaCompanyId": 1},
        {"uid": "site-g", "name": "Globex", "psaCompanyId": null},
        {"uid": "site-u1", "name": "Umbrella", "psaCompanyId": null},
        {"uid": "site-u2", "name": "Umbrella", "psaCompanyId": null},
        {"uid": "site-x", "name": "Stark Industries", "psaCompanyId": null},
    ])));
    let psa_server = serve(&psa);
    let rmm_server = serve(&rmm);
    let env = TestEnv::initialized();
    std::fs::write(
        env.path().join("tenants.json"),
        json!([
            {"tenantId": "0c0ffee0-0000-4000-8000-000000000001", "displayName": "Contoso", "domains": ["acme.com", "contoso.onmicrosoft.com"]},
            {"tenantId": "0c0ffee0-0000-4000-8000-000000000002", "displayName": "Initech", "domains": ["initech.onmicrosoft.com"]},
        ])
        .to_string(),
    )
    .unwrap();
    env.write_config(&format!(
        r#"
[integrations.psa]
display_name = "PSA"
supports_org_mapping = true
id_pattern = "[0-9]+"
[integrations.psa.list_organizations]
kind = "http"
url = "{psa}"
records = {{ id = "$.id", name = "$.name", domains = "$.website", inactive = [{{ path = "$.inactive", eq = true }}] }}

[integrations.rmm]
display_name = "RMM"
supports_org_mapping = true
[integrations.rmm.list_organizations]
kind = "http"
url = "{rmm}"
records = {{ id = "$.uid", name = "$.name", xrefs = {{ psa = "$.psaCompanyId" }} }}

[integrations.m365]
display_name = "Microsoft 365"
supports_org_mapping = true
list_organizations = {{ kind = "file", path = "tenants.json", records = {{ id = "$.tenantId", name = "$.displayName", domains = "$.domains" }} }}
"#,
        psa = psa_server.server.url("/companies"),
        rmm = rmm_server.server.url("/sites"),
    ));
    Systems { env, psa, rmm, _servers: vec![psa_server, rmm_server] }
}

fn ids(rows: &Value, field: &str) -> Vec<String> {
    rows.as_array().unwrap().iter().map(|r| r[field].as_str().unwrap().to_owned()).collect()
}

#[test]
fn org_import_bootstraps_organizations_with_readable_slugs_once_audited_as_one_import() {
    let systems = systems();
    let (env, psa) = (&systems.env, &systems.psa);
    env.ok(&["org", "add", "hooli", "--name", "Initech"]);
    let before = env.state();
    let plan = env.json(&["org", "import", "psa", "--dry-run"]);
    assert_eq!(ids(&plan["create"], "org_id"), ["acme-corp", "globex", "umbrella-corporation"]);
    assert_eq!(plan["skipped"][0]["external_org_id"], "3", "Initech is a name an org has: {plan}");
    assert_eq!(plan["applied"], false);
    assert_eq!(env.state(), before, "a dry run changes nothing");

    let done = env.json(&["org", "import", "psa"]);
    assert_eq!(done["applied"], true);
    let acme = env.json(&["get", "psa", "--org", "acme-corp"]);
    assert_eq!(acme["external_org_id"], "1");
    assert_eq!(acme["verified"], true);
    assert_eq!(acme["source"]["kind"], "import");
    assert_eq!(acme["source"]["accepted_by"], "admin");
    assert_eq!(env.json(&["org", "show", "acme-corp"])["org"]["name"], "Acme Corp, Inc.");
    let imports: Vec<Value> = env.audit().into_iter().filter(|e| e["action"] == "org.import").collect();
    assert_eq!(imports.len(), 1, "one audit event for the import");
    assert_eq!(imports[0]["after"]["created"].as_array().unwrap().len(), 3);

    let again = env.json(&["org", "import", "psa"]);
    assert_eq!(again["create"], json!([]), "re-running creates nothing new");
    assert_eq!(again["already_mapped"], 3);
    // A new company upstream, whose slug is taken, and the inactive one on request.
    env.ok(&["org", "add", "stark", "--name", "Tony's Workshop"]);
    psa.lock()
        .unwrap()
        .as_array_mut()
        .unwrap()
        .push(json!({"id": 6, "name": "Stark", "website": null, "inactive": false}));
    psa.lock()
        .unwrap()
        .as_array_mut()
        .unwrap()
        .push(json!({"id": 7, "name": "Globex", "website": null, "inactive": false}));
    let more = env.json(&["org", "import", "psa", "--refresh", "--include-inactive"]);
    assert_eq!(ids(&more["create"], "org_id"), ["old-co", "stark-2"]);
    assert!(
        more["skipped"].to_string().contains("an organization has this name already"),
        "Globex = Globex GmbH: {more}"
    );
    env.fails_as("eve", 6, &["org", "import", "psa"]);
}

#[test]
fn suggest_finds_cross_references_domains_and_names_and_never_calls_a_doubt_high() {
    let systems = systems();
    let env = &systems.env;
    env.ok(&["org", "import", "psa"]);
    env.ok(&["org", "edit", "acme-corp", "--alias", "Acme"]);
    env.ok(&["discover", "psa"]);

    let rmm = env.json(&["suggest", "rmm"]);
    let row = |org: &str| rmm.as_array().unwrap().iter().find(|r| r["org_id"] == org).cloned();
    let acme = row("acme-corp").expect("acme is suggested");
    assert_eq!((acme["external_org_id"].as_str(), acme["method"].as_str()), (Some("site-a"), Some("cross_reference")));
    assert_eq!(acme["confidence"], "high");
    assert!(acme["evidence"][0].as_str().unwrap().contains("psa 1"), "{acme}");
    let globex = row("globex").expect("globex is suggested");
    assert_eq!(
        (globex["external_org_id"].as_str(), globex["method"].as_str()),
        (Some("site-g"), Some("normalised_name"))
    );
    assert_eq!(globex["confidence"], "high");
    // Two sites called Umbrella: never high, and said why.
    if let Some(umbrella) = row("umbrella-corporation") {
        assert_ne!(umbrella["confidence"], "high", "{umbrella}");
        assert!(umbrella["ambiguous"].is_string(), "{umbrella}");
    }
    assert!(row("stark").is_none());

    // A domain the org has; the tenant's name says nothing (CIPP's Contoso/Acorn case).
    env.ok(&["org", "edit", "acme-corp", "--domain", "acme.com"]);
    let m365 = env.json(&["suggest", "m365"]);
    let acme = m365.as_array().unwrap().iter().find(|r| r["org_id"] == "acme-corp").expect("by domain");
    assert_eq!((acme["method"].as_str(), acme["confidence"].as_str()), (Some("domain"), Some("high")));
    assert!(
        m365.as_array().unwrap().iter().all(|r| r["evidence"].to_string().find("onmicrosoft").is_none()),
        "tenant domains are never evidence: {m365}"
    );
    let table = env.ok(&["suggest", "rmm"]);
    assert!(table.contains("cross reference") && table.contains("high"), "{table}");
    env.fails(5, &["suggest", "nosuch"]);
    env.fails(3, &["suggest", "rmm", "--org", "nobody"]);
}

#[test]
fn apply_re_derives_every_row_and_applies_the_plan_in_one_transaction_or_not_at_all() {
    let systems = systems();
    let (env, rmm) = (&systems.env, &systems.rmm);
    env.ok(&["org", "import", "psa"]);
    env.ok(&["discover", "psa"]);
    let plan = env.path().join("rmm.plan.jsonl");
    let plan_arg = plan.to_str().unwrap();
    env.ok(&["suggest", "rmm", "--plan", plan_arg]);
    let rows: Vec<Value> =
        std::fs::read_to_string(&plan).unwrap().lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert!(rows.iter().any(|r| r["org_id"] == "acme-corp" && r["confidence"] == "high"), "{rows:?}");

    let before = env.state();
    let dry = env.json(&["apply", plan_arg, "--dry-run"]);
    assert_eq!(dry["created"].as_array().unwrap().len(), 2, "{dry}");
    assert_eq!(env.state(), before, "a dry run changes nothing");

    // The world moved since the plan: globex got a mapping by hand, acme's site was renamed.
    env.ok(&["map", "rmm", "site-x", "--org", "globex", "--no-verify"]);
    {
        let mut sites = rmm.lock().unwrap();
        sites[0]["name"] = json!("ACME Head Office");
    }
    env.ok(&["discover", "rmm", "--refresh"]);
    let before = env.state();
    let out = env.run(&["apply", plan_arg, "--json"]);
    assert_eq!(out.status.code(), Some(10));
    let refused: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(refused["applied"], false);
    assert_eq!(refused["conflicts"].as_array().unwrap().len(), 2, "{refused}");
    assert!(String::from_utf8_lossy(&out.stderr).contains("nothing was applied"));
    assert_eq!(env.state(), before, "nothing applied");
    let out = env.run(&["apply", plan_arg]);
    let listed = String::from_utf8_lossy(&out.stdout);
    assert!(listed.contains("has a mapping now") && listed.contains("renamed upstream"), "{listed}");

    // A new plan holds; apply it, audited, each mapping saying where it came from.
    env.ok(&["suggest", "rmm", "--plan", plan_arg]);
    let applied = env.json(&["apply", plan_arg]);
    assert_eq!(applied["applied"], true, "{applied}");
    let acme = env.json(&["get", "rmm", "--org", "acme-corp"]);
    assert_eq!(acme["external_org_id"], "site-a");
    assert_eq!(acme["source"]["kind"], "suggested");
    assert_eq!(acme["source"]["method"], "cross_reference");
    assert_eq!(acme["source"]["confidence"], "high");
    assert_eq!(acme["source"]["accepted_by"], "admin");
    let event =
        env.audit().into_iter().find(|e| e["action"] == "mapping.create" && e["org_id"] == "acme-corp").unwrap();
    assert_eq!(event["after"]["source"]["kind"], "suggested");
    // Applying again: every row now conflicts (the orgs have mappings); nothing is duplicated.
    env.fails(10, &["apply", plan_arg]);
    assert_eq!(env.json(&["list", "--integration", "rmm"]).as_array().unwrap().len(), 2);
}

#[test]
fn a_plan_is_checked_like_any_input_and_an_ambiguous_row_needs_a_person() {
    let systems = systems();
    let env = &systems.env;
    env.ok(&["org", "import", "psa"]);
    let plan = env.path().join("edited.jsonl");
    let plan_arg = plan.to_str().unwrap();
    let row = |org: &str, id: &str, extra: Value| {
        let mut row = json!({"integration": "rmm", "org_id": org, "external_org_id": id, "external_org_name": null,
            "method": "fuzzy_name", "confidence": "medium", "evidence": [], "score": 0.5});
        row.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
        row.to_string()
    };
    // A person decided: the ambiguous mark removed, a medium row kept, applied at --min-confidence medium.
    std::fs::write(&plan, row("umbrella-corporation", "site-u2", json!({})) + "\n").unwrap();
    let below = env.json(&["apply", plan_arg]);
    assert_eq!(below["below_confidence"], 1, "medium rows are left out by default: {below}");
    std::fs::write(
        &plan,
        row("umbrella-corporation", "site-u2", json!({"ambiguous": "two sites named Umbrella"})) + "\n",
    )
    .unwrap();
    let out = env.run(&["apply", plan_arg, "--min-confidence", "low"]);
    assert_eq!(out.status.code(), Some(10));
    assert!(String::from_utf8_lossy(&out.stdout).contains("remove \"ambiguous\""), "{out:?}");
    std::fs::write(&plan, row("umbrella-corporation", "site-u2", json!({})) + "\n").unwrap();
    env.ok(&["apply", plan_arg, "--min-confidence", "medium"]);
    assert_eq!(env.json(&["get", "rmm", "--org", "umbrella-corporation"])["external_org_id"], "site-u2");

    for (bad, says) in [
        ("{\"integration\": \"rmm\"", "line 1 is not a plan row"),
        (&row("Not A Slug", "site-g", json!({})), "is not a slug"),
        (&row("globex", "site\u{1b}[2J", json!({})), "control characters"),
        (&row("globex", "site-g", json!({"confidence": "certain"})), "unknown confidence"),
        (
            &format!(
                "{}\n{}",
                row("globex", "site-g", json!({})),
                row("globex", "site-g", json!({})).replace("\"rmm\"", "\"psa\"")
            ),
            "mixes integrations",
        ),
    ] {
        std::fs::write(&plan, format!("{bad}\n")).unwrap();
        let err = env.fails(5, &["apply", plan_arg, "--min-confidence", "low"]);
        assert!(err.contains(says), "{says}: {err}");
    }
    let err = env.fails(11, &["apply", "/nonexistent/plan.jsonl"]);
    assert!(err.contains("/nonexistent/plan.jsonl"), "{err}");
}

/// `orgmap suggest rmm` on a terminal of `cols` × `rows`.
fn suggest_rmm_on_a_terminal(env: &TestEnv, cols: u16, rows: u16) -> pty::Terminal {
    let mut cmd = env.std_cmd();
    cmd.args(["suggest", "rmm"]);
    pty::Terminal::spawn(cmd, cols, rows)
}

#[test]
fn on_a_terminal_suggest_opens_a_review_and_applies_what_was_accepted_in_one_go() {
    let systems = systems();
    let env = &systems.env;
    env.ok(&["org", "import", "psa"]);
    env.ok(&["discover", "psa"]);
    let mut term = suggest_rmm_on_a_terminal(env, 80, 24);
    term.screen.exp_string("proposals").expect("the review screen");
    term.screen.exp_string("acme-corp").expect("a proposal");
    term.resize(100, 30);
    // The screen is drawn again at the new size: its key line moves to row 30.
    term.screen.exp_string("\u{1b}[30;1H").expect("redrawn after a resize");
    // Accept every high proposal, finish, confirm: 3 keys.
    term.press("A");
    term.press("\r");
    term.screen.exp_string("Create 2 rmm mapping(s)?").expect("one confirmation");
    term.press("y");
    term.screen.exp_string("created 2 rmm mapping(s)").expect("done");
    assert_eq!(term.exit_code(), 0);
    let acme = env.json(&["get", "rmm", "--org", "acme-corp"]);
    assert_eq!(acme["source"]["kind"], "suggested");

    // Esc cancels with nothing changed, even on the smallest terminal.
    env.ok(&["unmap", "rmm", "--org", "acme-corp", "--yes"]);
    let before = env.state();
    let mut term = suggest_rmm_on_a_terminal(env, 20, 5);
    term.screen.exp_string("acme").expect("a proposal at 20x5");
    term.press(" ");
    term.press("\x1b");
    assert_eq!(term.exit_code(), 130, "a cancel");
    assert_eq!(env.state(), before, "nothing changed");

    // `c` picks another external organization with the picker; the mapping is then a manual one.
    let mut term = suggest_rmm_on_a_terminal(env, 80, 24);
    term.screen.exp_string("acme-corp").expect("the first proposal is acme's");
    term.press("c");
    term.screen.exp_string("RMM organization:").expect("the picker");
    term.press("Stark");
    term.screen.exp_string("1 of").expect("filtered to Stark Industries");
    term.press("\r");
    term.screen.exp_string("acme-corp").expect("back on the review screen");
    term.press("\r");
    term.screen.exp_string("Create 1 rmm mapping(s)?").expect("one confirmation");
    term.press("y");
    assert_eq!(term.exit_code(), 0);
    let acme = env.json(&["get", "rmm", "--org", "acme-corp"]);
    assert_eq!(acme["external_org_id"], "site-x");
    assert_eq!(acme["source"]["kind"], "manual");
}
