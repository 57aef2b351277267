//! Hardening: `doctor` finds and repairs damaged indexes, `export`/`import` round-trip a whole
//! store, a damaged store file is reported (exit 9) instead of crashing, writers killed at random
//! moments lose nothing they acknowledged, and many processes at once leave a state that the
//! audit log explains.

use std::collections::{BTreeMap, HashSet};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Output, Stdio};
use std::sync::Mutex;
use std::time::{Duration, Instant, SystemTime};

use base64::Engine;
use serde_json::{Value, json};

use crate::common::{ADMIN, TEST_CONFIG, TestEnv, XorShift};
use crate::fixture::FixtureServer;

// ---------------------------------------------------------------------------------------------
// Helpers

/// `ORGMAP_CRASH_SEED` when set, else a fresh seed; printed either way.
fn seed(what: &str) -> u64 {
    let seed = std::env::var("ORGMAP_CRASH_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| SystemTime::now().duration_since(SystemTime::UNIX_EPOCH).unwrap().as_nanos() as u64 | 1);
    eprintln!("{what} seed: {seed} (set ORGMAP_CRASH_SEED to replay)");
    seed
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn describe(out: &Output) -> String {
    format!("exit {:?}\nstdout: {}\nstderr: {}", out.status.code(), text(&out.stdout), text(&out.stderr))
}

/// Runs orgmap and asserts the exit code.
fn expect_code(env: &TestEnv, code: i32, args: &[&str]) -> Output {
    let out = env.run(args);
    assert_eq!(out.status.code(), Some(code), "orgmap {args:?}: expected exit {code}\n{}", describe(&out));
    out
}

/// `doctor --json`: its exit code and findings.
fn doctor(env: &TestEnv, actor: &str, extra: &[&str]) -> (Option<i32>, Vec<Value>, String) {
    let mut args = vec!["doctor", "--json"];
    args.extend_from_slice(extra);
    let out = env.run_as(actor, &args);
    let findings: Vec<Value> = if out.stdout.is_empty() {
        Vec::new()
    } else {
        serde_json::from_slice(&out.stdout)
            .unwrap_or_else(|err| panic!("doctor printed invalid JSON ({err}): {}", describe(&out)))
    };
    (out.status.code(), findings, text(&out.stderr))
}

/// The findings of `area` whose status is not ok.
fn not_ok<'a>(findings: &'a [Value], area: &str) -> Vec<&'a Value> {
    findings.iter().filter(|f| f["area"] == area && f["status"] != "ok").collect()
}

/// The lines of an export, parsed.
fn parse_export(export: &str) -> Vec<Value> {
    export
        .lines()
        .map(|line| serde_json::from_str(line).unwrap_or_else(|err| panic!("export line is not JSON ({err}): {line}")))
        .collect()
}

fn export(env: &TestEnv) -> Vec<Value> {
    parse_export(&env.ok(&["export"]))
}

/// Writes `lines` as JSON lines into the environment's directory and returns the path.
fn write_lines(env: &TestEnv, name: &str, lines: &[Value]) -> PathBuf {
    let mut body = String::new();
    for line in lines {
        body.push_str(&serde_json::to_string(line).unwrap());
        body.push('\n');
    }
    write_raw(env, name, &body)
}

fn write_raw(env: &TestEnv, name: &str, body: &str) -> PathBuf {
    let path = env.path().join(name);
    std::fs::write(&path, body).expect("write file");
    path
}

fn p(path: &Path) -> &str {
    path.to_str().expect("utf-8 path")
}

/// `import FILE --json` plus `extra`, with its exit code and plan.
fn import(env: &TestEnv, actor: &str, file: &Path, extra: &[&str]) -> (Option<i32>, Value, String) {
    let mut args = vec!["import", p(file), "--json"];
    args.extend_from_slice(extra);
    let out = env.run_as(actor, &args);
    let plan = if out.stdout.is_empty() {
        Value::Null
    } else {
        serde_json::from_slice(&out.stdout)
            .unwrap_or_else(|err| panic!("import printed invalid JSON ({err}): {}", describe(&out)))
    };
    (out.status.code(), plan, text(&out.stderr))
}

/// A count of an import plan (`kind` orgs/mappings/access/audit, `action` create/update/…), 0 if absent.
fn count(plan: &Value, kind: &str, action: &str) -> u64 {
    plan[kind][action].as_u64().unwrap_or(0)
}

/// The records of one kind in an export.
fn records<'a>(lines: &'a [Value], kind: &str) -> Vec<&'a Value> {
    lines.iter().filter(|l| l["kind"] == kind).map(|l| &l["record"]).collect()
}

/// Rewrites one mapping record in place so that the by-org index keeps an entry for its old
/// organization: `put_mapping` without `previous` adds the new index entries but leaves the old.
fn leave_stale_index_entry(env: &TestEnv, mapping: &Value, new_org: &str) {
    let store = env.open_store(orgmap::store::Access::Write);
    let mut tx = store.write().expect("write transaction");
    let mut changed: orgmap::domain::Mapping = serde_json::from_value(mapping.clone()).expect("a mapping");
    changed.org_id = new_org.to_owned();
    tx.put_mapping(None, &changed).expect("put mapping");
    tx.commit().expect("commit");
}

/// What the library's own check says about the indexes.
fn verify(env: &TestEnv) -> Vec<String> {
    let store = env.open_store(orgmap::store::Access::Write);
    store.verify().expect("verify")
}

// ---------------------------------------------------------------------------------------------
// doctor

#[test]
fn doctor_on_a_healthy_store_exits_0_with_every_store_check_ok() {
    let env = TestEnv::with_org();
    env.map("demo", "100", "acme");
    let (code, findings, _) = doctor(&env, ADMIN, &[]);
    assert_eq!(code, Some(0), "{findings:?}");
    let store: Vec<&Value> = findings.iter().filter(|f| f["area"] == "store").collect();
    let checks: Vec<&str> = store.iter().map(|f| f["check"].as_str().unwrap()).collect();
    for check in ["opens", "indexes", "audit log", "access"] {
        assert!(checks.contains(&check), "doctor checks {check}: {findings:?}");
    }
    assert!(not_ok(&findings, "store").is_empty(), "{findings:?}");
    assert!(not_ok(&findings, "config").is_empty(), "{findings:?}");
    for f in &findings {
        for key in ["area", "check", "status", "detail"] {
            assert!(f[key].is_string(), "finding {f} has a string {key}");
        }
    }
    // The table form too.
    let table = env.ok(&["doctor"]);
    for word in ["AREA", "CHECK", "STATUS", "DETAIL", "indexes", "audit log"] {
        assert!(table.contains(word), "{table}");
    }
}

#[test]
fn doctor_with_an_invalid_regex_in_the_config_exits_5() {
    let env = TestEnv::with_org();
    env.write_config(&format!(
        "{TEST_CONFIG}\n[integrations.broken]\ndisplay_name = \"Broken\"\nsupports_org_mapping = true\nid_pattern = \"[0-9\"\n"
    ));
    let (code, findings, stderr) = doctor(&env, ADMIN, &[]);
    assert_eq!(code, Some(5), "{findings:?}\n{stderr}");
    let errors = not_ok(&findings, "config");
    assert!(
        errors
            .iter()
            .any(|f| f["status"] == "error" && f["detail"].as_str().unwrap().contains("id_pattern = \"[0-9\"")),
        "the config error shows the pattern: {findings:?}"
    );
    assert!(not_ok(&findings, "store").is_empty(), "the store itself is fine: {findings:?}");
}

const SECRET_VAR: &str = "HARDENING_ACME_TOKEN";

/// TEST_CONFIG plus `acme-psa`, listing over HTTP from `url` with a bearer token from
/// [`SECRET_VAR`].
fn config_with_secret(url: &str) -> String {
    format!(
        r#"{TEST_CONFIG}
[integrations.acme-psa]
display_name = "Acme PSA"
supports_org_mapping = true
timeout = "2s"
retries = 0
auth = {{ kind = "bearer", token = "{{secret.token}}" }}

[integrations.acme-psa.secrets]
token = {{ env = "{SECRET_VAR}" }}

[integrations.acme-psa.list_organizations]
kind = "http"
url = "{url}"
records = {{ path = "$.items[*]" }}
"#
    )
}

#[test]
fn doctor_names_a_missing_secret_as_a_warning_and_exits_0() {
    let env = TestEnv::with_org();
    env.write_config(&config_with_secret("http://127.0.0.1:9/orgs"));
    let out = env.cmd().env_remove(SECRET_VAR).args(["doctor", "--json"]).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", describe(&out));
    let findings: Vec<Value> = serde_json::from_slice(&out.stdout).unwrap();
    let acme: Vec<&Value> = findings.iter().filter(|f| f["area"] == "config" && f["check"] == "acme-psa").collect();
    assert_eq!(acme.len(), 1, "{findings:?}");
    assert_eq!(acme[0]["status"], "warning");
    assert!(acme[0]["detail"].as_str().unwrap().contains(SECRET_VAR), "the variable is named: {}", acme[0]);
    // Set, it is configured, and its value shows nowhere.
    let canary = "doctor-canary-3c1d9e";
    let out = env.cmd().env(SECRET_VAR, canary).args(["doctor", "--json"]).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", describe(&out));
    let findings: Vec<Value> = serde_json::from_slice(&out.stdout).unwrap();
    assert!(not_ok(&findings, "config").is_empty(), "{findings:?}");
    assert!(!text(&out.stdout).contains(canary) && !text(&out.stderr).contains(canary));
}

#[test]
fn doctor_reports_a_dangling_index_entry_with_exit_9_and_repair_fixes_it_audited() {
    let env = TestEnv::redb_with_org();
    env.ok(&["org", "add", "beta", "--name", "Beta"]);
    let mapping = env.map_json("demo", "100", "acme", &[]);
    let id = mapping["mapping_id"].as_str().unwrap().to_owned();
    env.map("demo", "200", "beta");
    leave_stale_index_entry(&env, &mapping, "beta");
    assert!(!verify(&env).is_empty(), "the damage is in place");

    let (code, findings, stderr) = doctor(&env, ADMIN, &[]);
    assert_eq!(code, Some(9), "{findings:?}\n{stderr}");
    let errors = not_ok(&findings, "store");
    assert!(!errors.is_empty(), "{findings:?}");
    assert!(
        errors.iter().all(|f| f["check"] == "indexes" && f["status"] == "error"),
        "only the indexes are wrong: {findings:?}"
    );
    assert!(
        errors.iter().any(|f| f["detail"].as_str().unwrap().contains(&id)),
        "a finding names mapping {id}: {findings:?}"
    );
    assert!(stderr.contains("--repair"), "the hint says how to repair: {stderr}");
    let table = expect_code(&env, 9, &["doctor"]);
    assert!(text(&table.stdout).contains(&id), "the table names the mapping: {}", text(&table.stdout));

    // An actor without manage-config may not repair; nothing changes.
    let (code, _, stderr) = doctor(&env, "mallory", &["--repair"]);
    assert_eq!(code, Some(6), "{stderr}");
    assert!(!verify(&env).is_empty(), "a refused repair repairs nothing");
    assert!(
        !env.audit().iter().any(|e| e["action"] == "store.repair" && e["outcome"] == "ok"),
        "no repair is audited as done"
    );

    let (code, findings, stderr) = doctor(&env, ADMIN, &["--repair"]);
    assert_eq!(code, Some(0), "{findings:?}\n{stderr}");
    assert!(not_ok(&findings, "store").is_empty(), "{findings:?}");
    assert_eq!(verify(&env), Vec::<String>::new());
    let (code, findings, _) = doctor(&env, ADMIN, &[]);
    assert_eq!(code, Some(0), "healthy after the repair: {findings:?}");

    let audit = env.audit();
    let repairs: Vec<&Value> = audit.iter().filter(|e| e["action"] == "store.repair").collect();
    let ok: Vec<&&Value> = repairs.iter().filter(|e| e["outcome"] == "ok").collect();
    assert_eq!(ok.len(), 1, "one audited repair: {repairs:?}");
    assert_eq!(ok[0]["actor"], ADMIN);
    assert!(
        repairs.iter().any(|e| e["actor"] == "mallory" && e["outcome"] == "denied"),
        "the refused repair is audited as denied: {repairs:?}"
    );
    // The stale entry is gone: acme has no mapping any more, beta has both.
    assert_eq!(env.json(&["list", "--org", "acme"]), json!([]));
    assert_eq!(env.json(&["list", "--org", "beta"]).as_array().unwrap().len(), 2);
}

// ---------------------------------------------------------------------------------------------
// export and import

/// A store with something of everything: orgs (one inactive), mappings with labels, names,
/// string and typed metadata, an inactive one, an updated one, a deleted one, access grants
/// (one revoked) and a denied attempt.
fn populated() -> TestEnv {
    let env = TestEnv::with_org();
    env.ok(&["org", "add", "beta", "--name", "Beta GmbH"]);
    env.ok(&["org", "add", "gamma", "--name", "Gamma Ltd"]);
    env.map_json(
        "demo",
        "100",
        "acme",
        &[
            "--label",
            "primary",
            "--name",
            "Acme (PSA)",
            "--meta",
            "tier=gold",
            "--meta-json",
            "seats=42",
            "--meta-json",
            "tags=[\"a\",\"b\"]",
            "--meta-json",
            "nested={\"x\":true,\"y\":null}",
        ],
    );
    env.map_json("m365", "0a1b2c3d-0000-4000-8000-123456789abc", "acme", &["--name", "Acme Tenant"]);
    env.map_json("free", "eu-1", "beta", &["--label", "EU"]);
    let inactive = env.map_json("free", "us-1", "beta", &["--label", "US"]);
    env.ok(&["edit", inactive["mapping_id"].as_str().unwrap(), "--deactivate"]);
    env.ok(&["set", "demo", "300", "--org", "gamma", "--meta", "round=1"]);
    env.ok(&["set", "demo", "301", "--org", "gamma", "--meta", "round=2"]);
    let gone = env.map("free", "temp", "gamma");
    env.ok(&["unmap", &gone, "--yes"]);
    env.ok(&["org", "deactivate", "gamma"]);
    env.ok(&["access", "grant", "bob"]);
    env.ok(&["access", "grant", "carol"]);
    env.ok(&["access", "revoke", "carol"]);
    env.fails_as("mallory", 6, &["org", "add", "evil", "--name", "Evil"]);
    env
}

#[test]
fn export_then_import_into_a_fresh_store_reproduces_everything() {
    let source = populated();
    let lines = export(&source);

    // The format: a header, then orgs, mappings, access, audit (oldest first).
    assert_eq!(lines[0]["kind"], "header");
    assert_eq!(lines[0]["record"]["format"], "orgmap-export");
    assert_eq!(lines[0]["record"]["version"], 1);
    assert!(lines[0]["record"]["schema_version"].is_u64());
    assert!(lines[0]["record"]["exported_at"].is_string());
    let kinds: Vec<&str> = lines[1..].iter().map(|l| l["kind"].as_str().unwrap()).collect();
    let mut sorted = kinds.clone();
    let rank = |k: &&str| ["org", "mapping", "access", "audit"].iter().position(|x| x == k).expect("known kind");
    sorted.sort_by_key(rank);
    assert_eq!(kinds, sorted, "records are grouped by kind in order");
    let audit = source.audit();
    let exported_audit: Vec<&str> = records(&lines, "audit").iter().map(|e| e["id"].as_str().unwrap()).collect();
    let oldest_first: Vec<&str> = audit.iter().rev().map(|e| e["id"].as_str().unwrap()).collect();
    assert_eq!(exported_audit, oldest_first, "every audit event, oldest first");
    assert_eq!(records(&lines, "org").len(), 3);
    assert_eq!(records(&lines, "mapping").len(), 5);
    assert_eq!(records(&lines, "access").len(), 2);

    let file = write_lines(&source, "backup.jsonl", &lines);
    let target = TestEnv::initialized();
    let (code, plan, stderr) = import(&target, ADMIN, &file, &[]);
    assert_eq!(code, Some(0), "{plan}\n{stderr}");
    assert_eq!(plan["applied"], true);
    assert_eq!(count(&plan, "orgs", "create"), 3, "{plan}");
    assert_eq!(count(&plan, "mappings", "create"), 5, "{plan}");
    assert_eq!(count(&plan, "access", "create"), 1, "bob: {plan}");
    assert_eq!(count(&plan, "access", "update"), 1, "admin's grant of the source store: {plan}");
    assert_eq!(count(&plan, "audit", "create"), audit.len() as u64, "{plan}");
    assert_eq!(plan["conflicts"], json!([]));

    for args in [&["org", "list"][..], &["list"], &["access", "list"]] {
        let (a, b) = (source.json(args), target.json(args));
        let (a, b) = (a.as_array().unwrap(), b.as_array().unwrap());
        assert_eq!(a.len(), b.len(), "{args:?}");
        for (x, y) in a.iter().zip(b) {
            for (key, value) in x.as_object().unwrap() {
                assert_eq!(&y[key], value, "{args:?}: field {key} of {x}");
            }
            assert_eq!(x, y, "{args:?}");
        }
    }
    let imported = target.audit();
    let ids: HashSet<&str> = imported.iter().map(|e| e["id"].as_str().unwrap()).collect();
    for event in &audit {
        assert!(ids.contains(event["id"].as_str().unwrap()), "audit event {event} was imported");
        let copy = imported.iter().find(|e| e["id"] == event["id"]).unwrap();
        assert_eq!(copy, event, "the imported event is the same");
    }
    assert_eq!(imported.len(), audit.len() + 2, "plus the target's store.init and the import");
    let imports: Vec<&Value> = imported.iter().filter(|e| e["action"] == "store.import").collect();
    assert_eq!(imports.len(), 1);
    assert_eq!(imports[0]["actor"], ADMIN);
    assert_eq!(imports[0]["outcome"], "ok");
    // The target works as a store: the imported mappings are indexed.
    assert_eq!(target.json(&["get", "demo", "--org", "acme"])["external_org_id"], "100");
    assert_eq!(verify(&target), Vec::<String>::new());
    let (code, findings, _) = doctor(&target, ADMIN, &[]);
    assert_eq!(code, Some(0), "{findings:?}");
}

#[test]
fn importing_the_same_file_again_changes_nothing_and_audits_nothing() {
    let source = populated();
    let file = write_lines(&source, "backup.jsonl", &export(&source));
    let target = TestEnv::initialized();
    let (code, _, stderr) = import(&target, ADMIN, &file, &[]);
    assert_eq!(code, Some(0), "{stderr}");
    let before = target.state();
    let (code, plan, stderr) = import(&target, ADMIN, &file, &[]);
    assert_eq!(code, Some(0), "{plan}\n{stderr}");
    assert_eq!(plan["applied"], false, "{plan}");
    for kind in ["orgs", "mappings", "access", "audit"] {
        for action in ["create", "update", "conflict"] {
            assert_eq!(count(&plan, kind, action), 0, "{kind} {action}: {plan}");
        }
        assert!(count(&plan, kind, "unchanged") > 0, "{kind}: {plan}");
    }
    assert_eq!(target.state(), before, "no change, no new audit event");
    // Into the store it came from, too.
    let before = source.state();
    let (code, plan, _) = import(&source, ADMIN, &file, &[]);
    assert_eq!(code, Some(0), "{plan}");
    assert_eq!(plan["applied"], false);
    assert_eq!(source.state(), before);
}

#[test]
fn import_dry_run_shows_the_plan_and_changes_nothing() {
    let source = populated();
    let file = write_lines(&source, "backup.jsonl", &export(&source));
    let target = TestEnv::initialized();
    let before = target.state();
    let (code, plan, stderr) = import(&target, ADMIN, &file, &["--dry-run"]);
    assert_eq!(code, Some(0), "{stderr}");
    assert_eq!(count(&plan, "orgs", "create"), 3, "{plan}");
    assert_eq!(count(&plan, "mappings", "create"), 5, "{plan}");
    assert_eq!(plan["applied"], false);
    assert_eq!(target.state(), before);
    let out = target.ok(&["import", p(&file), "--dry-run"]);
    assert!(out.contains("organizations") && out.contains("CREATE"), "{out}");
    assert_eq!(target.state(), before);
}

#[test]
fn import_leaves_out_conflicts_lists_them_and_exits_10() {
    let env = TestEnv::with_org();
    env.ok(&["org", "add", "beta", "--name", "Beta"]);
    let edited = env.map("demo", "100", "acme");
    let same_revision = env.map("free", "x-1", "beta");
    let lines = export(&env);
    // The store moves on: acme renamed (the store's org is newer), a mapping edited (the store's
    // revision is later).
    env.ok(&["org", "rename", "acme", "Acme Renamed"]);
    env.ok(&["edit", &edited, "--label", "changed"]);
    let mut file_lines = lines.clone();
    // The file changes a mapping without a new revision.
    for line in &mut file_lines {
        if line["kind"] == "mapping" && line["record"]["mapping_id"] == same_revision.as_str() {
            line["record"]["label"] = json!("from the file");
        }
    }
    let template = records(&lines, "mapping")[0].clone();
    // A mapping whose organization exists nowhere.
    let mut ghost = template.clone();
    ghost["mapping_id"] = json!("01HARDEN0GGH0ST00000000000");
    ghost["org_id"] = json!("ghost");
    ghost["external_org_id"] = json!("555");
    file_lines.push(json!({"kind": "mapping", "record": ghost}));
    // And one that is fine: it is applied despite the others.
    let mut fine = template.clone();
    fine["mapping_id"] = json!("01HARDEN0GF0NE00000000000Z");
    fine["org_id"] = json!("beta");
    fine["external_org_id"] = json!("777");
    file_lines.push(json!({"kind": "mapping", "record": fine}));
    let file = write_lines(&env, "conflicts.jsonl", &file_lines);

    let (code, plan, stderr) = import(&env, ADMIN, &file, &[]);
    assert_eq!(code, Some(10), "{plan}\n{stderr}");
    let error: Value = serde_json::from_str(&stderr).expect("a JSON error");
    assert_eq!(error["error"]["exit_code"], 10);
    let listed: HashSet<(String, String)> = plan["conflicts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (c["kind"].as_str().unwrap().to_owned(), c["id"].as_str().unwrap().to_owned()))
        .collect();
    let expected: HashSet<(String, String)> = [
        ("org", "acme"),
        ("mapping", edited.as_str()),
        ("mapping", same_revision.as_str()),
        ("mapping", "01HARDEN0GGH0ST00000000000"),
    ]
    .into_iter()
    .map(|(k, i)| (k.to_owned(), i.to_owned()))
    .collect();
    assert_eq!(listed, expected, "{plan}");
    for c in plan["conflicts"].as_array().unwrap() {
        assert!(!c["reason"].as_str().unwrap().is_empty(), "{c}");
    }
    assert_eq!(count(&plan, "orgs", "conflict"), 1);
    assert_eq!(count(&plan, "mappings", "conflict"), 3);
    assert_eq!(count(&plan, "mappings", "create"), 1);
    assert_eq!(plan["applied"], true);

    // The store kept its versions, and got the one fine mapping.
    assert_eq!(env.json(&["org", "show", "acme"])["org"]["name"], "Acme Renamed", "org show");
    let mappings = env.mappings();
    let find = |id: &str| mappings.iter().find(|m| m["mapping_id"] == id).cloned();
    assert_eq!(find(&edited).unwrap()["label"], "changed");
    assert_eq!(find(&same_revision).unwrap()["label"], Value::Null);
    assert!(find("01HARDEN0GGH0ST00000000000").is_none());
    assert_eq!(find("01HARDEN0GF0NE00000000000Z").unwrap()["external_org_id"], "777");
    assert!(env.json(&["org", "list"]).as_array().unwrap().iter().all(|o| o["id"] != "ghost"));

    // The table form lists each conflict.
    let out = env.run(&["import", p(&file)]);
    assert_eq!(out.status.code(), Some(10));
    let stdout = text(&out.stdout);
    assert!(stdout.contains("01HARDEN0GGH0ST00000000000") && stdout.contains("conflict"), "{stdout}");
}

#[test]
fn malformed_import_files_exit_5_and_change_nothing() {
    let env = TestEnv::with_org();
    let mapping = env.map_json("demo", "100", "acme", &[]);
    let lines = export(&env);
    let header = lines[0].clone();
    let org = records(&lines, "org")[0].clone();
    let new_org = |id: &str| {
        let mut o = org.clone();
        o["id"] = json!(id);
        json!({"kind": "org", "record": o})
    };
    let with_mapping = |field: &str, value: Value| {
        let mut m = mapping.clone();
        m[field] = value;
        m["mapping_id"] = json!("01HARDEN0GBAD0000000000000");
        json!({"kind": "mapping", "record": m})
    };
    let serialize = |lines: &[Value]| lines.iter().map(|l| format!("{l}\n")).collect::<String>();
    let mut wrong_format = header.clone();
    wrong_format["record"]["format"] = json!("other-tool");
    let mut future = header.clone();
    future["record"]["version"] = json!(99);
    let cases: Vec<(&str, String)> = vec![
        ("empty file", String::new()),
        ("not JSON", "this is not json\n".into()),
        ("a CSV", "org_id,integration,external_id\nacme,demo,1\n".into()),
        ("no header", serialize(&[new_org("fresh")])),
        ("wrong header format", serialize(&[wrong_format, new_org("fresh")])),
        ("a future version", serialize(&[future, new_org("fresh")])),
        ("unknown kind", serialize(&[header.clone(), new_org("fresh"), json!({"kind": "bogus", "record": {}})])),
        ("org ID with spaces", serialize(&[header.clone(), new_org("fresh"), new_org("has spaces")])),
        (
            "external ID with a newline",
            serialize(&[header.clone(), new_org("fresh"), with_mapping("external_org_id", json!("12\n34"))]),
        ),
        (
            "org ID in the wrong type",
            serialize(&[header.clone(), new_org("fresh"), json!({"kind": "org", "record": {"id": 5}})]),
        ),
        ("a truncated last line", {
            let mut s = serialize(&[header.clone(), new_org("fresh")]);
            let m = with_mapping("external_org_id", json!("42")).to_string();
            s.push_str(&m[..m.len() / 2]);
            s
        }),
    ];
    let before = env.state();
    for (what, body) in cases {
        let file = write_raw(&env, "bad.jsonl", &body);
        let out = env.run(&["import", p(&file)]);
        assert_eq!(out.status.code(), Some(5), "{what}: {}", describe(&out));
        assert!(!text(&out.stderr).contains("panicked"), "{what}");
        assert_eq!(env.state(), before, "{what}: the store changed");
        let out = env.cmd().args(["import", "-"]).write_stdin(body.clone()).output().unwrap();
        assert_eq!(out.status.code(), Some(5), "{what} on stdin: {}", describe(&out));
    }
    assert_eq!(env.state(), before);
}

/// An export whose first line is blank and which has no header at all.
#[test]
// Regression: a leading blank line skips the header check: a file without any header is imported
fn a_file_without_header_after_a_blank_line_is_refused() {
    let env = TestEnv::with_org();
    let org = records(&export(&env), "org")[0].clone();
    let mut fresh = org.clone();
    fresh["id"] = json!("fresh");
    let body = format!("\n{}\n", json!({"kind": "org", "record": fresh}));
    let file = write_raw(&env, "headless.jsonl", &body);
    let before = env.state();
    let out = env.run(&["import", p(&file)]);
    assert_eq!(out.status.code(), Some(5), "{}", describe(&out));
    assert_eq!(env.state(), before);
}

#[test]
// Regression: import does not validate labels and external names: control characters (ESC, newline) get into the store
fn imported_labels_and_names_are_validated_like_typed_ones() {
    let env = TestEnv::with_org();
    let mapping = env.map_json("demo", "100", "acme", &[]);
    let header = export(&env)[0].clone();
    for (field, value) in [("label", "red\u{1b}[31m alert"), ("external_org_name", "two\nlines")] {
        let mut m = mapping.clone();
        m[field] = json!(value);
        m["mapping_id"] = json!("01HARDEN0GCTR000000000000Z");
        m["external_org_id"] = json!("4242");
        let file = write_lines(&env, "ctrl.jsonl", &[header.clone(), json!({"kind": "mapping", "record": m})]);
        let before = env.state();
        let out = env.run(&["import", p(&file)]);
        assert_eq!(out.status.code(), Some(5), "{field} {value:?}: {}", describe(&out));
        assert_eq!(env.state(), before, "{field}");
    }
}

#[test]
// Regression: an imported access grant can take manage-config from every holder, locking the store
fn an_import_cannot_leave_nobody_holding_manage_config() {
    let env = TestEnv::initialized();
    let lines = export(&env);
    let mut grant = records(&lines, "access")[0].clone();
    grant["permissions"] = json!([]);
    let file = write_lines(&env, "lockout.jsonl", &[lines[0].clone(), json!({"kind": "access", "record": grant})]);
    let out = env.run(&["import", p(&file)]);
    let access = env.json(&["access", "list"]);
    assert!(
        access
            .as_array()
            .unwrap()
            .iter()
            .any(|g| g["permissions"].as_array().unwrap().contains(&json!("manage-config"))),
        "import (exit {:?}) left nobody holding manage-config: {access}",
        out.status.code()
    );
    assert_ne!(out.status.code(), Some(0), "the import reported success");
}

#[test]
fn import_without_manage_config_exits_6_and_changes_no_record() {
    let source = populated();
    let file = write_lines(&source, "backup.jsonl", &export(&source));
    let target = TestEnv::initialized();
    let before = target.records();
    let (code, _, stderr) = import(&target, "mallory", &file, &[]);
    assert_eq!(code, Some(6), "{stderr}");
    let (code, _, stderr) = import(&target, "mallory", &file, &["--dry-run"]);
    assert_eq!(code, Some(6), "{stderr}");
    assert_eq!(target.records(), before);
    let audit = target.audit();
    assert!(!audit.iter().any(|e| e["action"] == "store.import" && e["outcome"] == "ok"));
    // bob holds no manage-config in the target either, although the file grants it.
    target.fails_as("bob", 6, &["import", p(&file)]);
    assert_eq!(target.records(), before);
}

#[test]
fn export_output_creates_a_0600_file() {
    let env = populated();
    let path = env.path().join("backups").join("orgmap.jsonl");
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    let out = env.run(&["export", "--output", p(&path)]);
    assert!(out.status.success(), "{}", describe(&out));
    assert!(out.stdout.is_empty(), "nothing on stdout with --output");
    let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600, "export file mode {mode:o}");
    let lines = parse_export(&std::fs::read_to_string(&path).unwrap());
    assert_eq!(lines[0]["kind"], "header");
    let stdout_lines = export(&env);
    assert_eq!(lines.len(), stdout_lines.len(), "the same export as on stdout");
    assert_eq!(lines[1..], stdout_lines[1..]);
}

#[test]
fn secrets_of_a_configured_integration_never_appear_in_an_export() {
    use axum::Router;
    use axum::http::{HeaderMap, StatusCode};
    use axum::routing::get;
    const CANARY: &str = "exp0rt-canary+S3cr3t/tok=en&x";
    let router = Router::new().route(
        "/orgs",
        get(|headers: HeaderMap| async move {
            let auth = headers.get("authorization").and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
            if auth == format!("Bearer {CANARY}") {
                (
                    StatusCode::OK,
                    axum::Json(
                        json!({"items": [{"id": "4711", "name": "Canary Org"}, {"id": "4712", "name": "Other"}]}),
                    ),
                )
            } else {
                (StatusCode::UNAUTHORIZED, axum::Json(json!({"error": "bad token"})))
            }
        }),
    );
    let server = FixtureServer::start(router);
    let env = TestEnv::with_org();
    env.write_config(&config_with_secret(&server.url("/orgs")));
    let run = |args: &[&str]| {
        let out = env.cmd().env(SECRET_VAR, CANARY).env("NO_PROXY", "127.0.0.1").args(args).output().unwrap();
        assert!(out.status.success(), "{args:?}: {}", describe(&out));
        out
    };
    let listing: Value = serde_json::from_slice(&run(&["discover", "acme-psa", "--json"]).stdout).unwrap();
    assert_eq!(listing["total"], 2, "{listing}");
    run(&["map", "acme-psa", "4711", "--org", "acme"]);
    let out = run(&["export"]);
    let file = env.path().join("with-secret.jsonl");
    run(&["export", "--output", p(&file)]);
    let exported = [text(&out.stdout), text(&out.stderr), std::fs::read_to_string(&file).unwrap()].concat();
    assert!(exported.contains("4711"), "the mapping is exported");
    let b64 = base64::engine::general_purpose::STANDARD;
    let b64url = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let forms = [
        CANARY.to_owned(),
        "exp0rt-canary".to_owned(),
        b64.encode(CANARY),
        b64url.encode(CANARY),
        b64.encode(format!("Bearer {CANARY}")),
        percent_encoding::utf8_percent_encode(CANARY, percent_encoding::NON_ALPHANUMERIC).to_string(),
        CANARY.replace('+', "%2B").replace('/', "%2F").replace('=', "%3D").replace('&', "%26"),
        serde_json::to_string(CANARY).unwrap().trim_matches('"').to_owned(),
    ];
    for form in &forms {
        assert!(!exported.contains(form.as_str()), "the secret leaked into the export as {form:?}");
    }
}

// ---------------------------------------------------------------------------------------------
// A damaged store file

enum Damage {
    TruncatedToHalf,
    FlippedBytes(u64),
    RandomBytes(u64),
}

fn damaged(original: &[u8], damage: &Damage) -> Vec<u8> {
    match damage {
        Damage::TruncatedToHalf => original[..original.len() / 2].to_vec(),
        Damage::FlippedBytes(seed) => {
            let mut bytes = original.to_vec();
            let mut rng = XorShift(*seed);
            for _ in 0..200 {
                let at = 4096 + rng.below((bytes.len() - 4096) as u64) as usize;
                bytes[at] ^= 1 + rng.below(255) as u8;
            }
            bytes
        }
        Damage::RandomBytes(seed) => {
            let mut rng = XorShift(*seed);
            (0..original.len()).map(|_| rng.next() as u8).collect()
        }
    }
}

#[test]
fn a_damaged_store_file_exits_9_naming_the_store_and_doctor_never_a_panic() {
    let env = TestEnv::redb_with_org();
    for i in 0..20 {
        env.ok(&["org", "add", &format!("org{i}"), "--name", &format!("Org {i}")]);
        env.ok(&["map", "demo", &(1000 + i).to_string(), "--org", &format!("org{i}"), "--meta", "k=v"]);
    }
    env.bulk_mappings("acme", "free", 200, "bulk");
    env.ok(&["map", "demo", "1", "--org", "acme"]);
    let file = env.store.join("orgmap.redb");
    let original = std::fs::read(&file).unwrap();
    let seed = seed("damaged store");
    let store_name = env.store.to_str().unwrap().to_owned();
    let commands: [&[&str]; 4] = [
        &["list"],
        &["get", "demo", "--org", "org7"],
        &["map", "demo", "999999", "--org", "org3", "--add", "--label", "b"],
        &["doctor"],
    ];
    for damage in [Damage::TruncatedToHalf, Damage::FlippedBytes(seed), Damage::RandomBytes(seed)] {
        let bytes = damaged(&original, &damage);
        let label = match damage {
            Damage::TruncatedToHalf => "truncated to half",
            Damage::FlippedBytes(_) => "200 flipped bytes",
            Damage::RandomBytes(_) => "random bytes",
        };
        for args in commands {
            for json in [false, true] {
                // Each run gets the same damaged file (a writer may rewrite it).
                std::fs::write(&file, &bytes).unwrap();
                let mut all = args.to_vec();
                if json {
                    all.push("--json");
                }
                let out = env.cmd().env("RUST_BACKTRACE", "0").args(&all).output().unwrap();
                let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
                let context = format!("{label}, orgmap {all:?}: {}", describe(&out));
                assert!(!stderr.contains("panicked") && !stdout.contains("panicked"), "{context}");
                assert!(!stderr.contains("RUST_BACKTRACE"), "{context}");
                let code = out.status.code();
                assert!(code.is_some(), "killed by a signal: {context}");
                // Flipped bytes may spare the few pages a `get` or `map` reads; then it must
                // simply work. Everything else must report the damage.
                let spared = matches!(damage, Damage::FlippedBytes(_)) && matches!(args[0], "get" | "map");
                if spared && code == Some(0) {
                    if args[0] == "get" && !json {
                        assert!(stdout.contains("1007"), "{context}");
                    }
                    continue;
                }
                // A flip inside an index key makes `get` miss the mapping (exit 3) instead of
                // reporting the damage: a known bug, shown deterministically by
                // `a_corrupted_index_key_is_reported_as_damage_not_read_as_another_orgs_mapping`.
                if spared && args[0] == "get" && code == Some(3) {
                    eprintln!("{label}: get missed the mapping (exit 3) instead of exit 9");
                    continue;
                }
                // The same bug for the access table: a flip inside the actor's key hides the
                // grant, and `map` is refused (exit 6) instead of reporting the damage.
                if spared && args[0] == "map" && code == Some(6) {
                    eprintln!("{label}: map missed the actor's grant (exit 6) instead of exit 9");
                    continue;
                }
                assert_eq!(code, Some(9), "{context}");
                if args[0] == "doctor" {
                    assert!(stdout.contains(&store_name) || stderr.contains(&store_name), "{context}");
                    assert!(stderr.contains("doctor") && stderr.contains("export"), "{context}");
                } else {
                    assert!(stderr.contains(&store_name), "stderr names the store: {context}");
                    assert!(stderr.contains("orgmap doctor"), "the hint names doctor: {context}");
                    assert!(stderr.contains("orgmap export"), "the hint names export: {context}");
                    if json {
                        let error: Value = serde_json::from_str(&stderr).expect("a JSON error");
                        assert_eq!(error["error"]["exit_code"], 9, "{context}");
                    }
                }
            }
        }
    }
}

#[test]
// Regression: a corrupted by-org index key makes get --org org8 print org7's external ID (exit 0), not exit 9
fn a_corrupted_index_key_is_reported_as_damage_not_read_as_another_orgs_mapping() {
    let env = TestEnv::redb_with_org();
    env.ok(&["org", "add", "org7", "--name", "Org 7"]);
    env.ok(&["org", "add", "org8", "--name", "Org 8"]);
    env.map("demo", "1007", "org7");
    let file = env.store.join("orgmap.redb");
    let mut bytes = std::fs::read(&file).unwrap();
    // The by-org index key is "org7\0demo\0<mapping ID>": change its org in place.
    let key = b"org7\0demo\0";
    let at = bytes.windows(key.len()).position(|w| w == key).expect("the by-org key is in the file");
    bytes[at + 3] = b'8';
    std::fs::write(&file, &bytes).unwrap();
    let (code, findings, _) = doctor(&env, ADMIN, &[]);
    assert_eq!(code, Some(9), "doctor sees the damage: {findings:?}");
    // The index now files org7's mapping under org8: a workflow for org8 must not get org7's ID.
    let out = env.run(&["get", "demo", "--org", "org8", "--field", "external_org_id"]);
    assert_ne!(text(&out.stdout).trim(), "1007", "org8 got org7's mapping: {}", describe(&out));
    assert_eq!(out.status.code(), Some(9), "get for org8 on a corrupted index: {}", describe(&out));
    // org7's entry is gone from its index, which only a full scan (doctor) can tell: the mapping is
    // not found, and never another organization's.
    let out = env.run(&["get", "demo", "--org", "org7"]);
    assert!(matches!(out.status.code(), Some(3 | 9)), "get for org7 on a corrupted index: {}", describe(&out));
}

// ---------------------------------------------------------------------------------------------
// Writers killed at random moments

const CRASH_ORGS: usize = 20;
const CRASH_ROUNDS: usize = 500;

#[test]
fn five_hundred_sets_killed_at_random_moments_leave_a_healthy_store_with_every_acknowledged_set() {
    let env = TestEnv::initialized();
    for org in 0..CRASH_ORGS {
        env.ok(&["org", "add", &format!("c{org}"), "--name", &format!("Crash {org}")]);
    }
    let mut rng = XorShift(seed("crash loop"));
    let started = Instant::now();
    let mut acknowledged: Vec<Option<usize>> = vec![None; CRASH_ORGS];
    let (mut acked, mut killed, mut failed) = (0, 0, 0);
    for round in 0..CRASH_ROUNDS {
        let org = round % CRASH_ORGS;
        let mut child = env
            .std_cmd()
            .env("ORGMAP_LOCK_TIMEOUT", "60")
            .args(["set", "demo", &round.to_string(), "--org", &format!("c{org}"), "--meta", &format!("round={round}")])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn");
        std::thread::sleep(Duration::from_micros(rng.below(25_000)));
        let _ = child.kill();
        let status = child.wait().expect("wait");
        match status.code() {
            Some(0) => {
                acknowledged[org] = Some(round);
                acked += 1;
            }
            None => killed += 1,
            Some(_) => failed += 1,
        }
    }
    eprintln!(
        "crash loop: {CRASH_ROUNDS} sets in {:.1}s: {acked} acknowledged, {killed} killed, {failed} failed otherwise",
        started.elapsed().as_secs_f64()
    );
    assert_eq!(failed, 0, "a set that was not killed failed");

    let (code, findings, stderr) = doctor(&env, ADMIN, &[]);
    assert_eq!(code, Some(0), "doctor after the crashes: {findings:?}\n{stderr}");
    assert!(not_ok(&findings, "store").is_empty(), "{findings:?}");
    assert_eq!(verify(&env), Vec::<String>::new(), "indexes agree with records");
    for (org, last) in acknowledged.iter().enumerate() {
        let Some(last) = last else { continue };
        let mapping = env.json(&["get", "demo", "--org", &format!("c{org}")]);
        let stored: usize = mapping["external_org_id"].as_str().unwrap().parse().unwrap();
        assert!(stored >= *last, "c{org}: the acknowledged set of round {last} was lost (found round {stored})");
        assert_eq!(mapping["metadata"]["round"], stored.to_string(), "record and metadata agree");
    }
    let per_org: Vec<usize> = (0..CRASH_ORGS)
        .map(|org| env.json(&["list", "--org", &format!("c{org}"), "--integration", "demo"]).as_array().unwrap().len())
        .collect();
    assert!(per_org.iter().all(|n| *n <= 1), "set never leaves two demo mappings for one org: {per_org:?}");
    let sets =
        env.audit().iter().filter(|e| e["action"] == "mapping.create" || e["action"] == "mapping.update").count();
    assert!(sets >= acked, "every acknowledged set has its audit event ({sets} < {acked})");
}

// ---------------------------------------------------------------------------------------------
// Soak: many processes, mixed commands

const SOAK_WORKERS: u64 = 16;
const SOAK_COMMANDS: u64 = 100;
const SOAK_ORGS: u64 = 8;

#[test]
fn sixteen_processes_of_mixed_commands_leave_the_state_the_audit_log_replays() {
    let env = TestEnv::initialized();
    for org in 0..SOAK_ORGS {
        env.ok(&["org", "add", &format!("s{org}"), "--name", &format!("Soak {org}")]);
        env.ok(&["set", "demo", &(org + 1).to_string(), "--org", &format!("s{org}")]);
    }
    let base = seed("soak");
    let deadline = Instant::now() + Duration::from_secs(90);
    let started = Instant::now();
    let known: Mutex<Vec<String>> =
        Mutex::new(env.mappings().iter().map(|m| m["mapping_id"].as_str().unwrap().to_owned()).collect());
    let tally: Mutex<BTreeMap<(&'static str, i32), usize>> = Mutex::new(BTreeMap::new());
    let unexpected: Mutex<Vec<String>> = Mutex::new(Vec::new());
    std::thread::scope(|scope| {
        for worker in 0..SOAK_WORKERS {
            let (env, known, tally, unexpected) = (&env, &known, &tally, &unexpected);
            scope.spawn(move || {
                let mut rng = XorShift(base.wrapping_add(worker.wrapping_mul(0x9E37_79B9_7F4A_7C15)) | 1);
                for i in 0..SOAK_COMMANDS {
                    if Instant::now() > deadline {
                        break;
                    }
                    let org = format!("s{}", rng.below(SOAK_ORGS));
                    let unique = (100_000 + worker * 1_000 + i).to_string();
                    let pick = |rng: &mut XorShift| {
                        let ids = known.lock().unwrap();
                        ids[rng.below(ids.len() as u64) as usize].clone()
                    };
                    let roll = rng.below(100);
                    let (name, args, allowed): (&'static str, Vec<String>, &[i32]) = match roll {
                        0..25 => (
                            "set",
                            vec!["set", "demo", &unique, "--org", &org, "--meta", &format!("by=w{worker}i{i}")]
                                .into_iter()
                                .map(str::to_owned)
                                .collect(),
                            &[0],
                        ),
                        25..45 => (
                            "map",
                            vec![
                                "map",
                                "free",
                                &format!("f{unique}"),
                                "--org",
                                &org,
                                "--label",
                                &format!("w{worker}i{i}"),
                            ]
                            .into_iter()
                            .map(str::to_owned)
                            .collect(),
                            &[0],
                        ),
                        45..65 => (
                            "edit",
                            vec![
                                "edit".to_owned(),
                                pick(&mut rng),
                                "--label".to_owned(),
                                format!("edited w{worker}i{i}"),
                                "--meta-json".to_owned(),
                                format!("n={i}"),
                            ],
                            &[0, 3],
                        ),
                        65..73 => (
                            "unmap",
                            vec!["unmap", "demo", "--org", &org, "--yes"].into_iter().map(str::to_owned).collect(),
                            &[0, 3],
                        ),
                        73..80 => ("unmap", vec!["unmap".to_owned(), pick(&mut rng), "--yes".to_owned()], &[0, 3]),
                        _ => (
                            "get",
                            vec!["get", "demo", "--org", &org].into_iter().map(str::to_owned).collect(),
                            &[0, 3],
                        ),
                    };
                    let mut cmd = env.std_cmd();
                    cmd.env("ORGMAP_LOCK_TIMEOUT", "120").args(&args).arg("--json");
                    let out = cmd.output().expect("run orgmap");
                    let code = out.status.code().unwrap_or(-1);
                    *tally.lock().unwrap().entry((name, code)).or_default() += 1;
                    if !allowed.contains(&code) {
                        unexpected.lock().unwrap().push(format!("{args:?}: {}", describe(&out)));
                        continue;
                    }
                    if code == 0 && name == "unmap" && args.len() == 3 {
                        known.lock().unwrap().retain(|id| *id != args[1]);
                    }
                    if code == 0 && (name == "set" || name == "map") {
                        let result: Value = serde_json::from_slice(&out.stdout).expect("JSON result");
                        let mapping = if name == "set" { &result["mapping"] } else { &result };
                        known.lock().unwrap().push(mapping["mapping_id"].as_str().expect("mapping_id").to_owned());
                    }
                }
            });
        }
    });
    let tally = tally.into_inner().unwrap();
    let total: usize = tally.values().sum();
    eprintln!("soak: {total} commands in {:.1}s", started.elapsed().as_secs_f64());
    for ((name, code), n) in &tally {
        eprintln!("soak:   {name:<6} exit {code:>3}: {n}");
    }
    let unexpected = unexpected.into_inner().unwrap();
    assert!(unexpected.is_empty(), "{} unexpected outcomes, first: {}", unexpected.len(), unexpected[0]);

    // Replay the audit log, oldest first.
    let mut replayed: BTreeMap<String, Value> = BTreeMap::new();
    let mut events = env.audit();
    events.reverse();
    for event in &events {
        let action = event["action"].as_str().unwrap();
        if event["outcome"] != "ok" || !action.starts_with("mapping.") {
            continue;
        }
        let id = event["target"].as_str().unwrap().strip_prefix("mapping:").expect("a mapping target").to_owned();
        match action {
            "mapping.create" | "mapping.update" => {
                assert_eq!(event["after"]["mapping_id"], id.as_str(), "{event}");
                replayed.insert(id, event["after"].clone());
            }
            "mapping.delete" => {
                assert!(replayed.remove(&id).is_some(), "a delete of a mapping never created: {event}");
            }
            other => panic!("an audited mapping action the replay does not know: {other}"),
        }
    }
    let listed: BTreeMap<String, Value> =
        env.mappings().into_iter().map(|m| (m["mapping_id"].as_str().unwrap().to_owned(), m)).collect();
    assert_eq!(
        listed.keys().collect::<Vec<_>>(),
        replayed.keys().collect::<Vec<_>>(),
        "the mappings in the store are those the audit log leaves"
    );
    for (id, after) in &replayed {
        let listed = &listed[id];
        for (key, value) in after.as_object().unwrap() {
            assert_eq!(&listed[key], value, "mapping {id}, field {key}");
        }
    }
    eprintln!("soak: {} mappings in the store, {} audit events replayed", listed.len(), events.len());
    assert_eq!(verify(&env), Vec::<String>::new(), "indexes agree with records");
    let (code, findings, _) = doctor(&env, ADMIN, &[]);
    assert_eq!(code, Some(0), "{findings:?}");
}
