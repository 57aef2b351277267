//! Nothing from the store, the config or an external system reaches a terminal raw: every field
//! that a human table or line shows is written straight into the store (past the input checks)
//! with control characters, escape sequences in their 7- and 8-bit forms, bidi overrides and
//! line separators, and every command that shows it is run.

use orgmap::domain::{AccessGrant, AuditEvent, DiscoveryCache, ExternalOrg, Mapping, Org, Outcome, TestResult};
use orgmap::store::Access;

use crate::common::TestEnv;

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

fn hostile_store() -> (TestEnv, String) {
    let env = TestEnv::initialized();
    env.write_config(CONFIG);
    let orgs = serde_json::json!([{"id": evil("id"), "name": evil("name"), "note": evil("note")}]);
    std::fs::write(env.path().join("orgs.json"), orgs.to_string()).unwrap();
    let at = orgmap::domain::now();
    let store = env.open_store(Access::Write);
    let mut tx = store.write().unwrap();
    tx.put_org(&Org {
        id: "acme".into(),
        name: evil("orgname"),
        active: true,
        created_at: at,
        created_by: evil("creator"),
        updated_at: at,
        updated_by: evil("updater"),
    })
    .unwrap();
    let mapping_id = "01M8QR0KV2YMBANSMKB0EGTJ19".to_owned();
    let mut metadata = orgmap::domain::Metadata::default();
    metadata.insert("k".into(), serde_json::Value::String(evil("meta")));
    metadata.insert(evil("key"), serde_json::json!([evil("list")]));
    tx.put_mapping(
        None,
        &Mapping {
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
        },
    )
    .unwrap();
    tx.put_access(&AccessGrant {
        actor: evil("actor"),
        permissions: vec![evil("perm")],
        granted_at: at,
        granted_by: evil("granter"),
    })
    .unwrap();
    let mut event = AuditEvent::new(&evil("actor"), &evil("action"), evil("target"));
    event.org_id = Some("acme".into());
    event.integration = Some("demo".into());
    event.outcome = Outcome::Ok;
    tx.import_audit(&event).unwrap();
    tx.put_test_result(&TestResult {
        mapping_id: mapping_id.clone(),
        at,
        outcome: orgmap::domain::TestOutcome::NotFound,
        latency_ms: Some(3),
        message: evil("message"),
        hint: Some(evil("hint")),
    })
    .unwrap();
    tx.put_discovery(&DiscoveryCache {
        integration: "demo".into(),
        fetched_at: at,
        source: "file".into(),
        organizations: vec![ExternalOrg {
            id: evil("id"),
            name: Some(evil("name")),
            active: true,
            extra: [("note".to_owned(), serde_json::Value::String(evil("note")))].into(),
        }],
    })
    .unwrap();
    tx.commit().unwrap();
    drop(store);
    (env, mapping_id)
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
