//! Prompts in a real pseudo-terminal: what an admin at a keyboard sees and answers.

use std::fs::File;

use rexpect::process::{PtyProcess, WaitStatus};
use rexpect::session::{Options, StreamSession};

use crate::common::TestEnv;

/// orgmap running in a pseudo-terminal: its screen and keyboard, and its exit code at the end.
struct Terminal {
    process: PtyProcess,
    screen: StreamSession<File>,
}

/// Types `keys` and makes sure they reach the terminal now.
fn press(screen: &mut StreamSession<File>, keys: &str) {
    screen.send(keys).expect("type");
    screen.flush().expect("flush");
}

impl Terminal {
    fn spawn(env: &TestEnv, args: &[&str]) -> Self {
        let mut cmd = env.std_cmd();
        cmd.args(args).env("TERM", "xterm");
        let process = PtyProcess::new(cmd).expect("spawn in a pty");
        let keyboard = process.get_file_handle().expect("pty handle");
        let display = keyboard.try_clone().expect("pty handle");
        let screen = StreamSession::new(display, keyboard, Options::new().timeout_ms(Some(15_000)));
        Terminal { process, screen }
    }

    fn exit_code(self) -> i32 {
        match self.process.wait().expect("wait") {
            WaitStatus::Exited(_, code) => code,
            other => panic!("orgmap did not exit normally: {other:?}"),
        }
    }
}

#[test]
fn unmap_on_a_terminal_asks_and_no_keeps_the_mapping() {
    let env = TestEnv::with_org();
    let id = env.map("demo", "12345", "acme");
    let mut term = Terminal::spawn(&env, &["unmap", &id]);
    term.screen.exp_string("Delete mapping").expect("the question");
    term.screen.exp_string("acme").expect("it names the org");
    term.screen.send("n").expect("answer");
    term.screen.flush().expect("flush");
    assert_eq!(term.exit_code(), 130, "declining cancels");
    assert_eq!(env.mappings().len(), 1, "the mapping is still there");
}

#[test]
fn unmap_on_a_terminal_deletes_after_yes() {
    let env = TestEnv::with_org();
    let id = env.map("demo", "12345", "acme");
    let mut term = Terminal::spawn(&env, &["unmap", &id]);
    term.screen.exp_string("Delete mapping").expect("the question");
    term.screen.send("y").expect("answer");
    term.screen.flush().expect("flush");
    assert_eq!(term.exit_code(), 0);
    assert!(env.mappings().is_empty(), "the mapping is gone");
    assert!(env.audit().iter().any(|e| e["action"] == "mapping.delete"));
}

#[test]
fn unmap_on_a_terminal_with_no_input_fails_with_a_hint_instead_of_asking() {
    let env = TestEnv::with_org();
    let id = env.map("demo", "12345", "acme");
    let mut term = Terminal::spawn(&env, &["unmap", &id, "--no-input"]);
    term.screen.exp_string("--yes").expect("the hint names the flag");
    assert_eq!(term.exit_code(), 2);
    assert_eq!(env.mappings().len(), 1);
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
fn map_with_nothing_given_picks_everything_by_fuzzy_search() {
    let env = picking_env();
    let mut term = Terminal::spawn(&env, &["map"]);
    term.screen.exp_string("Organization:").expect("the org picker");
    press(&mut term.screen, "glob");
    term.screen.exp_string("1 of 1 shown").expect("filtered to globex");
    press(&mut term.screen, "\r");
    term.screen.exp_string("Integration:").expect("the integration picker");
    press(&mut term.screen, "file\r");
    term.screen.exp_string("File PSA organization:").expect("the external org picker");
    term.screen.exp_string("Initech").expect("the discovered list");
    press(&mut term.screen, "globex");
    term.screen.exp_string("1 of 1 shown").expect("filtered");
    press(&mut term.screen, "\r");
    term.screen.exp_string("Label").expect("the label prompt");
    press(&mut term.screen, "main\r");
    term.screen.exp_string("Metadata").expect("the metadata prompt");
    press(&mut term.screen, "region=eu\r");
    term.screen.exp_string("Metadata").expect("asked again until empty");
    press(&mut term.screen, "\r");
    term.screen.exp_string("Map globex to files 12346 \"Globex Corporation\"").expect("the summary");
    press(&mut term.screen, "y");
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
    let mut term = Terminal::spawn(&env, &["map", "manual", "--org", "acme"]);
    term.screen.exp_string("Manual PSA organization ID:").expect("the text prompt");
    press(&mut term.screen, "12a");
    term.screen.exp_string("does not match").expect("the pattern is checked while typing");
    press(&mut term.screen, "\r");
    press(&mut term.screen, "\x7f\x7f");
    press(&mut term.screen, "99\r");
    term.screen.exp_string("Label").expect("an invalid ID was not accepted; a valid one was");
    press(&mut term.screen, "\r");
    term.screen.exp_string("Metadata").unwrap();
    press(&mut term.screen, "\r");
    term.screen.exp_string("Map acme to manual 199").expect("the summary");
    press(&mut term.screen, "y");
    assert_eq!(term.exit_code(), 0);
    let mappings = env.mappings();
    assert_eq!(mappings[0]["external_org_id"], "199");
    assert_eq!(mappings[0]["verified"], false, "nothing to check a manual ID against");
}

#[test]
fn an_id_not_in_the_list_can_be_typed_in_the_picker_and_is_then_refused_unless_it_exists() {
    let env = picking_env();
    let mut term = Terminal::spawn(&env, &["map", "files", "--org", "acme", "--label", "x"]);
    term.screen.exp_string("File PSA organization:").unwrap();
    press(&mut term.screen, "55555");
    term.screen.exp_string("[type] use \"55555\" as the ID").expect("the typed row stays while filtering");
    press(&mut term.screen, "\r");
    term.screen.exp_string("Metadata").unwrap();
    press(&mut term.screen, "\r");
    term.screen.exp_string("Map acme to files 55555").unwrap();
    press(&mut term.screen, "y");
    term.screen.exp_string("has no organization with ID '55555'").expect("checked against the list");
    assert_eq!(term.exit_code(), 5);
    assert!(env.mappings().is_empty());
}

#[test]
fn escape_at_a_picker_cancels_with_nothing_changed() {
    let env = picking_env();
    let before = env.state();
    let mut term = Terminal::spawn(&env, &["map"]);
    term.screen.exp_string("Organization:").unwrap();
    press(&mut term.screen, "\x1b");
    assert_eq!(term.exit_code(), 130);
    assert_eq!(env.state(), before);
}

#[test]
fn declining_the_summary_saves_nothing() {
    let env = picking_env();
    let mut term = Terminal::spawn(&env, &["map", "files", "--org", "acme"]);
    term.screen.exp_string("File PSA organization:").unwrap();
    press(&mut term.screen, "\r");
    term.screen.exp_string("Label").unwrap();
    press(&mut term.screen, "\r");
    term.screen.exp_string("Metadata").unwrap();
    press(&mut term.screen, "\r");
    term.screen.exp_string("Map acme to files 12345").unwrap();
    press(&mut term.screen, "n");
    assert_eq!(term.exit_code(), 130);
    assert!(env.mappings().is_empty());
}

#[test]
fn discover_select_prints_the_picked_id_for_a_script() {
    let env = picking_env();
    let script = format!("id=$({} discover files --select); echo \"picked=$id\"", env!("CARGO_BIN_EXE_orgmap"));
    let mut cmd = env.std_cmd();
    cmd.env("TERM", "xterm");
    let mut cmd = {
        let mut shell = std::process::Command::new("sh");
        shell.arg("-c").arg(&script);
        for (key, value) in cmd.get_envs() {
            match value {
                Some(value) => shell.env(key, value),
                None => shell.env_remove(key),
            };
        }
        shell.current_dir(env.path());
        shell
    };
    cmd.env("TERM", "xterm");
    let process = PtyProcess::new(cmd).expect("pty");
    let keyboard = process.get_file_handle().unwrap();
    let mut screen =
        StreamSession::new(keyboard.try_clone().unwrap(), keyboard, Options::new().timeout_ms(Some(15_000)));
    screen.exp_string("File PSA organization:").unwrap();
    press(&mut screen, "initech\r");
    screen.exp_string("picked=12347").expect("the ID reaches the script");
}

#[test]
fn pickers_are_not_offered_without_a_terminal() {
    let env = picking_env();
    let stderr = env.fails(2, &["map"]);
    assert!(stderr.contains("--org"), "the hint names the flag to pass: {stderr}");
    let stderr = env.fails(2, &["map", "files", "--org", "acme"]);
    assert!(stderr.contains("EXTERNAL_ID"), "{stderr}");
    let stderr = env.fails(2, &["discover", "files", "--select"]);
    assert!(stderr.contains("terminal"), "{stderr}");
    let stderr = env.fails(2, &["edit", "--label", "x"]);
    assert!(stderr.contains("mapping"), "{stderr}");
}
