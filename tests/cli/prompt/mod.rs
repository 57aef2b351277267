//! Prompts in a real pseudo-terminal: what an admin at a keyboard sees and answers.

mod choices;
mod screen;

use crate::common::TestEnv;
use crate::pty::Terminal;

/// orgmap with `args` in a terminal of 80 × 24.
fn spawn(env: &TestEnv, args: &[&str]) -> Terminal {
    spawn_sized(env, args, 80, 24)
}

fn spawn_sized(env: &TestEnv, args: &[&str], cols: u16, rows: u16) -> Terminal {
    let mut cmd = env.std_cmd();
    cmd.args(args);
    Terminal::spawn(cmd, cols, rows)
}

/// A config with an integration whose organizations come from a CSV file, and one whose IDs are
/// typed by hand.
fn picking_env() -> TestEnv {
    let env = TestEnv::with_config(
        r#"
[integrations.files]
display_name = "File PSA"
supports_org_mapping = true
id_pattern = "[0-9]+"
list_organizations = { kind = "file", path = "orgs.csv" }

[integrations.manual]
display_name = "Manual PSA"
supports_org_mapping = true
id_pattern = "[0-9]+"
"#,
    );
    std::fs::write(
        env.path().join("orgs.csv"),
        "id,name\n12345,Acme Corporation\n12346,Globex Corporation\n12347,Initech\n",
    )
    .unwrap();
    env.ok(&["org", "add", "acme", "--name", "Acme Corp"]);
    env.ok(&["org", "add", "globex", "--name", "Globex"]);
    env
}

#[test]
fn unmap_on_a_terminal_asks_and_no_keeps_the_mapping() {
    let env = TestEnv::with_org();
    let id = env.map("demo", "12345", "acme");
    let mut term = spawn(&env, &["unmap", &id]);
    term.expect("Delete mapping");
    term.wait_for_text("acme");
    term.press("n");
    assert_eq!(term.exit_code(), 130, "declining cancels");
    assert_eq!(env.mappings().len(), 1, "the mapping is still there");
}

#[test]
fn unmap_on_a_terminal_deletes_after_yes() {
    let env = TestEnv::with_org();
    let id = env.map("demo", "12345", "acme");
    let mut term = spawn(&env, &["unmap", &id]);
    term.expect("Delete mapping");
    term.press("y");
    assert_eq!(term.exit_code(), 0);
    assert!(env.mappings().is_empty(), "the mapping is gone");
    assert!(env.audit().iter().any(|e| e["action"] == "mapping.delete"));
}

#[test]
fn unmap_on_a_terminal_with_no_input_fails_with_a_hint_instead_of_asking() {
    let env = TestEnv::with_org();
    let id = env.map("demo", "12345", "acme");
    let mut term = spawn(&env, &["unmap", &id, "--no-input"]);
    term.expect("--yes");
    assert_eq!(term.exit_code(), 2);
    assert_eq!(env.mappings().len(), 1);
}

#[test]
fn unmap_of_an_integration_without_org_picks_the_mapping_on_a_terminal() {
    let env = TestEnv::with_org();
    env.map("demo", "12345", "acme");
    let mut term = spawn(&env, &["unmap", "demo"]);
    term.expect("Mapping:");
    term.wait_for_text("12345");
    term.press("\r");
    term.expect("Delete mapping");
    term.press("y");
    assert_eq!(term.exit_code(), 0, "asked instead of failing for want of --org");
    assert!(env.mappings().is_empty());
}

#[test]
fn map_with_nothing_given_picks_everything_and_keeps_each_answer_in_view() {
    let env = picking_env();
    let mut term = spawn(&env, &["map"]);
    term.expect("Organization:");
    term.press("glob");
    term.wait_for_text("1 of 2 match");
    term.press("\r");
    term.expect("Integration:");
    term.wait_for_text("✔ Organization · globex Globex");
    term.press("file\r");
    term.expect("File PSA organization:");
    term.wait_for_text("Initech");
    term.press("globex");
    term.wait_for_text("1 of 3 match");
    term.press("\r");
    term.expect("Label");
    // Every answer so far stays on screen, one line each, while the next is asked.
    term.wait_for("the answers above the label prompt", |s| {
        let text = s.contents();
        text.contains("✔ Organization · globex Globex")
            && text.contains("✔ Integration · files File PSA (file)")
            && text.contains("✔ File PSA organization · 12346 Globex Corporation")
    });
    term.press("main\r");
    term.expect("Metadata");
    term.press("region=eu\r");
    term.wait_for("the metadata entry taken", |s| {
        s.contents().contains("✔ Metadata · region=eu") && s.contents().contains("1 taken")
    });
    term.press("\r");
    term.wait_for_text("Map globex to files 12346");
    assert!(term.text().contains("✔ Label · main"), "{}", term.text());
    term.press("y");
    assert_eq!(term.exit_code(), 0);
    let mappings = env.mappings();
    assert_eq!(mappings.len(), 1);
    let m = &mappings[0];
    assert_eq!(m["org_id"], "globex");
    assert_eq!(m["integration"], "files");
    assert_eq!(m["external_org_id"], "12346");
    assert_eq!(m["external_org_name"], "Globex Corporation", "the picked organization fills in the name");
    assert_eq!(m["label"], "main");
    assert_eq!(m["metadata"]["region"], "eu");
    assert_eq!(m["verified"], true, "picked from a fresh list, so checked");
}

#[test]
fn an_id_typed_by_hand_is_checked_as_it_is_typed() {
    let env = picking_env();
    let mut term = spawn(&env, &["map", "manual", "--org", "acme"]);
    term.expect("Manual PSA organization ID:");
    term.press("12a");
    term.expect("does not match");
    term.press("\r");
    term.press("\x7f\x7f");
    term.press("99\r");
    term.expect("Label");
    term.press("\r");
    term.expect("Metadata");
    term.press("\r");
    term.wait_for_text("Map acme to manual 199");
    term.press("y");
    assert_eq!(term.exit_code(), 0);
    let mappings = env.mappings();
    assert_eq!(mappings[0]["external_org_id"], "199");
    assert_eq!(mappings[0]["verified"], false, "nothing to check a manual ID against");
}

#[test]
fn escape_at_a_picker_cancels_quietly_with_nothing_changed() {
    let env = picking_env();
    let before = env.state();
    let mut term = spawn(&env, &["map"]);
    term.expect("Organization:");
    term.press("\x1b");
    term.expect("cancelled");
    term.wait_for_text("cancelled; nothing was changed");
    assert!(!term.text().contains("error"), "a cancel is no error: {}", term.text());
    assert_eq!(term.exit_code(), 130);
    assert_eq!(env.state(), before);
}

#[test]
fn declining_the_summary_saves_nothing() {
    let env = picking_env();
    let mut term = spawn(&env, &["map", "files", "--org", "acme"]);
    term.expect("File PSA organization:");
    term.wait_for_text("3 in all");
    term.press("\r");
    term.expect("Label");
    term.press("\r");
    term.expect("Metadata");
    term.press("\r");
    term.wait_for_text("Map acme to files 12345");
    term.press("n");
    assert_eq!(term.exit_code(), 130);
    assert!(env.mappings().is_empty());
}

#[test]
fn discover_select_prints_the_picked_id_for_a_script() {
    let env = picking_env();
    let script = format!("id=$({} discover files --select); echo \"picked=$id\"", env!("CARGO_BIN_EXE_orgmap"));
    let template = env.std_cmd();
    let mut shell = std::process::Command::new("sh");
    shell.arg("-c").arg(&script);
    for (key, value) in template.get_envs() {
        match value {
            Some(value) => shell.env(key, value),
            None => shell.env_remove(key),
        };
    }
    shell.current_dir(env.path());
    let mut term = Terminal::spawn(shell, 80, 24);
    term.expect("File PSA organization:");
    term.press("initech\r");
    term.expect("picked=12347");
}

#[test]
fn pickers_are_not_offered_without_a_terminal_and_every_missing_value_is_named() {
    let env = picking_env();
    let stderr = env.fails(2, &["map"]);
    for named in ["--org", "INTEGRATION", "EXTERNAL_ID"] {
        assert!(stderr.contains(named), "the hint names {named}: {stderr}");
    }
    let stderr = env.fails(2, &["map", "files", "--org", "acme"]);
    assert!(stderr.contains("EXTERNAL_ID") && !stderr.contains("--org"), "{stderr}");
    let stderr = env.fails(2, &["discover", "files", "--select"]);
    assert!(stderr.contains("terminal"), "{stderr}");
    let stderr = env.fails(2, &["edit", "--label", "x"]);
    assert!(stderr.contains("mapping"), "{stderr}");
}
