//! Choices refused or questioned where they are made, an org's existing mapping, unconfigured
//! integrations, and `edit` asking what to change.

use super::{picking_env, spawn};
use crate::common::TestEnv;

#[test]
fn an_external_org_mapped_to_another_org_is_marked_and_questioned_when_picked() {
    let env = picking_env();
    env.map("files", "12346", "globex");
    let mut term = spawn(&env, &["map", "files", "--org", "acme", "--label", "x"]);
    term.expect("File PSA organization:");
    term.wait_for_text("[mapped: globex]");
    term.press("globex\r");
    term.wait_for_text("mapped to globex — map it to acme too? (--allow-shared) [y/N]");
    term.press("n");
    // Declining leaves the picker open with the query, for another choice.
    term.wait_for("the question gone, the picker still there", |s| {
        !s.contents().contains("map it to acme too") && s.contents().contains("File PSA organization: globex")
    });
    term.press("\r");
    term.wait_for_text("map it to acme too?");
    term.press("y");
    term.expect("Metadata");
    term.press("\r");
    term.wait_for_text("Map acme to files 12346");
    term.press("y");
    assert_eq!(term.exit_code(), 0);
    let shared: Vec<_> = env.mappings().into_iter().filter(|m| m["external_org_id"] == "12346").collect();
    assert_eq!(shared.len(), 2, "yes shares it, as --allow-shared does");
}

#[test]
fn a_typed_id_not_in_the_list_is_refused_when_entered_and_the_picker_stays() {
    let env = picking_env();
    let mut term = spawn(&env, &["map", "files", "--org", "acme", "--label", "x"]);
    term.expect("File PSA organization:");
    term.press("55555");
    term.wait_for_text("[type] use \"55555\" as the ID");
    term.wait_for_text("not in the list");
    term.press("\r");
    term.wait_for_text("File PSA has no organization with ID '55555'");
    term.wait_for_text("the closest are: 12345");
    assert!(term.cursor_line().starts_with("File PSA organization: 55555"), "still picking: {}", term.text());
    // Ctrl-U clears the query; the list is back.
    term.press("\x15initech\r");
    term.expect("Metadata");
    term.press("\r");
    term.wait_for_text("Map acme to files 12347");
    term.press("y");
    assert_eq!(term.exit_code(), 0);
    assert_eq!(env.mappings()[0]["external_org_id"], "12347");
}

#[test]
fn the_mapping_the_org_already_has_is_refused_where_it_is_picked_or_given() {
    let env = picking_env();
    env.map("files", "12345", "acme");
    let before = env.state();
    let mut term = spawn(&env, &["map", "files", "12345", "--org", "acme"]);
    term.expect("already mapped");
    assert_eq!(term.exit_code(), 10, "refused before any question");
    assert_eq!(env.state(), before);

    let mut term = spawn(&env, &["map", "files", "--org", "acme"]);
    term.expect("acme already has a files mapping (12345 Acme Corporation)");
    term.wait_for_text("Replace it");
    term.press("\r");
    term.expect("File PSA organization:");
    term.press("12345\r");
    term.wait_for_text("'acme' is already mapped to files ID '12345'");
    term.press("\x1b");
    assert_eq!(term.exit_code(), 130);
    assert_eq!(env.state(), before);
}

#[test]
fn an_org_with_a_mapping_chooses_to_replace_it_and_get_still_finds_one() {
    let env = picking_env();
    let id = env.map("files", "12345", "acme");
    let mut term = spawn(&env, &["map", "files", "--org", "acme"]);
    term.expect("acme already has a files mapping");
    term.wait_for_text("Add a second mapping");
    term.press("\r");
    term.expect("File PSA organization:");
    term.press("initech\r");
    term.wait_for_text("Replace acme's files mapping 12345 \"Acme Corporation\" with 12347");
    term.press("y");
    assert_eq!(term.exit_code(), 0);
    let got = env.json(&["get", "files", "--org", "acme"]);
    assert_eq!(got["mapping_id"], id.as_str(), "the same mapping, changed");
    assert_eq!(got["external_org_id"], "12347");
    assert_eq!(got["external_org_name"], "Initech");
    assert_eq!(env.mappings().len(), 1);
}

#[test]
fn an_org_with_a_mapping_adds_a_second_one_only_with_a_label() {
    let env = picking_env();
    env.map("files", "12345", "acme");
    let mut term = spawn(&env, &["map", "files", "--org", "acme"]);
    term.expect("acme already has a files mapping");
    term.wait_for_text("Cancel");
    term.press("second\r");
    term.expect("Label (tells the mappings apart):");
    term.press("\r");
    // Enter alone does not go on: a second mapping needs a label.
    term.wait_for_text("Enter to go on · Esc to cancel");
    term.press("eu\r");
    term.expect("File PSA organization:");
    term.press("initech\r");
    term.expect("Metadata");
    term.press("\r");
    term.wait_for_text("(a second files mapping for");
    term.press("y");
    assert_eq!(term.exit_code(), 0);
    assert_eq!(env.mappings().len(), 2);
    env.fails(4, &["get", "files", "--org", "acme"]);
    let labelled: Vec<_> = env.mappings().into_iter().filter(|m| m["label"] == "eu").collect();
    assert_eq!(labelled.len(), 1);
    assert_eq!(labelled[0]["external_org_id"], "12347");
}

#[test]
fn an_org_with_a_mapping_can_cancel_with_nothing_changed() {
    let env = picking_env();
    env.map("files", "12345", "acme");
    let before = env.state();
    let mut term = spawn(&env, &["map", "files", "12346", "--org", "acme"]);
    term.expect("acme already has a files mapping");
    term.press("cancel\r");
    assert_eq!(term.exit_code(), 130);
    assert_eq!(env.state(), before);
}

#[test]
fn unconfigured_integrations_are_marked_listed_last_and_refused_when_picked() {
    let env = TestEnv::with_config(
        r#"
[integrations.alpha]
display_name = "Alpha PSA"
supports_org_mapping = true
auth = { kind = "bearer", token = "{secret.token}" }
list_organizations = { kind = "http", url = "https://alpha.invalid/orgs" }
[integrations.alpha.secrets]
token = { env = "ALPHA_TOKEN_FOR_TESTS" }

[integrations.zulu]
display_name = "Zulu PSA"
supports_org_mapping = true
"#,
    );
    env.ok(&["org", "add", "acme", "--name", "Acme Corp"]);
    let mut term = spawn(&env, &["map", "--org", "acme"]);
    term.expect("Integration:");
    term.wait_for("both integrations", |s| s.contents().contains("zulu") && s.contents().contains("alpha"));
    let lines = term.lines();
    let zulu = lines.iter().position(|l| l.contains("zulu")).unwrap();
    let alpha = lines.iter().position(|l| l.contains("alpha")).unwrap();
    assert!(zulu < alpha, "the usable one first: {lines:?}");
    assert!(lines[zulu].starts_with("> "), "and chosen by Enter: {lines:?}");
    assert!(lines[alpha].contains("[not configured: set ALPHA_TOKEN_FOR_TESTS]"), "{lines:?}");
    term.press("alpha\r");
    term.wait_for_text("Alpha PSA is not configured");
    term.press("\x15zulu\r");
    term.expect("Zulu PSA organization ID:");
    term.press("\x1b");
    assert_eq!(term.exit_code(), 130);
}

#[test]
fn edit_with_no_change_given_asks_what_to_change() {
    let env = picking_env();
    let id = env.map("files", "12345", "acme");
    env.ok(&["edit", &id, "--label", "old"]);
    let mut term = spawn(&env, &["edit", &id]);
    term.expect("Change what?");
    term.wait_for_text("Label (now old)");
    term.press("label\r");
    term.expect("Label (empty to remove):");
    term.wait_for("the current label to edit", |s| s.contents().contains("Label (empty to remove): old"));
    // Ctrl-W erases the word before the cursor.
    term.press("\x17prod\r");
    assert_eq!(term.exit_code(), 0);
    assert_eq!(env.json(&["get", "files", "--org", "acme"])["label"], "prod");
}

#[test]
fn a_given_id_is_judged_before_anything_else_is_asked() {
    let env = picking_env();
    env.map("files", "12346", "globex");
    let before = env.state();
    let mut term = spawn(&env, &["map", "files", "12346", "--org", "acme"]);
    term.expect("12346 is mapped to globex — map it to acme too? (--allow-shared) [y/N]");
    term.press("n");
    assert_eq!(term.exit_code(), 130);
    assert_eq!(env.state(), before);

    // The organization is picked, then the unknown ID is refused at once: no label, no summary.
    let mut term = spawn(&env, &["map", "files", "55555"]);
    term.expect("Organization:");
    term.press("acme\r");
    term.expect("has no organization with ID '55555'");
    term.expect_end();
    assert!(!term.transcript().contains("Label"), "{}", term.transcript());
    assert_eq!(term.exit_code(), 5);
    assert_eq!(env.state(), before);
}

#[test]
fn an_inactive_external_org_is_marked_and_questioned_when_picked() {
    let env = TestEnv::with_config(
        r#"
[integrations.psa]
display_name = "PSA"
supports_org_mapping = true
list_organizations = { kind = "file", path = "orgs.json", records = { id = "$.id", name = "$.name", inactive = [{ path = "$.gone", eq = true }] } }
"#,
    );
    std::fs::write(
        env.path().join("orgs.json"),
        r#"[{"id": "1", "name": "Acme Corporation", "gone": false}, {"id": "2", "name": "Old Acme", "gone": true}]"#,
    )
    .unwrap();
    env.ok(&["org", "add", "acme", "--name", "Acme Corp"]);
    let mut term = spawn(&env, &["map", "psa", "--org", "acme", "--label", "x"]);
    term.expect("PSA organization:");
    term.wait_for_text("Old Acme  [inactive]");
    term.press("old\r");
    term.wait_for_text("inactive in PSA — map it anyway? [y/N]");
    term.press("y");
    term.expect("Metadata");
    // Ctrl-C cancels as Esc does.
    term.press("\x03");
    term.expect("cancelled; nothing was changed");
    assert_eq!(term.exit_code(), 130);
    assert!(env.mappings().is_empty());
}

#[test]
fn edit_asked_for_another_external_org_picks_it_from_the_list_and_refuses_the_current_one() {
    let env = picking_env();
    let id = env.map("files", "12345", "acme");
    let mut term = spawn(&env, &["edit", &id]);
    term.expect("Change what?");
    term.wait_for_text("External organization (now 12345)");
    term.press("\r");
    term.expect("File PSA organization:");
    term.press("12345");
    term.wait_for_text("> 12345");
    term.press("\r");
    term.wait_for_text("that is the one it has");
    term.press("\x15initech\r");
    assert_eq!(term.exit_code(), 0);
    let got = env.json(&["get", "files", "--org", "acme"]);
    assert_eq!((got["external_org_id"].as_str(), got["external_org_name"].as_str()), (Some("12347"), Some("Initech")));
}

// Regression: 8 of the 9 shipped integrations ended the wizard with "not configured" (exit 5),
// unmarked in the picker.
#[test]
fn with_the_shipped_config_the_demo_comes_first_and_the_others_say_what_they_lack() {
    let env =
        TestEnv::with_config_file(std::path::Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/integrations.toml")));
    env.ok(&["org", "add", "acme", "--name", "Acme Corp"]);
    let mut term = spawn(&env, &["map", "--org", "acme"]);
    term.expect("Integration:");
    term.wait_for_text("9 in all");
    let rows: Vec<String> = term.lines().into_iter().filter(|l| l.starts_with("> ") || l.starts_with("  ")).collect();
    assert!(rows[0].starts_with("> demo"), "the usable one first, chosen by Enter: {rows:?}");
    let marked = rows.iter().filter(|r| r.contains("[not configured: set ")).count();
    assert_eq!(marked, 8, "{rows:?}");
    term.press("halo\r");
    term.wait_for_text("HaloPSA is not configured: set HALOPSA_");
    term.press("\x15\r");
    term.expect("Demo");
    term.press("\x1b");
    assert_eq!(term.exit_code(), 130);
}
