//! Nothing from the store, the config or an external system reaches a terminal raw: every field
//! that a human table or line shows is written straight into the store (past the input checks)
//! with control characters, escape sequences in their 7- and 8-bit forms, bidi overrides and
//! line separators, and every command that shows it is run.

use orgmap::domain::{AccessGrant, AuditEvent, DiscoveryCache, ExternalOrg, Mapping, Org, Outcome, TestResult};

use crate::common::TestEnv;
use crate::records::raw;

/// Every kind of hostile text at once: OSC retitle ended by BEL, clear screen, SGR colour, an
/// 8-bit CSI, an 8-bit OSC ended by an 8-bit ST, an APC string, a bidi override, U+2028, a C0
/// control and DEL.
fn evil(tag: &str) -> String {
    format!(
        "\u{1b}]0;PWNED\u{7}\u{1b}[2J\u{1b}[31mRED\u{1b}[0m\u{9b}31m\u{9d}0;TITLE\u{9c}\u{1b}_APC\u{1b}\\\u{202E}\u{2028}\u{8}\u{7f}{tag}"
    )
}

/// Text is safe for a terminal: no control character but line breaks, no bidi override or line
/// separator, and nothing printable left over from a removed escape sequence.
fn assert_safe(what: &str, text: &str) {
    assert_no_controls(what, text);
    for leftover in ["PWNED", "[2J", "[31m", "31m", "TITLE", "APC"] {
        assert!(!text.contains(leftover), "{what} shows {leftover:?} of an escape sequence: {text:?}");
    }
}

/// No control character but line breaks, no bidi override or line separator.
fn assert_no_controls(what: &str, text: &str) {
    let bad = text.chars().find(|&c| {
        (c.is_control() && c != '\n' && c != '\r')
            || matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{2028}' | '\u{2029}')
    });
    assert_eq!(bad, None, "{what} printed {bad:?}: {text:?}");
}

const CONFIG: &str = r#"
[integrations.demo]
display_name = "Demo \u001b]0;PWNED\u0007\u009b31m\u202eDisplay"
supports_org_mapping = true
description = "\u001b[2J\u009b31mdescribed"

[integrations.demo.list_organizations]
kind = "file"
path = "orgs.json"
records = { keep = { note = "$.note" } }
"#;

/// A store holding hostile text in every field. The store refuses such values itself, so they
/// are written as raw records into the file, as an older orgmap or a damaged disk could leave them.
fn hostile_store() -> (TestEnv, String) {
    let env = TestEnv::redb();
    env.ok(&["init"]);
    env.write_config(CONFIG);
    let orgs = serde_json::json!([{"id": evil("id"), "name": evil("name"), "note": evil("note")}]);
    std::fs::write(env.path().join("orgs.json"), orgs.to_string()).unwrap();
    let at = orgmap::domain::now();
    let org = Org {
        id: "acme".into(),
        name: evil("orgname"),
        active: true,
        domains: Vec::new(),
        aliases: vec![evil("alias")],
        created_at: at,
        created_by: evil("creator"),
        updated_at: at,
        updated_by: evil("updater"),
    };
    let mapping_id = "01M8QR0KV2YMBANSMKB0EGTJ19".to_owned();
    let mut metadata = orgmap::domain::Metadata::default();
    metadata.insert("k".into(), serde_json::Value::String(evil("meta")));
    metadata.insert(evil("key"), serde_json::json!([evil("list")]));
    let mapping = Mapping {
        mapping_id: mapping_id.clone(),
        org_id: "acme".into(),
        integration: "demo".into(),
        external_org_id: evil("id"),
        external_org_name: Some(evil("extname")),
        label: Some(evil("label")),
        metadata,
        active: true,
        verified: false,
        revision: 1,
        created_at: at,
        created_by: evil("creator"),
        updated_at: at,
        updated_by: evil("updater"),
        source: None,
    };
    let grant = AccessGrant {
        actor: evil("actor"),
        permissions: vec![evil("perm")],
        granted_at: at,
        granted_by: evil("granter"),
    };
    let mut event = AuditEvent::new(&evil("actor"), &evil("action"), evil("target"));
    event.org_id = Some("acme".into());
    event.integration = Some("demo".into());
    event.outcome = Outcome::Ok;
    let result = TestResult {
        mapping_id: mapping_id.clone(),
        at,
        outcome: orgmap::domain::TestOutcome::NotFound,
        latency_ms: Some(3),
        message: evil("message"),
        hint: Some(evil("hint")),
    };
    let cache = DiscoveryCache {
        integration: "demo".into(),
        fetched_at: at,
        source: "file".into(),
        source_digest: None,
        organizations: vec![ExternalOrg {
            id: evil("id"),
            name: Some(evil("name")),
            active: true,
            extra: [("note".to_owned(), serde_json::Value::String(evil("note")))].into(),
            domains: Vec::new(),
            xrefs: Default::default(),
        }],
    };
    let json = |value: &dyn erased::Record| value.bytes();
    raw::put(&env.store, "orgs", "acme", &json(&org));
    raw::put_mapping(&env.store, &mapping_id, &json(&mapping), "acme", "demo", &evil("id"));
    raw::put(&env.store, "access", &grant.actor, &json(&grant));
    raw::put_audit(&env.store, &json(&event));
    raw::put(&env.store, "test_results", &mapping_id, &json(&result));
    raw::put(&env.store, "discovery", "demo", &json(&cache));
    (env, mapping_id)
}

/// Records as the bytes the store keeps.
mod erased {
    pub trait Record {
        fn bytes(&self) -> Vec<u8>;
    }

    impl<T: serde::Serialize> Record for T {
        fn bytes(&self) -> Vec<u8> {
            serde_json::to_vec(self).unwrap()
        }
    }
}

#[test]
// Regression: an imported audit event's action was written raw by `orgmap audit`
fn every_human_output_removes_escape_sequences_and_controls() {
    let (env, mapping_id) = hostile_store();
    let id = evil("id");
    let commands: Vec<Vec<&str>> = vec![
        vec!["audit"],
        vec!["org", "list"],
        vec!["org", "show", "acme"],
        vec!["list"],
        vec!["list", "--org", "acme"],
        vec!["list", "--unmapped", "--integration", "demo"],
        vec!["get", "demo", "--org", "acme"],
        vec!["lookup", "demo", &id],
        vec!["access", "list"],
        vec!["integrations"],
        vec!["integrations", "demo"],
        vec!["discover", "demo", "--offline"],
        vec!["refresh", "demo"],
        vec!["test", &mapping_id],
    ];
    for args in &commands {
        let out = env.run(args);
        assert!(matches!(out.status.code(), Some(0 | 7)), "{args:?}: {out:?}");
        assert_safe(&format!("{args:?} stdout"), &String::from_utf8_lossy(&out.stdout));
        assert_safe(&format!("{args:?} stderr"), &String::from_utf8_lossy(&out.stderr));
    }
    let audit = env.ok(&["audit"]);
    assert!(audit.contains("action") && audit.contains("target") && audit.contains("actor"), "{audit}");
    let listed = env.ok(&["discover", "demo", "--offline"]);
    assert!(listed.contains("\u{FFFD}id"), "what is left of a control shows as U+FFFD: {listed}");
}

/// Runs orgmap with stdout on a pseudo-terminal (util-linux `script`), returning what it showed.
fn on_a_terminal(env: &TestEnv, args: &str) -> Option<String> {
    if !std::path::Path::new("/usr/bin/script").exists() {
        eprintln!("skipped: no /usr/bin/script to give orgmap a terminal");
        return None;
    }
    let out = env.shell(&format!("script -qefc '\"$ORGMAP\" {args}' /dev/null < /dev/null"));
    Some(String::from_utf8_lossy(&out.stdout).into_owned())
}

#[test]
// Regression: `get --field metadata.k` wrote a raw 8-bit CSI (C2 9B) to a terminal
fn bare_field_values_are_sanitised_on_a_terminal_and_exact_in_a_pipe() {
    let (env, _) = hostile_store();
    let Some(shown) = on_a_terminal(&env, "get demo --org acme --field metadata.k") else { return };
    assert_safe("get --field on a terminal", &shown);
    assert!(shown.contains("meta"), "{shown:?}");
    assert_eq!(env.ok(&["get", "demo", "--org", "acme", "--field", "metadata.k"]).trim_end_matches('\n'), evil("meta"));
}

#[test]
// Regression: `discover --json` wrote API fields kept under `extra` with raw C1 controls to a terminal
fn json_on_a_terminal_escapes_c1_controls_and_line_separators() {
    let (env, _) = hostile_store();
    for args in ["discover demo --offline --json", "get demo --org acme --json", "audit --json", "list --json"] {
        let Some(shown) = on_a_terminal(&env, args) else { return };
        assert_no_controls(args, &shown);
        let value: serde_json::Value = serde_json::from_str(&shown.replace("\r\n", "\n")).expect(args);
        assert!(value.to_string().contains("PWNED"), "the JSON value itself is kept whole: {args}");
    }
    let Some(exported) = on_a_terminal(&env, "export") else { return };
    assert_no_controls("export on a terminal", &exported);
    // The terminal shows stderr too: the status line after the records.
    for line in exported.replace("\r\n", "\n").lines().filter(|l| !l.starts_with("exported ")) {
        serde_json::from_str::<serde_json::Value>(line).expect("each exported line is still JSON");
    }
    let piped = env.json(&["discover", "demo", "--offline"]);
    assert_eq!(piped["organizations"][0]["extra"]["note"], evil("note"), "a pipe gets the exact text");
    let raw = env.ok(&["discover", "demo", "--offline", "--json"]);
    assert!(raw.contains('\u{9b}'), "a pipe gets raw UTF-8");
}

/// What `args` show on a terminal `cols` wide (60 rows), once they have exited.
fn shown_at(env: &TestEnv, args: &[&str], cols: u16, columns_env: Option<&str>) -> Vec<String> {
    let mut cmd = env.std_cmd();
    cmd.args(args);
    match columns_env {
        Some(columns) => cmd.env("COLUMNS", columns),
        None => cmd.env_remove("COLUMNS"),
    };
    let mut term = crate::pty::Terminal::spawn(cmd, cols, 60);
    term.expect_end();
    term.lines()
}

#[test]
fn tables_fit_the_terminal_keeping_ids_and_variable_names_whole() {
    let env = TestEnv::with_org();
    let first = env.map("demo", "12345", "acme");
    let lines = shown_at(&env, &["list"], 120, None);
    assert!(lines.iter().all(|l| l.chars().count() <= 120), "{lines:#?}");
    assert!(lines.iter().any(|l| l.contains(&first)), "the mapping ID is split: {lines:#?}");
    // COLUMNS wins over what the terminal reports.
    let narrow = shown_at(&env, &["list"], 200, Some("120"));
    assert!(narrow.iter().all(|l| l.chars().count() <= 120), "{narrow:#?}");
    let shipped = concat!(env!("CARGO_MANIFEST_DIR"), "/integrations.toml");
    let lines = shown_at(&env, &["--config", shipped, "integrations"], 100, None);
    assert!(lines.iter().all(|l| l.chars().count() <= 100), "{lines:#?}");
    for name in ["AUTOTASK_INTEGRATION_CODE", "CONNECTWISE_PRIVATE_KEY", "HALOPSA_CLIENT_SECRET"] {
        assert!(lines.iter().any(|l| l.contains(name)), "{name} is split: {lines:#?}");
    }
}
