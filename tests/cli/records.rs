//! Everything that enters the store obeys one set of rules, whichever door it comes through
//! (an argument, an import, an API answer); everything stored reads back; one record that cannot
//! be read never hides the others; trust is not given to what another config fetched.

use std::os::unix::fs::PermissionsExt;

use serde_json::{Value, json};

use crate::common::{ADMIN, TestEnv};

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn nested(depth: usize) -> String {
    format!("{}1{}", "[".repeat(depth), "]".repeat(depth))
}

/// The embedded store's tables, written directly: what an older orgmap or a damaged disk left.
pub mod raw {
    use redb::{Database, TableDefinition};

    /// Writes `bytes` under `key` in one of the tables keyed by text.
    pub fn put(store: &std::path::Path, table: &str, key: &str, bytes: &[u8]) {
        let db = Database::open(store.join("orgmap.redb")).expect("open the store file");
        let tx = db.begin_write().unwrap();
        tx.open_table(TableDefinition::<&str, &[u8]>::new(table)).unwrap().insert(key, bytes).unwrap();
        tx.commit().unwrap();
    }

    /// Appends `bytes` to the audit log.
    pub fn put_audit(store: &std::path::Path, bytes: &[u8]) {
        use redb::ReadableTable;
        let db = Database::open(store.join("orgmap.redb")).expect("open the store file");
        let tx = db.begin_write().unwrap();
        {
            let mut audit = tx.open_table(TableDefinition::<u64, &[u8]>::new("audit")).unwrap();
            let next = audit.last().unwrap().map_or(1, |(key, _)| key.value() + 1);
            audit.insert(next, bytes).unwrap();
        }
        tx.commit().unwrap();
    }

    /// Sets a value of the store's `meta` table (its schema version, say).
    pub fn put_meta(store: &std::path::Path, key: &str, value: &str) {
        let db = Database::open(store.join("orgmap.redb")).expect("open the store file");
        let tx = db.begin_write().unwrap();
        tx.open_table(TableDefinition::<&str, &str>::new("meta")).unwrap().insert(key, value).unwrap();
        tx.commit().unwrap();
    }

    pub const MAPPINGS: TableDefinition<&str, &[u8]> = TableDefinition::new("mappings");
    pub const BY_ORG: TableDefinition<&str, ()> = TableDefinition::new("by_org");
    pub const BY_INTEGRATION: TableDefinition<&str, ()> = TableDefinition::new("by_integration");

    pub fn put_mapping(store: &std::path::Path, id: &str, bytes: &[u8], org: &str, integration: &str, external: &str) {
        let db = Database::open(store.join("orgmap.redb")).expect("open the store file");
        let tx = db.begin_write().unwrap();
        {
            tx.open_table(MAPPINGS).unwrap().insert(id, bytes).unwrap();
            tx.open_table(BY_ORG).unwrap().insert(format!("{org}\0{integration}\0{id}").as_str(), ()).unwrap();
            tx.open_table(BY_INTEGRATION)
                .unwrap()
                .insert(format!("{integration}\0{external}\0{id}").as_str(), ())
                .unwrap();
        }
        tx.commit().unwrap();
    }

    pub fn read_mapping(store: &std::path::Path, id: &str) -> Vec<u8> {
        use redb::ReadableDatabase;
        let db = Database::open(store.join("orgmap.redb")).expect("open the store file");
        let tx = db.begin_read().unwrap();
        tx.open_table(MAPPINGS).unwrap().get(id).unwrap().expect("the mapping").value().to_vec()
    }
}

#[test]
// Regression: --meta-json with 127 nested lists exited 0 and made list, get, audit, export, unmap and doctor --repair exit 9 from then on
fn values_that_could_not_be_read_back_are_refused_where_they_enter() {
    let env = TestEnv::with_org();
    env.map("demo", "1", "acme");
    let before = env.state();
    for depth in [17, 124, 127] {
        let value = format!("k={}", nested(depth));
        let err = env.fails(5, &["set", "demo", "1", "--org", "acme", "--meta-json", &value]);
        assert!(err.contains("nests more than 16 levels"), "{err}");
    }
    let err = env.fails(2, &["set", "demo", "1", "--org", "acme", "--meta-json", &format!("k={}", nested(200))]);
    assert!(err.contains("not JSON that can be kept exactly"), "{err}");
    for (args, code, says) in [
        (vec!["--meta-json", r#"k={"a":"x\u0000y"}"#], 5, "control characters"),
        (vec!["--meta-json", r#"k={"a\u001b[2J":"x"}"#], 5, "object key with control characters"),
        (vec!["--meta-json", "id=123456789012345678901234567890"], 2, "too large to keep exactly"),
        (vec!["--meta-json", "x=0.123456789012345678901"], 2, "more than 17 significant digits"),
        (vec!["--meta-json", "n=[1,-99999999999999999999]"], 2, "too large to keep exactly"),
        (vec!["--meta", "k=v", "--meta-json", "k=1"], 2, "given more than once"),
        (vec!["--meta-json", "k=1", "--meta", "k=v"], 2, "given more than once"),
    ] {
        let mut all = vec!["set", "demo", "1", "--org", "acme"];
        all.extend(args.iter().copied());
        let err = env.fails(code, &all);
        assert!(err.contains(says), "{args:?}: {err}");
    }
    assert_eq!(env.state(), before, "refused values change nothing");
    // The deepest value accepted reads back everywhere, and an export of it imports again.
    let deepest = format!("k={}", nested(16));
    env.ok(&["set", "demo", "1", "--org", "acme", "--meta-json", &deepest, "--meta-json", "big=18446744073709551615"]);
    let mapping = env.json(&["get", "demo", "--org", "acme"]);
    assert_eq!(serde_json::to_string(&mapping["metadata"]["k"]).unwrap(), nested(16));
    assert_eq!(mapping["metadata"]["big"], json!(18446744073709551615u64));
    env.ok(&["audit"]);
    let export = env.ok(&["export"]);
    let fresh = TestEnv::initialized();
    let file = fresh.path().join("export.jsonl");
    std::fs::write(&file, &export).unwrap();
    fresh.ok(&["import", file.to_str().unwrap()]);
    assert_eq!(fresh.json(&["get", "demo", "--org", "acme"])["metadata"], mapping["metadata"]);
}

#[test]
// Regression: a mapping an older orgmap stored with metadata nested 127 deep could never be read again
fn a_record_nested_deeper_than_the_readers_limit_still_reads_back() {
    let env = TestEnv::redb_with_org();
    env.map("demo", "2", "acme");
    let id = "01M8QR4PYVK1R80WNT2Z4GF24J";
    let record = json!({
        "mapping_id": id, "org_id": "acme", "integration": "demo", "external_org_id": "1",
        "external_org_name": null, "label": null, "metadata": {"k": serde_json::from_str::<Value>(&nested(20)).unwrap()},
        "active": true, "verified": false, "revision": 1,
        "created_at": "2026-11-26T05:44:24.220623Z", "created_by": ADMIN,
        "updated_at": "2026-11-26T05:44:24.220623Z", "updated_by": ADMIN,
    });
    // serde_json writes any depth; only its reader stops at 128.
    let deep = text(&serde_json::to_vec(&record).unwrap()).replace(&nested(20), &nested(127));
    raw::put_mapping(&env.store, id, deep.as_bytes(), "acme", "demo", "1");
    // (The listing is read as text: serde_json's own reader stops at 128 levels.)
    let listed = env.ok(&["list", "--json"]);
    assert!(listed.contains(&nested(127)) && listed.matches("mapping_id").count() == 2, "{listed}");
    let got = env.ok(&["get", "demo", "--org", "acme", "--mapping-id", id, "--field", "metadata.k", "--json"]);
    assert_eq!(got.trim(), nested(127));
    env.ok(&["doctor"]);
    env.ok(&["unmap", id, "--yes"]);
}

#[test]
// Regression: one mapping record that could not be read made list, export and audit exit 9 with nothing shown
fn one_unreadable_mapping_does_not_hide_the_others_and_can_be_removed() {
    let env = TestEnv::redb_with_org();
    env.ok(&["org", "add", "globex", "--name", "Globex"]);
    let good = env.map("demo", "1", "acme");
    let bad = env.map("demo", "2", "globex");
    // Bit rot in the middle of the record: it is no longer JSON.
    let mut bytes = raw::read_mapping(&env.store, &bad);
    let middle = bytes.len() / 2;
    bytes[middle..middle + 3].copy_from_slice(b"\x00}{");
    raw::put_mapping(&env.store, &bad, &bytes, "globex", "demo", "2");

    let out = env.run(&["list", "--json"]);
    assert_eq!(out.status.code(), Some(9), "{}", text(&out.stderr));
    let listed: Value = serde_json::from_slice(&out.stdout).expect("the readable mappings are listed");
    assert_eq!(listed.as_array().unwrap().len(), 1);
    assert_eq!(listed[0]["mapping_id"], good.as_str());
    let error: Value = serde_json::from_slice(&out.stderr).expect("one JSON error");
    let message = error["error"]["message"].as_str().unwrap();
    assert!(message.contains(&format!("mapping {bad}")) && message.contains("could not be read"), "{error}");
    assert!(error["error"]["hint"].as_str().unwrap().contains("doctor --repair"), "{error}");
    let out = env.run(&["list"]);
    assert_eq!(out.status.code(), Some(9));
    assert!(text(&out.stdout).contains(&good), "the table shows the readable mapping");
    let stderr = text(&out.stderr);
    assert!(stderr.contains(&format!("left out: mapping {bad} cannot be read")), "{stderr}");
    // Another organization's reads do not touch it.
    assert_eq!(env.ok(&["get", "demo", "--org", "acme", "--field", "external_org_id"]).trim(), "1");
    let err = env.fails(9, &["get", "demo", "--org", "globex"]);
    assert!(err.contains(&bad), "{err}");
    let out = env.run(&["export"]);
    assert_eq!(out.status.code(), Some(9));
    assert!(text(&out.stdout).contains(&good));
    let doctor = env.run(&["doctor", "--json"]);
    assert_eq!(doctor.status.code(), Some(9));
    let findings = text(&doctor.stdout);
    assert!(findings.contains(&format!("mapping {bad}")) && findings.contains("cannot be read"), "{findings}");

    // unmap removes it by its ID, audited with what was stored.
    env.ok(&["unmap", &bad, "--yes"]);
    let events = env.audit();
    assert_eq!(events[0]["action"], "mapping.delete");
    assert!(events[0]["before"]["unreadable"].as_str().unwrap().contains("globex"), "{}", events[0]);
    assert_eq!(env.json(&["list"]).as_array().unwrap().len(), 1);
    env.ok(&["doctor"]);
}

#[test]
fn doctor_repair_removes_unreadable_records_audited_and_says_when_there_is_nothing_to_repair() {
    let env = TestEnv::redb_with_org();
    let bad = env.map("demo", "7", "acme");
    raw::put_mapping(&env.store, &bad, b"{\"mapping_id\": tampered", "acme", "demo", "7");
    env.fails(9, &["doctor"]);
    env.fails_as("eve", 6, &["doctor", "--repair"]);
    let out = env.ok(&["doctor", "--repair"]);
    assert!(out.contains("removed 1 record"), "{out}");
    let repair = &env.audit()[0];
    assert_eq!(repair["action"], "store.repair");
    assert_eq!(repair["after"]["removed"][0]["key"], bad.as_str());
    assert!(repair["after"]["removed"][0]["stored"].as_str().unwrap().contains("tampered"));
    env.ok(&["list"]);
    let out = env.ok(&["doctor", "--repair"]);
    assert!(out.contains("nothing to repair"), "{out}");
}

#[test]
// Regression: a byte edit that moved a mapping under another's key went unnoticed by list and lookup
fn a_record_stored_under_another_key_is_reported_not_served() {
    let env = TestEnv::redb_with_org();
    let first = env.map("demo", "1", "acme");
    let second = env.map_another("demo", "2", "acme", "second");
    let bytes = raw::read_mapping(&env.store, &first);
    raw::put_mapping(&env.store, &second, &bytes, "acme", "demo", "2");
    let out = env.run(&["list"]);
    assert_eq!(out.status.code(), Some(9));
    let stderr = text(&out.stderr);
    assert!(stderr.contains(&format!("mapping {second} cannot be read: it was written under another key")), "{stderr}");
}

fn export_lines(env: &TestEnv) -> Vec<Value> {
    env.ok(&["export"]).lines().map(|line| serde_json::from_str(line).unwrap()).collect()
}

fn write_lines(env: &TestEnv, lines: &[Value]) -> String {
    let path = env.path().join("edited.jsonl");
    let text: Vec<String> = lines.iter().map(|l| l.to_string()).collect();
    std::fs::write(&path, text.join("\n") + "\n").unwrap();
    path.to_str().unwrap().to_owned()
}

#[test]
// Regression: an import with a lower-case mapping ID and an external ID shared with another org exited 0, and that mapping could not be unmapped
fn import_applies_every_rule_that_map_applies() {
    let source = TestEnv::with_org();
    source.ok(&["org", "add", "globex", "--name", "Globex"]);
    source.map("demo", "5", "acme");
    // The header and the mapping: the target has organizations of its own with these IDs.
    let lines: Vec<Value> =
        export_lines(&source).into_iter().filter(|l| l["kind"] == "header" || l["kind"] == "mapping").collect();
    let mapping = lines.iter().find(|l| l["kind"] == "mapping").unwrap().clone();

    let target = TestEnv::with_org();
    target.ok(&["org", "add", "globex", "--name", "Globex"]);
    target.map("demo", "5", "globex");
    let before = target.state();
    let with = |edit: &dyn Fn(&mut Value)| {
        let mut edited = lines.clone();
        for line in edited.iter_mut().filter(|l| l["kind"] == "mapping") {
            edit(&mut line["record"]);
        }
        write_lines(&target, &edited)
    };
    let lower = with(&|m| m["mapping_id"] = json!(m["mapping_id"].as_str().unwrap().to_lowercase()));
    let err = target.fails(5, &["import", &lower]);
    assert!(err.contains("is not a mapping ID"), "{err}");
    let err = target.fails(5, &["import", &with(&|m| m["metadata"] = json!({"k": {"a": "x\u{0}y"}}))]);
    assert!(err.contains("NUL") || err.contains("control characters"), "{err}");
    let big = write_lines(&target, &lines);
    let with_big = std::fs::read_to_string(&big)
        .unwrap()
        .replace("\"metadata\":{}", "\"metadata\":{\"n\":123456789012345678901234567890}");
    std::fs::write(&big, with_big).unwrap();
    let err = target.fails(5, &["import", &big]);
    assert!(err.contains("too large to keep exactly"), "{err}");
    // The config's rules: the ID pattern, an integration that maps, sharing.
    for (edit, says) in [
        (&(|m: &mut Value| m["external_org_id"] = json!("abc")) as &dyn Fn(&mut Value), "id_pattern"),
        (&|m: &mut Value| m["integration"] = json!("billing"), "does not support"),
        (&|m: &mut Value| m["integration"] = json!("nosuch"), "unknown integration"),
        (&|_: &mut Value| {}, "already maps this external ID"),
    ] {
        let out = target.run(&["import", &with(edit), "--json"]);
        assert_eq!(out.status.code(), Some(10), "{says}: {}", text(&out.stderr));
        let plan: Value = serde_json::from_slice(&out.stdout).unwrap();
        let reason = plan["conflicts"][0]["reason"].as_str().unwrap().to_owned();
        assert!(reason.contains(says), "{says}: {reason}");
        assert_eq!(plan["conflicts"][0]["id"], mapping["record"]["mapping_id"]);
    }
    let after = target.state();
    assert_eq!(after["mappings"], before["mappings"], "no conflicting mapping entered the store");
    target.ok(&["import", &write_lines(&target, &lines), "--allow-shared"]);
    let shared = target.json(&["lookup", "demo", "5"]);
    assert_eq!(shared.as_array().unwrap().len(), 2, "--allow-shared lets both orgs map it: {shared}");
    target.ok(&["unmap", mapping["record"]["mapping_id"].as_str().unwrap(), "--yes"]);
}

#[test]
// Regression: unmap of an unknown mapping by an actor without manage-config exited 3 and was not audited
fn unmap_checks_permission_before_it_looks_anything_up() {
    let env = TestEnv::with_org();
    let id = env.map("demo", "1", "acme");
    for target in ["ZZZZZZZZ", id.as_str()] {
        let err = env.fails_as("eve", 6, &["unmap", target, "--yes"]);
        assert!(err.contains("manage-config"), "{err}");
        let event = &env.audit()[0];
        assert_eq!((event["actor"].as_str(), event["outcome"].as_str()), (Some("eve"), Some("denied")));
    }
    env.fails_as("eve", 6, &["unmap", "demo", "--org", "nosuch", "--yes"]);
    env.fails(3, &["unmap", "ZZZZZZZZ", "--yes"]);
}

fn demo_config(dir: &std::path::Path, csv: &str) -> std::path::PathBuf {
    std::fs::create_dir_all(dir).unwrap();
    std::fs::write(dir.join("orgs.csv"), csv).unwrap();
    let config = dir.join("integrations.toml");
    std::fs::write(
        &config,
        r#"
[integrations.demo]
display_name = "Demo"
supports_org_mapping = true
id_pattern = "[0-9]+"
list_organizations = { kind = "file", path = "orgs.csv" }
"#,
    )
    .unwrap();
    config
}

#[test]
// Regression: a list cached by another user's config let `map demo 99999` through as verified
fn a_list_fetched_with_another_config_does_not_vouch_for_an_id() {
    let env = TestEnv::with_org();
    let trusted = demo_config(&env.path().join("trusted"), "id,name\n1,Acme\n");
    let planted = demo_config(&env.path().join("planted"), "id,name\n1,Acme\n99999,Planted\n");
    env.cmd()
        .env("ORGMAP_CONFIG", &planted)
        .env("ORGMAP_ACTOR", "eve")
        .args(["discover", "demo", "--refresh"])
        .assert()
        .success();
    let out =
        env.cmd().env("ORGMAP_CONFIG", &trusted).args(["map", "demo", "99999", "--org", "acme"]).output().unwrap();
    assert_eq!(out.status.code(), Some(5), "the planted ID is checked again: {}", text(&out.stderr));
    let out = env.cmd().env("ORGMAP_CONFIG", &trusted).args(["discover", "demo", "--json"]).output().unwrap();
    let listing: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(listing["total"], 1, "the planted list is not served under this config: {listing}");
}

#[test]
// Regression: an API answer with a kept field nested 124 deep was cached, and discover, integrations, refresh and map failed from then on
fn an_answer_nested_too_deep_is_refused_and_the_cached_list_stays() {
    let env = TestEnv::with_org();
    let dir = env.path().join("src");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("orgs.json"), r#"[{"id": 1, "name": "Acme", "deep": 1}]"#).unwrap();
    let config = dir.join("integrations.toml");
    std::fs::write(
        &config,
        r#"
[integrations.demo]
display_name = "Demo"
supports_org_mapping = true
list_organizations = { kind = "file", path = "orgs.json", records = { keep = { deep = "$.deep" } } }
"#,
    )
    .unwrap();
    let run = |args: &[&str]| env.cmd().env("ORGMAP_CONFIG", &config).args(args).output().unwrap();
    assert!(run(&["discover", "demo", "--refresh"]).status.success());
    std::fs::write(dir.join("orgs.json"), format!(r#"[{{"id": 1, "name": "Acme", "deep": {}}}]"#, nested(124)))
        .unwrap();
    let out = run(&["discover", "demo", "--refresh", "--json"]);
    assert_eq!(out.status.code(), Some(0), "the cached list is shown instead: {}", text(&out.stderr));
    let listing: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(listing["origin"], "stale");
    assert!(listing["warning"].as_str().unwrap().contains("nests more than 16 levels"), "{listing}");
    let out = run(&["refresh", "demo"]);
    assert_eq!(out.status.code(), Some(7), "{}", text(&out.stderr));
    assert!(run(&["integrations"]).status.success());
    assert!(run(&["map", "demo", "1", "--org", "acme"]).status.success());
}

#[test]
// Regression: a 0666 integrations.toml in ~/.config was loaded and could run its commands
fn configs_others_may_write_are_not_loaded() {
    let env = TestEnv::initialized();
    std::fs::set_permissions(&env.config, std::fs::Permissions::from_mode(0o666)).unwrap();
    let err = env.fails(5, &["integrations"]);
    assert!(err.contains("refusing to load config") && err.contains("anyone may write it"), "{err}");
    let xdg = env.path().join("home/.config/orgmap");
    std::fs::create_dir_all(&xdg).unwrap();
    std::fs::copy(&env.config, xdg.join("integrations.toml")).unwrap();
    std::fs::set_permissions(xdg.join("integrations.toml"), std::fs::Permissions::from_mode(0o666)).unwrap();
    let out = env.cmd().env_remove("ORGMAP_CONFIG").args(["integrations", "--json"]).output().unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains("home/.config/orgmap/integrations.toml: group or others may write it"));
    assert_eq!(serde_json::from_slice::<Value>(&out.stdout).unwrap(), json!([]));
}

#[test]
// Regression: init into an existing 0777 directory left it 0777 and doctor said nothing
fn init_makes_an_existing_store_directory_private_and_doctor_watches_it() {
    let env = TestEnv::redb();
    std::fs::create_dir_all(&env.store).unwrap();
    std::fs::set_permissions(&env.store, std::fs::Permissions::from_mode(0o777)).unwrap();
    env.ok(&["init"]);
    assert_eq!(std::fs::metadata(&env.store).unwrap().permissions().mode() & 0o777, 0o700);
    std::fs::set_permissions(&env.store, std::fs::Permissions::from_mode(0o755)).unwrap();
    let out = env.ok(&["doctor"]);
    assert!(out.contains("mode 755"), "{out}");
    let file = env.path().join("a-file");
    std::fs::write(&file, "x").unwrap();
    let err = env.cmd().env("ORGMAP_STORE", &file).arg("init").output().unwrap();
    assert_eq!(err.status.code(), Some(9));
    assert!(text(&err.stderr).contains("it is a file, not a store directory"), "{}", text(&err.stderr));
}

/// A store as earlier versions left it: schema version 1, every mapping stored as JSON.
fn json_store_of_an_earlier_version(env: &TestEnv, orgs: usize) -> Vec<String> {
    for n in 0..orgs {
        env.ok(&["org", "add", &format!("org-{n}"), "--name", &format!("Customer {n}")]);
        env.map("demo", &(100 + n).to_string(), &format!("org-{n}"));
    }
    let mut ids = Vec::new();
    for line in export_lines(env).into_iter().filter(|l| l["kind"] == "mapping") {
        let record = &line["record"];
        let id = record["mapping_id"].as_str().unwrap();
        let (org, external) = (record["org_id"].as_str().unwrap(), record["external_org_id"].as_str().unwrap());
        raw::put_mapping(&env.store, id, record.to_string().as_bytes(), org, "demo", external);
        ids.push(id.to_owned());
    }
    raw::put_meta(&env.store, "schema_version", "1");
    ids
}

#[test]
fn a_store_of_an_earlier_version_reads_as_it_is_and_migrate_rewrites_it_compactly() {
    let env = TestEnv::redb_with_org();
    let ids = json_store_of_an_earlier_version(&env, 3);
    assert_eq!(ids.len(), 3);
    assert_eq!(raw::read_mapping(&env.store, &ids[0])[0], b'{');
    let before = env.ok(&["list", "--json"]);
    let out: Value = serde_json::from_str(&env.ok(&["store", "migrate", "--json"])).unwrap();
    assert_eq!(
        (out["outcome"].as_str(), out["from"].as_u64(), out["to"].as_u64()),
        (Some("migrated"), Some(1), Some(2))
    );
    for id in &ids {
        let stored = raw::read_mapping(&env.store, id);
        assert_ne!(stored[0], b'{', "{id} is still JSON");
    }
    assert_eq!(env.ok(&["list", "--json"]), before, "the mappings read back the same");
    env.ok(&["doctor"]);
    let again: Value = serde_json::from_str(&env.ok(&["store", "migrate", "--json"])).unwrap();
    assert_eq!(again["outcome"], "unchanged");
}
