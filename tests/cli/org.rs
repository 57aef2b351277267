//! `orgmap org add/list/show/rename/deactivate/activate`: the MSP's own organizations.

use crate::common::{ADMIN, TestEnv, actions};

#[test]
fn org_add_creates_an_active_org_and_reports_it_as_json() {
    let env = TestEnv::initialized();
    let out = env.json(&["org", "add", "acme", "--name", "Acme Corp"]);
    assert_eq!(out["outcome"], "created");
    let org = &out["org"];
    assert_eq!(org["id"], "acme");
    assert_eq!(org["name"], "Acme Corp");
    assert_eq!(org["active"], true);
    assert_eq!(org["created_by"], ADMIN);
    assert_eq!(org["updated_by"], ADMIN);
    assert!(org["created_at"].as_str().is_some_and(|at| !at.is_empty()));
    assert_eq!(org["created_at"], org["updated_at"]);
    assert_eq!(env.json(&["org", "list"])[0], *org, "org list shows what org add reported");
}

#[test]
fn org_add_is_audited_as_org_create_with_the_new_org() {
    let env = TestEnv::with_org();
    let events = env.audit();
    assert_eq!(actions(&events), ["org.create", "store.init"]);
    let event = &events[0];
    assert_eq!(event["actor"], ADMIN);
    assert_eq!(event["target"], "org:acme");
    assert_eq!(event["org_id"], "acme");
    assert_eq!(event["outcome"], "ok");
    assert!(event["before"].is_null());
    assert_eq!(event["after"]["name"], "Acme Corp");
    assert_eq!(event["after"]["active"], true);
}

#[test]
fn org_add_of_an_identical_org_changes_nothing() {
    let env = TestEnv::with_org();
    let before = env.state();
    let out = env.json(&["org", "add", "acme", "--name", "Acme Corp"]);
    assert_eq!(out["outcome"], "unchanged");
    assert_eq!(out["org"]["name"], "Acme Corp");
    assert_eq!(env.state(), before, "no record and no audit event was written");
}

#[test]
fn org_add_of_an_existing_id_with_another_name_exits_10_and_changes_nothing() {
    let env = TestEnv::with_org();
    let before = env.state();
    let stderr = env.fails(10, &["org", "add", "acme", "--name", "Acme Industries"]);
    assert!(stderr.contains("already exists"), "{stderr}");
    assert!(stderr.contains("Acme Corp"), "the message names the existing org: {stderr}");
    assert!(stderr.contains("orgmap org rename acme"), "the hint says how to rename: {stderr}");
    assert_eq!(env.state(), before);
}

#[test]
fn org_add_rejects_an_id_that_is_not_a_slug() {
    let env = TestEnv::initialized();
    let before = env.state();
    for bad in ["Acme", "acme corp", "_acme", "acme/x"] {
        let error = env.json_error(5, &["org", "add", bad, "--name", "Acme"]);
        assert_eq!(error["kind"], "invalid", "{bad}: {error}");
        assert!(error["message"].as_str().unwrap().contains("organization ID"), "{error}");
    }
    assert_eq!(env.state(), before);
}

#[test]
fn org_add_rejects_an_empty_name() {
    let env = TestEnv::initialized();
    let before = env.state();
    env.fails(5, &["org", "add", "acme", "--name", "   "]);
    assert_eq!(env.state(), before);
}

#[test]
fn org_list_shows_every_org_and_active_shows_only_active_ones() {
    let env = TestEnv::with_org();
    env.ok(&["org", "add", "globex", "--name", "Globex"]);
    env.ok(&["org", "deactivate", "globex"]);
    let all = env.json(&["org", "list"]);
    let ids: Vec<&str> = all.as_array().unwrap().iter().map(|o| o["id"].as_str().unwrap()).collect();
    assert_eq!(ids, ["acme", "globex"]);
    assert_eq!(all[1]["active"], false);
    let active = env.json(&["org", "list", "--active"]);
    assert_eq!(active.as_array().unwrap().len(), 1);
    assert_eq!(active[0]["id"], "acme");
}

#[test]
fn org_list_prints_a_table_with_one_row_per_org() {
    let env = TestEnv::with_org();
    env.ok(&["org", "add", "globex", "--name", "Globex Inc"]);
    let stdout = env.ok(&["org", "list"]);
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 3, "{stdout}");
    for column in ["ORG", "NAME", "ACTIVE"] {
        assert!(lines[0].contains(column), "{stdout}");
    }
    assert!(lines[1].contains("acme") && lines[1].contains("Acme Corp") && lines[1].contains("yes"), "{stdout}");
    assert!(lines[2].contains("globex") && lines[2].contains("Globex Inc"), "{stdout}");
}

#[test]
fn org_show_lists_all_the_orgs_mappings_active_or_not() {
    let env = TestEnv::with_org();
    let first = env.map_json("demo", "100", "acme", &["--name", "Acme in Demo", "--label", "main"]);
    let second = env.map("free", "acme-x", "acme");
    env.ok(&["edit", &second, "--deactivate"]);
    let shown = env.json(&["org", "show", "acme"]);
    assert_eq!(shown["org"]["id"], "acme");
    assert_eq!(shown["org"]["name"], "Acme Corp");
    let mappings = shown["mappings"].as_array().unwrap();
    assert_eq!(mappings.len(), 2, "{shown}");
    let demo = mappings.iter().find(|m| m["integration"] == "demo").unwrap();
    assert_eq!(*demo, first);
    let free = mappings.iter().find(|m| m["integration"] == "free").unwrap();
    assert_eq!(free["mapping_id"], second.as_str());
    assert_eq!(free["active"], false);
}

#[test]
fn org_show_prints_the_org_and_a_table_of_its_mappings() {
    let env = TestEnv::with_org();
    let id =
        env.map_json("demo", "100", "acme", &["--name", "Acme in Demo"])["mapping_id"].as_str().unwrap().to_owned();
    let stdout = env.ok(&["org", "show", "acme"]);
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines[0], "acme \"Acme Corp\" (active)", "{stdout}");
    assert!(lines[1].contains("INTEGRATION") && lines[1].contains("EXTERNAL ID"), "{stdout}");
    assert!(lines[2].contains("demo") && lines[2].contains("100") && lines[2].contains("Acme in Demo"), "{stdout}");
    assert!(lines[2].contains(&id), "{stdout}");
}

#[test]
fn org_show_of_an_org_without_mappings_says_how_to_create_one() {
    let env = TestEnv::with_org();
    let out = env.run(&["org", "show", "acme"]);
    assert!(out.status.success());
    assert_eq!(String::from_utf8_lossy(&out.stdout), "acme \"Acme Corp\" (active)\n");
    assert!(String::from_utf8_lossy(&out.stderr).contains("orgmap map"));
}

#[test]
fn org_show_of_an_unknown_org_exits_3() {
    let env = TestEnv::with_org();
    let error = env.json_error(3, &["org", "show", "ghost"]);
    assert_eq!(error["kind"], "org_not_found");
    assert!(error["message"].as_str().unwrap().contains("'ghost'"), "{error}");
    assert!(error["hint"].as_str().unwrap().contains("orgmap org list"), "{error}");
}

#[test]
fn org_rename_changes_the_name_and_is_audited_with_before_and_after() {
    let env = TestEnv::with_org();
    let out = env.json(&["org", "rename", "acme", "Acme Corporation"]);
    assert_eq!(out["outcome"], "updated");
    assert_eq!(out["org"]["name"], "Acme Corporation");
    assert_eq!(env.json(&["org", "list"])[0]["name"], "Acme Corporation");
    let event = &env.audit()[0];
    assert_eq!(event["action"], "org.rename");
    assert_eq!(event["actor"], ADMIN);
    assert_eq!(event["org_id"], "acme");
    assert_eq!(event["before"]["name"], "Acme Corp");
    assert_eq!(event["after"]["name"], "Acme Corporation");
}

#[test]
fn org_rename_to_the_same_name_is_unchanged_and_not_audited() {
    let env = TestEnv::with_org();
    let before = env.state();
    assert_eq!(env.json(&["org", "rename", "acme", "Acme Corp"])["outcome"], "unchanged");
    assert_eq!(env.state(), before);
}

#[test]
fn org_rename_of_an_unknown_org_exits_3_and_changes_nothing() {
    let env = TestEnv::with_org();
    let before = env.state();
    env.fails(3, &["org", "rename", "ghost", "Ghost Inc"]);
    assert_eq!(env.state(), before);
}

#[test]
fn org_rename_rejects_a_name_with_control_characters() {
    let env = TestEnv::with_org();
    let before = env.state();
    env.fails(5, &["org", "rename", "acme", "Acme\nCorp"]);
    assert_eq!(env.state(), before);
}

#[test]
fn org_deactivate_and_activate_flip_the_org_and_are_audited() {
    let env = TestEnv::with_org();
    let out = env.json(&["org", "deactivate", "acme"]);
    assert_eq!(out["outcome"], "updated");
    assert_eq!(out["org"]["active"], false);
    let event = &env.audit()[0];
    assert_eq!(event["action"], "org.deactivate");
    assert_eq!(event["before"]["active"], true);
    assert_eq!(event["after"]["active"], false);

    let out = env.json(&["org", "activate", "acme"]);
    assert_eq!(out["outcome"], "updated");
    assert_eq!(out["org"]["active"], true);
    let event = &env.audit()[0];
    assert_eq!(event["action"], "org.activate");
    assert_eq!(event["before"]["active"], false);
    assert_eq!(event["after"]["active"], true);
}

#[test]
fn deactivating_an_inactive_org_is_unchanged_and_not_audited() {
    let env = TestEnv::with_org();
    env.ok(&["org", "deactivate", "acme"]);
    let before = env.state();
    assert_eq!(env.json(&["org", "deactivate", "acme"])["outcome"], "unchanged");
    assert_eq!(env.state(), before);
}

#[test]
fn org_deactivate_of_an_unknown_org_exits_3() {
    let env = TestEnv::with_org();
    let before = env.state();
    env.fails(3, &["org", "deactivate", "ghost"]);
    env.fails(3, &["org", "activate", "ghost"]);
    assert_eq!(env.state(), before);
}

#[test]
fn org_commands_report_their_outcome_on_stderr_only() {
    let env = TestEnv::initialized();
    let out = env.run(&["org", "add", "acme", "--name", "Acme Corp"]);
    assert!(out.status.success());
    assert!(out.stdout.is_empty(), "{}", String::from_utf8_lossy(&out.stdout));
    assert_eq!(String::from_utf8_lossy(&out.stderr), "created organization acme \"Acme Corp\" (active)\n");
}
