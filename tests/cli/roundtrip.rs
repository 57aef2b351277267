//! Whatever `set` or `import` accepts reads back equal through `get`, `list` and an export
//! imported into a fresh store, on the backend of the run (the suite runs on redb and on
//! PostgreSQL); whatever they refuse leaves the store as it was.

use proptest::prelude::*;
use proptest::test_runner::{Config as ProptestConfig, TestCaseError};
use serde_json::Value;

use crate::common::TestEnv;

fn config() -> ProptestConfig {
    ProptestConfig { cases: 24, failure_persistence: None, max_shrink_iters: 16, ..ProptestConfig::default() }
}

/// Text as users and APIs send it: letters of several scripts, spaces, quotes, backslashes,
/// newlines and tabs, control characters (C0 and C1), bidi overrides, emoji. (NUL cannot be an
/// argument; JSON strings get it escaped.)
fn text() -> impl Strategy<Value = String> {
    prop::collection::vec(
        prop_oneof![
            6 => "[a-zA-Z0-9 ]",
            1 => prop::sample::select(vec![
                "ä", "ß", "é", "日本", "🙂", "\"", "\\", "/", "'", "\n", "\t", "\u{1b}[2J", "\u{9b}",
                "\u{202e}", "\u{2028}", "\u{7f}", "{", "]", "=",
            ])
            .prop_map(str::to_owned),
        ],
        0..12,
    )
    .prop_map(|parts| parts.concat())
}

/// JSON number text, including ones that do not fit 64 bits or a double's precision.
fn number() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<i64>().prop_map(|n| n.to_string()),
        any::<u64>().prop_map(|n| n.to_string()),
        any::<f64>().prop_filter("finite", |f| f.is_finite()).prop_map(|f| f.to_string()),
        "-?[1-9][0-9]{18,30}",
        "-?0\\.[0-9]{1,24}",
        "[1-9]\\.[0-9]{1,20}e[+-]?[0-9]{1,3}",
    ]
}

/// A JSON value as text, nesting up to 20 levels (the limit is 16).
fn json_text() -> impl Strategy<Value = String> {
    let leaf = prop_oneof![
        number(),
        text().prop_map(|t| serde_json::to_string(&t).unwrap()),
        Just(r#""x\u0000y""#.to_owned()),
        Just("true".to_owned()),
        Just("null".to_owned()),
    ];
    leaf.prop_recursive(20, 64, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(|items| format!("[{}]", items.join(","))),
            prop::collection::vec((text(), inner), 0..4).prop_map(|entries| {
                let fields: Vec<String> =
                    entries.iter().map(|(k, v)| format!("{}:{v}", serde_json::to_string(k).unwrap())).collect();
                format!("{{{}}}", fields.join(","))
            }),
        ]
    })
}

fn text_of(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn what_set_accepts_reads_back_equal_everywhere_and_what_it_refuses_changes_nothing() {
    let env = TestEnv::with_org();
    env.map("demo", "1", "acme");
    let fresh = TestEnv::initialized();
    fresh.ok(&["org", "add", "acme", "--name", "Acme Corp"]);
    proptest!(config(), |(value in json_text(), name in text(), label in text())| {
        let before = env.state();
        let meta = format!("k={value}");
        let out = env.run(&["set", "demo", "1", "--org", "acme", "--meta-json", &meta, "--name", &name, "--label", &label]);
        let code = out.status.code();
        if code != Some(0) {
            prop_assert!(matches!(code, Some(2 | 5)), "exit {code:?}: {}", text_of(&out.stderr));
            prop_assert!(!text_of(&out.stderr).contains("panicked"));
            prop_assert_eq!(env.state(), before, "a refused set changed the store");
            return Ok(());
        }
        let given: Value = serde_json::from_str(&value).map_err(|e| TestCaseError::fail(e.to_string()))?;
        let got = env.json(&["get", "demo", "--org", "acme"]);
        prop_assert_eq!(&got["metadata"]["k"], &given);
        prop_assert_eq!(&got["external_org_name"], &Value::String(name.clone()));
        prop_assert_eq!(&got["label"], &Value::String(label.clone()));
        let listed = env.json(&["list", "--org", "acme"]);
        prop_assert_eq!(&listed[0]["metadata"], &got["metadata"]);
        // Through an export into another store, as a move or a restore does it.
        let export = env.ok(&["export"]);
        let mapping_line = export.lines().find(|l| l.contains("\"kind\":\"mapping\"")).unwrap();
        let header = export.lines().next().unwrap();
        let file = fresh.path().join("one.jsonl");
        std::fs::write(&file, format!("{header}\n{mapping_line}\n")).unwrap();
        let out = fresh.run(&["import", file.to_str().unwrap()]);
        prop_assert!(out.status.success(), "import: {}", text_of(&out.stderr));
        let imported = fresh.json(&["get", "demo", "--org", "acme"]);
        prop_assert_eq!(&imported["metadata"], &got["metadata"]);
        prop_assert_eq!(&imported["external_org_name"], &got["external_org_name"]);
        prop_assert_eq!(&imported["label"], &got["label"]);
        fresh.ok(&["unmap", "demo", "--org", "acme", "--yes"]);
    });
}

#[test]
// Regression: `export | import` into a new store exited 9 until `init` was run on it
fn import_into_a_store_that_does_not_exist_creates_it_and_the_importer_holds_manage_config() {
    let source = TestEnv::with_org();
    source.map("demo", "100", "acme");
    let file = source.path().join("backup.jsonl");
    source.ok(&["export", "--output", file.to_str().unwrap()]);

    let target = TestEnv::new();
    let dry = target.fails(9, &["import", file.to_str().unwrap(), "--dry-run"]);
    assert!(dry.contains("init"), "{dry}");
    let out = target.run_as("restorer", &["import", file.to_str().unwrap()]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(target.json(&["get", "demo", "--org", "acme"])["external_org_id"], "100");
    let events = target.audit();
    let own: Vec<&str> =
        events.iter().filter(|e| e["actor"] == "restorer").map(|e| e["action"].as_str().unwrap()).collect();
    assert_eq!(own, ["store.import", "store.init"], "{events:?}");
    let holders = target.ok(&["access", "list"]);
    assert!(holders.contains("restorer"), "{holders}");
    target.fails(9, &["--store", target.path().join("other").to_str().unwrap(), "list"]);
}
