//! Where output goes: results on stdout, chatter on stderr, JSON for machines, and nothing that
//! could take over a terminal.

use serde_json::Value;

use crate::common::TestEnv;

const RLO: char = '\u{202E}';

#[test]
fn stdout_holds_only_the_result_and_status_goes_to_stderr() {
    let env = TestEnv::with_org();
    let out = env.run(&["map", "demo", "12345", "--org", "acme", "--name", "Acme"]);
    assert!(out.status.success());
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert_eq!(stdout.lines().count(), 1, "only the mapping ID: {stdout:?}");
    assert_eq!(stdout.trim_end().len(), 26);
    assert_eq!(String::from_utf8_lossy(&out.stderr), "mapped acme to demo 12345 \"Acme\"\n");
}

#[test]
fn quiet_silences_status_messages_but_not_results() {
    let env = TestEnv::with_org();
    for args in [
        &["-q", "map", "demo", "1", "--org", "acme"][..],
        &["--quiet", "set", "demo", "1", "--org", "acme", "--label", "x"],
    ] {
        let out = env.run(args);
        assert!(out.status.success());
        assert!(out.stderr.is_empty(), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
        assert_eq!(String::from_utf8_lossy(&out.stdout).trim_end().len(), 26, "{args:?}");
    }
    let out = env.run(&["-q", "org", "add", "globex", "--name", "Globex"]);
    assert!(out.status.success() && out.stdout.is_empty() && out.stderr.is_empty());
}

#[test]
fn quiet_still_reports_errors() {
    let env = TestEnv::with_org();
    let stderr = env.fails(3, &["-q", "get", "demo", "--org", "ghost"]);
    assert!(stderr.starts_with("error: organization 'ghost' not found\nhint: "), "{stderr}");
}

#[test]
fn errors_are_an_error_line_and_a_hint_line_on_stderr() {
    let env = TestEnv::with_org();
    let out = env.run(&["get", "demo", "--org", "acme"]);
    assert_eq!(out.status.code(), Some(3));
    assert!(out.stdout.is_empty());
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "error: organization 'acme' has no active demo mapping\n\
         hint: create one with `orgmap map demo <EXTERNAL_ID> --org acme`\n"
    );
}

#[test]
fn json_errors_on_stderr_parse_and_stdout_stays_empty() {
    let env = TestEnv::with_org();
    for (code, args) in [
        (2, &["get", "demo"][..]),
        (3, &["get", "demo", "--org", "acme"]),
        (3, &["org", "show", "ghost"]),
        (5, &["map", "demo", "abc", "--org", "acme"]),
        (10, &["org", "add", "acme", "--name", "Other"]),
    ] {
        let error = env.json_error(code, args);
        for field in ["kind", "message"] {
            assert!(error[field].as_str().is_some_and(|s| !s.is_empty()), "{args:?}: {error}");
        }
        assert!(error["hint"].is_string() || error["hint"].is_null(), "{args:?}: {error}");
    }
}

#[test]
fn json_results_on_a_pipe_are_one_line() {
    let env = TestEnv::with_org();
    env.map_json("demo", "1", "acme", &["--meta", "region=eu"]);
    for args in
        [&["get", "demo", "--org", "acme", "--json"][..], &["list", "--json"], &["org", "show", "acme", "--json"]]
    {
        let stdout = env.ok(args);
        assert_eq!(stdout.lines().count(), 1, "{args:?}: {stdout}");
        serde_json::from_str::<Value>(&stdout).unwrap();
    }
}

#[test]
fn tables_on_a_pipe_are_plain_columns_without_box_drawing() {
    let env = TestEnv::with_org();
    env.map("demo", "1", "acme");
    for args in [&["list"][..], &["org", "list"], &["get", "demo", "--org", "acme"], &["audit"]] {
        let stdout = env.ok(args);
        assert!(!stdout.chars().any(|c| ('\u{2500}'..='\u{257F}').contains(&c)), "{args:?}: {stdout}");
        assert!(!stdout.contains('|'), "{args:?}: {stdout}");
    }
}

#[test]
fn bidi_overrides_are_neutralised_in_tables_but_kept_exactly_in_json() {
    let env = TestEnv::initialized();
    let org_name = format!("Evil{RLO}Corp");
    let external_name = format!("Ext{RLO}Name");
    let label = format!("lab{RLO}el");
    env.ok(&["org", "add", "evil", "--name", &org_name]);
    env.ok(&["map", "demo", "1", "--org", "evil", "--name", &external_name, "--label", &label]);
    for args in [
        &["org", "list"][..],
        &["org", "show", "evil"],
        &["list"],
        &["get", "demo", "--org", "evil"],
        &["lookup", "demo", "1"],
        &["list", "--unmapped", "--integration", "free"],
    ] {
        let out = env.run(args);
        assert!(out.status.success(), "{args:?}");
        let shown = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
        assert!(!shown.contains(RLO), "{args:?} printed U+202E: {shown:?}");
        assert!(shown.contains('\u{FFFD}'), "{args:?} shows a replacement instead: {shown:?}");
    }
    assert_eq!(env.json(&["org", "list"])[0]["name"], org_name.as_str());
    let mapping = env.json(&["get", "demo", "--org", "evil"]);
    assert_eq!(mapping["external_org_name"], external_name.as_str());
    assert_eq!(mapping["label"], label.as_str());
    assert_eq!(
        env.ok(&["get", "demo", "--org", "evil", "--field", "label"]).trim_end(),
        label,
        "--field is data, kept exact"
    );
}

#[test]
fn names_with_terminal_escape_sequences_are_rejected() {
    let env = TestEnv::with_org();
    let before = env.state();
    let evil = "Evil\u{1b}]0;pwn\u{7}Corp";
    env.fails(5, &["org", "add", "evil", "--name", evil]);
    env.fails(5, &["org", "rename", "acme", evil]);
    env.fails(5, &["map", "demo", "1", "--org", "acme", "--name", evil]);
    env.fails(5, &["set", "demo", "1", "--org", "acme", "--label", evil]);
    assert_eq!(env.state(), before);
}

#[test]
fn error_messages_do_not_echo_escape_sequences_from_arguments() {
    let env = TestEnv::with_org();
    let evil = "\u{1b}]0;pwn\u{7}\u{1b}[31m";
    for (code, args) in [
        (3, &["org", "show", evil][..]),
        (3, &["get", "demo", "--org", evil]),
        (5, &["map", evil, "1", "--org", "acme"]),
        (3, &["lookup", "demo", evil]),
    ] {
        let stderr = env.fails(code, args);
        assert!(!stderr.contains('\u{1b}') && !stderr.contains('\u{7}'), "{args:?}: {stderr:?}");
    }
}

#[test]
fn color_always_paints_the_error_prefix_and_never_leaves_it_plain() {
    let env = TestEnv::with_org();
    let stderr = env.fails(3, &["--color", "always", "org", "show", "ghost"]);
    assert!(stderr.starts_with("\u{1b}[1;31merror:\u{1b}[0m "), "{stderr:?}");
    let stderr = env.fails(3, &["--color", "never", "org", "show", "ghost"]);
    assert!(stderr.starts_with("error: ") && !stderr.contains('\u{1b}'), "{stderr:?}");
    let stderr = env.fails(3, &["org", "show", "ghost"]);
    assert!(!stderr.contains('\u{1b}'), "auto with NO_COLOR and no terminal stays plain: {stderr:?}");
}

#[test]
fn verbose_says_which_store_is_used_on_stderr() {
    let env = TestEnv::with_org();
    let out = env.run(&["-v", "org", "list", "--json"]);
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains(&format!("store: {}", env.store.display())));
    serde_json::from_slice::<Value>(&out.stdout).expect("stdout is still only the result");
}

#[test]
// Regression: with --json, errors found while parsing arguments (e.g. --meta without '=') are plain text, not the JSON error object
fn argument_errors_are_json_objects_with_json() {
    let env = TestEnv::with_org();
    let error = env.json_error(2, &["map", "demo", "1", "--org", "acme", "--meta", "region"]);
    assert_eq!(error["kind"], "usage");
}
