//! What only the PostgreSQL store has: server-enforced roles, connection handling, schema
//! versions, many hosts writing at once, and moving a store between backends. The store-agnostic
//! suites run on PostgreSQL too (`ORGMAP_TEST_BACKEND=postgres`).

use std::collections::HashSet;
use std::process::Output;

use serde_json::Value;

use crate::common::{ADMIN, Backend, TestEnv, actions};

/// A PostgreSQL store set up by [`ADMIN`] with roles applied, an org `acme`, and two login roles:
/// one holding the manager role, one the reader role.
struct Team {
    env: TestEnv,
    manager: String,
    reader: String,
}

const MANAGER_PASSWORD: &str = "manager-pw-7Hq";
const READER_PASSWORD: &str = "reader-pw-3Kz";

impl Team {
    fn new() -> Team {
        let env = TestEnv::on(Backend::Postgres);
        let config = std::fs::read_to_string(&env.config).unwrap();
        env.write_config(&format!(
            "{config}\n[integrations.listed]\ndisplay_name = \"Listed\"\nsupports_org_mapping = true\n\
             [integrations.listed.list_organizations]\nkind = \"file\"\npath = \"orgs.json\"\n"
        ));
        std::fs::write(env.path().join("orgs.json"), r#"[{"id": "12345", "name": "Acme Corp"}]"#).unwrap();
        let prefix = env.db().role_prefix();
        let out = env.json(&["init", "--role-prefix", &prefix, "--apply-roles"]);
        assert_eq!(out["roles"]["applied"], true, "{out}");
        env.ok(&["org", "add", "acme", "--name", "Acme Corp"]);
        let manager = env.db().login_role("manager", MANAGER_PASSWORD, &[&format!("{prefix}_manager")]);
        let reader = env.db().login_role("reader", READER_PASSWORD, &[&format!("{prefix}_reader")]);
        Team { env, manager, reader }
    }

    /// orgmap as a login role; the orgmap actor stays [`ADMIN`], who holds manage-config.
    fn run_as_role(&self, role: &str, password: &str, args: &[&str]) -> Output {
        self.env
            .cmd()
            .env("ORGMAP_STORE", self.env.db().url_as(role))
            .env("PGPASSWORD", password)
            .args(args)
            .output()
            .expect("run orgmap")
    }

    fn reader(&self, args: &[&str]) -> Output {
        self.run_as_role(&self.reader, READER_PASSWORD, args)
    }

    fn manager(&self, args: &[&str]) -> Output {
        self.run_as_role(&self.manager, MANAGER_PASSWORD, args)
    }
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn succeeded(out: &Output, what: &str) -> String {
    assert!(out.status.success(), "{what} failed with {:?}: {}", out.status.code(), stderr(out));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn a_reader_role_may_read_discover_and_test_but_every_change_exits_6_whatever_the_store_grants() {
    if crate::pg::skip() {
        return;
    }
    let team = Team::new();
    let id = team.env.map("demo", "12345", "acme");
    let listed = team.env.map("listed", "12345", "acme");
    let before = team.env.state();

    let got = succeeded(&team.reader(&["get", "demo", "--org", "acme", "--field", "external_org_id"]), "get");
    assert_eq!(got.trim(), "12345");
    succeeded(&team.reader(&["list", "--json"]), "list");
    succeeded(&team.reader(&["lookup", "demo", "12345", "--json"]), "lookup");
    succeeded(&team.reader(&["audit"]), "audit");
    // Regression: a reader could write the cached list that map then trusted as verified
    let before_cache = team.env.json(&["integrations", "listed"]);
    let listing: Value =
        serde_json::from_str(&succeeded(&team.reader(&["discover", "listed", "--refresh", "--json"]), "discover"))
            .unwrap();
    assert_eq!(listing["origin"], "fresh", "a reader sees the fresh list: {listing}");
    assert_eq!(team.env.json(&["integrations", "listed"])[0]["cache"], before_cache[0]["cache"], "but cannot cache it");
    let out = team.reader(&["refresh", "listed"]);
    assert_eq!(out.status.code(), Some(7), "a reader cannot refresh the cache: {}", stderr(&out));
    assert!(stderr(&out).contains(&team.reader), "{}", stderr(&out));
    succeeded(&team.reader(&["test", &listed, "--json"]), "test writes its result");
    let shown = team.env.json(&["list", "--org", "acme", "--integration", "listed"]);
    assert_eq!(shown[0]["last_test"]["outcome"], "success", "the reader's test result was kept: {shown}");

    // ADMIN holds manage-config in the store, yet the server has the last word.
    for args in [
        &["org", "add", "globex", "--name", "Globex"][..],
        &["org", "rename", "acme", "Renamed"],
        &["org", "deactivate", "acme"],
        &["map", "demo", "777", "--org", "acme", "--no-input"],
        &["set", "demo", "888", "--org", "acme"],
        &["edit", &id, "--label", "mine"],
        &["unmap", &id, "--yes"],
        &["access", "grant", "mallory"],
        &["access", "revoke", ADMIN],
    ] {
        let out = team.reader(args);
        assert_eq!(out.status.code(), Some(6), "{args:?}: {}", stderr(&out));
        let message = stderr(&out);
        assert!(message.contains(&team.reader), "{args:?} names the database role: {message}");
        assert!(message.contains("_manager TO"), "{args:?} says which role to grant: {message}");
    }

    let mut after = team.env.state();
    for mapping in after["mappings"].as_array_mut().unwrap() {
        mapping.as_object_mut().unwrap().remove("last_test");
    }
    assert_eq!(after["orgs"], before["orgs"]);
    assert_eq!(after["mappings"], before["mappings"], "only the test result was added");
    assert_eq!(after["access"], before["access"]);
    let denied: Vec<Value> = team.env.audit().into_iter().filter(|e| e["outcome"] == "denied").collect();
    assert_eq!(denied.len(), 9, "each refusal is audited: {denied:#?}");
    for event in &denied {
        assert_eq!(event["actor"], ADMIN);
        assert_eq!(event["db_role"], team.reader.as_str(), "the audit records the database role too");
    }
}

#[test]
fn the_server_refuses_a_reader_that_writes_around_orgmap() {
    if crate::pg::skip() {
        return;
    }
    let team = Team::new();
    let (url, _) = crate::pg::server();
    let mut config: postgres::Config = url.parse().unwrap();
    config.user(&team.reader).password(READER_PASSWORD).dbname(&team.env.db().name);
    let mut client = config.connect(postgres::NoTls).expect("reader connects");
    for sql in [
        "UPDATE orgmap.orgs SET name = 'pwned'",
        "DELETE FROM orgmap.access",
        "INSERT INTO orgmap.access VALUES ('mallory', ARRAY['manage-config'], now(), 'mallory')",
        "DELETE FROM orgmap.audit",
        "INSERT INTO orgmap.discovery VALUES ('planted', '{}')",
        "DELETE FROM orgmap.discovery",
        // An audit event's database role and place in the log are the server's to set.
        "INSERT INTO orgmap.audit (id, at, actor, db_role, action, target, outcome)
         VALUES ('forged', now(), 'admin', 'orgmap_test', 'org.create', 'org:x', 'ok')",
        "INSERT INTO orgmap.audit (seq, id, at, actor, action, target, outcome) OVERRIDING SYSTEM VALUE
         VALUES (9223372036854775807, 'hidden', now(), 'admin', 'org.create', 'org:x', 'ok')",
    ] {
        let err = client.batch_execute(sql).expect_err(sql);
        assert_eq!(err.code(), Some(&postgres::error::SqlState::INSUFFICIENT_PRIVILEGE), "{sql}: {err}");
    }
    assert_eq!(team.env.json(&["org", "show", "acme"])["org"]["name"], "Acme Corp");
}

#[test]
fn a_manager_role_changes_the_store_and_the_audit_records_actor_and_database_role() {
    if crate::pg::skip() {
        return;
    }
    let team = Team::new();
    let out = team.manager(&["map", "demo", "4242", "--org", "acme", "--json"]);
    let created: Value = serde_json::from_str(&succeeded(&out, "map")).unwrap();
    assert_eq!(created["external_org_id"], "4242", "{created}");
    let event = &team.env.audit()[0];
    assert_eq!(event["action"], "mapping.create");
    assert_eq!(event["actor"], ADMIN);
    assert_eq!(event["db_role"], team.manager.as_str());
    let table = succeeded(&team.manager(&["audit", "--limit", "1"]), "audit");
    assert!(table.contains("DB ROLE") && table.contains(&team.manager), "{table}");
}

#[test]
fn init_on_postgres_prints_the_role_setup_and_applying_it_twice_is_harmless() {
    if crate::pg::skip() {
        return;
    }
    let env = TestEnv::on(Backend::Postgres);
    let prefix = env.db().role_prefix();
    let printed = env.ok(&["init", "--role-prefix", &prefix]);
    assert!(printed.contains(&format!("CREATE ROLE {prefix}_reader NOLOGIN")), "{printed}");
    assert!(
        printed.contains(&format!(
            "GRANT INSERT, UPDATE, DELETE ON orgmap.orgs, orgmap.mappings, orgmap.access, orgmap.exclusions TO {prefix}_manager"
        )),
        "{printed}"
    );
    assert_eq!(
        env.db().column(&format!("SELECT rolname::text FROM pg_roles WHERE rolname LIKE '{prefix}%'")).len(),
        0,
        "printing creates nothing"
    );
    env.ok(&["store", "roles", "--apply"]);
    env.ok(&["store", "roles", "--apply"]);
    let roles =
        env.db().column(&format!("SELECT rolname::text FROM pg_roles WHERE rolname LIKE '{prefix}%' ORDER BY 1"));
    assert_eq!(roles, [format!("{prefix}_manager"), format!("{prefix}_reader")]);
    let again = env.json(&["init"]);
    assert_eq!(again["outcome"], "unchanged");
}

#[test]
fn the_embedded_store_has_no_database_roles() {
    if crate::pg::skip() {
        return;
    }
    let env = TestEnv::initialized_on(Backend::Redb);
    let stderr = env.fails(2, &["store", "roles"]);
    assert!(stderr.contains("orgmap access"), "{stderr}");
    env.fails(2, &["init", "--apply-roles"]);
}

#[test]
fn a_store_newer_than_this_orgmap_is_refused_and_an_older_one_asks_for_migrate() {
    if crate::pg::skip() {
        return;
    }
    let env = TestEnv::initialized_on(Backend::Postgres);
    let out = env.json(&["store", "migrate"]);
    assert_eq!(out["outcome"], "unchanged", "{out}");

    env.db().sql("UPDATE orgmap.meta SET value = '99' WHERE key = 'schema_version'");
    let error = env.json_error(9, &["get", "demo", "--org", "acme"]);
    assert_eq!(error["kind"], "store_too_new", "{error}");
    assert!(error["hint"].as_str().unwrap().contains("upgrade orgmap"), "{error}");
    let error = env.json_error(9, &["store", "migrate"]);
    assert_eq!(error["kind"], "store_too_new", "migrate never downgrades: {error}");

    env.db().sql("UPDATE orgmap.meta SET value = '0' WHERE key = 'schema_version'");
    let error = env.json_error(9, &["org", "list"]);
    assert_eq!(error["kind"], "store_outdated", "{error}");
    assert!(error["hint"].as_str().unwrap().contains("orgmap store migrate"), "{error}");
}

#[test]
fn migrate_and_every_command_on_a_database_without_a_store_say_to_run_init() {
    if crate::pg::skip() {
        return;
    }
    let env = TestEnv::on(Backend::Postgres);
    for args in [&["store", "migrate"][..], &["org", "list"], &["get", "demo", "--org", "acme"]] {
        let error = env.json_error(9, args);
        assert_eq!(error["kind"], "store_missing", "{args:?}: {error}");
        assert!(error["hint"].as_str().unwrap().contains("orgmap init"), "{error}");
    }
    assert!(
        env.db().column("SELECT nspname::text FROM pg_namespace WHERE nspname = 'orgmap'").is_empty(),
        "nothing was created"
    );
}

#[test]
fn an_unreachable_server_exits_9_naming_the_host_and_never_the_password() {
    if crate::pg::skip() {
        return;
    }
    let env = TestEnv::on(Backend::Postgres);
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let started = std::time::Instant::now();
    let out = env
        .cmd()
        .env("ORGMAP_STORE", format!("postgres://worker@127.0.0.1:{port}/orgmap"))
        .env("PGPASSWORD", "s3cret-never-shown")
        .args(["get", "demo", "--org", "acme", "--json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(9));
    let text = stderr(&out);
    let error: Value = serde_json::from_str(&text).unwrap();
    let message = error["error"]["message"].as_str().unwrap();
    assert!(message.contains(&format!("127.0.0.1:{port}")), "{message}");
    assert!(message.contains("tried 3 times"), "the retry is bounded and said: {message}");
    assert!(error["error"]["hint"].as_str().unwrap().contains("pg_hba.conf"), "{text}");
    assert!(!text.contains("s3cret-never-shown"), "{text}");
    assert!(started.elapsed() < std::time::Duration::from_secs(20), "the retry is bounded");
}

#[test]
fn a_wrong_password_exits_9_and_says_where_the_password_came_from() {
    if crate::pg::skip() {
        return;
    }
    let env = TestEnv::initialized_on(Backend::Postgres);
    let out = env.cmd().env("PGPASSWORD", "wrong-password-xyz").args(["org", "list"]).output().unwrap();
    assert_eq!(out.status.code(), Some(9));
    let text = stderr(&out);
    assert!(text.contains("password authentication failed"), "{text}");
    assert!(text.contains("PGPASSWORD"), "{text}");
    assert!(!text.contains("wrong-password-xyz"), "{text}");
}

#[test]
fn a_password_in_the_url_or_the_config_url_is_refused_and_not_echoed() {
    if crate::pg::skip() {
        return;
    }
    let env = TestEnv::on(Backend::Postgres);
    let with_password = env.db().url.replacen("orgmap_test@", "orgmap_test:hunter2pw@", 1);
    let out = env.cmd().env("ORGMAP_STORE", &with_password).args(["org", "list"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(!stderr(&out).contains("hunter2pw"), "{}", stderr(&out));

    env.write_config(&format!("[store]\nurl = \"{with_password}\"\n"));
    let out = env.cmd().env_remove("ORGMAP_STORE").args(["org", "list"]).output().unwrap();
    assert_eq!(out.status.code(), Some(5), "{}", stderr(&out));
    assert!(!stderr(&out).contains("hunter2pw"), "{}", stderr(&out));
}

#[test]
fn the_password_may_come_from_pgpass_or_a_secret_named_in_the_config() {
    if crate::pg::skip() {
        return;
    }
    use std::os::unix::fs::PermissionsExt;
    let env = TestEnv::initialized_on(Backend::Postgres);
    let db = env.db();
    let authority = db.url.trim_start_matches("postgres://").split('/').next().unwrap().to_owned();
    let host_port = authority.split('@').nth(1).unwrap().replace(':', "\\:").replacen("\\:", ":", 1);
    let pgpass = env.path().join("home/.pgpass");
    std::fs::write(&pgpass, format!("{host_port}:{}:orgmap_test:{}\n", db.name, db.password)).unwrap();
    std::fs::set_permissions(&pgpass, std::fs::Permissions::from_mode(0o600)).unwrap();
    let out = env.cmd().env_remove("PGPASSWORD").args(["access", "list", "--json"]).output().unwrap();
    assert!(out.status.success(), "~/.pgpass: {}", stderr(&out));

    // The config names the store and a secret; the password itself is in the environment.
    let config = std::fs::read_to_string(&env.config).unwrap();
    env.write_config(&format!("[store]\nurl = \"{}\"\npassword = {{ env = \"TEAM_DB_PASSWORD\" }}\n{config}", db.url));
    std::fs::remove_file(&pgpass).unwrap();
    let out = env
        .cmd()
        .env_remove("PGPASSWORD")
        .env_remove("ORGMAP_STORE")
        .env("TEAM_DB_PASSWORD", &db.password)
        .args(["access", "list", "--json"])
        .output()
        .unwrap();
    assert!(out.status.success(), "[store] password: {}", stderr(&out));
    let out = env.cmd().env_remove("PGPASSWORD").env_remove("ORGMAP_STORE").args(["access", "list"]).output().unwrap();
    assert_eq!(out.status.code(), Some(9));
    assert!(stderr(&out).contains("TEAM_DB_PASSWORD"), "says which secret is missing: {}", stderr(&out));
}

#[test]
fn an_edit_from_a_stale_read_is_refused_with_who_changed_it_and_when() {
    if crate::pg::skip() {
        return;
    }
    let env = TestEnv::initialized_on(Backend::Postgres);
    env.ok(&["org", "add", "acme", "--name", "Acme"]);
    let id = env.map("demo", "100", "acme");
    let read = env.json(&["list", "--org", "acme"])[0]["revision"].as_u64().unwrap();
    env.ok_as("bob", &["access", "list"]);
    env.ok(&["access", "grant", "bob"]);
    env.ok_as("bob", &["edit", &id, "--label", "bobs", "--if-revision", &read.to_string()]);
    let error = env.json_error(10, &["edit", &id, "--label", "mine", "--if-revision", &read.to_string()]);
    let message = error["message"].as_str().unwrap();
    assert!(message.contains("changed by bob at"), "{message}");
    assert!(message.contains("since you read it"), "{message}");
    assert_eq!(env.json(&["list", "--org", "acme"])[0]["label"], "bobs");
}

/// Runs `per_worker` commands in each of `workers` threads at once; returns every output.
fn in_parallel(
    workers: usize,
    per_worker: usize,
    args: impl Fn(usize, usize) -> Vec<String> + Sync,
    env: &TestEnv,
) -> Vec<Output> {
    std::thread::scope(|scope| {
        let handles: Vec<_> = (0..workers)
            .map(|w| {
                let args = &args;
                scope.spawn(move || {
                    (0..per_worker)
                        .map(|i| env.cmd().args(args(w, i)).output().expect("run orgmap"))
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles.into_iter().flat_map(|h| h.join().expect("worker")).collect()
    })
}

#[test]
fn sixteen_processes_setting_fifty_mappings_each_create_800_with_800_audit_events() {
    if crate::pg::skip() {
        return;
    }
    let env = TestEnv::initialized_on(Backend::Postgres);
    {
        let store = env.open_store(orgmap::store::Access::Write);
        let mut tx = store.write().unwrap();
        let at = orgmap::domain::now();
        for w in 0..16 {
            for i in 0..50 {
                let org = orgmap::domain::Org {
                    id: format!("org-{w}-{i}"),
                    name: format!("Org {w} {i}"),
                    active: true,
                    domains: Vec::new(),
                    aliases: Vec::new(),
                    created_at: at,
                    created_by: ADMIN.into(),
                    updated_at: at,
                    updated_by: ADMIN.into(),
                };
                tx.put_org(&org).unwrap();
            }
        }
        tx.commit().unwrap();
    }
    let outputs = in_parallel(
        16,
        50,
        |w, i| {
            ["set", "free", &format!("ext-{w}-{i}"), "--org", &format!("org-{w}-{i}"), "--json"]
                .map(String::from)
                .to_vec()
        },
        &env,
    );
    for out in &outputs {
        assert!(out.status.success(), "{}", stderr(out));
        let result: Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(result["outcome"], "created");
    }
    let mappings = env.mappings();
    assert_eq!(mappings.len(), 800);
    let pairs: HashSet<(String, String)> = mappings
        .iter()
        .map(|m| (m["org_id"].as_str().unwrap().to_owned(), m["integration"].as_str().unwrap().to_owned()))
        .collect();
    assert_eq!(pairs.len(), 800, "no org has two mappings");
    let ids: HashSet<&str> = mappings.iter().map(|m| m["mapping_id"].as_str().unwrap()).collect();
    assert_eq!(ids.len(), 800);
    let creates = env.audit().iter().filter(|e| e["action"] == "mapping.create").count();
    assert_eq!(creates, 800);
}

#[test]
fn concurrent_first_sets_of_one_org_and_integration_create_exactly_one_mapping() {
    if crate::pg::skip() {
        return;
    }
    let env = TestEnv::initialized_on(Backend::Postgres);
    env.ok(&["org", "add", "acme", "--name", "Acme"]);
    let outputs = in_parallel(
        16,
        1,
        |w, _| ["set", "free", &format!("ext-{w}"), "--org", "acme"].map(String::from).to_vec(),
        &env,
    );
    for out in &outputs {
        assert!(out.status.success(), "{}", stderr(out));
    }
    let mappings = env.mappings();
    assert_eq!(mappings.len(), 1, "{mappings:#?}");
    let events = env.audit();
    let sets: Vec<&str> = actions(&events).into_iter().filter(|a| a.starts_with("mapping.")).collect();
    assert_eq!(sets.iter().filter(|a| **a == "mapping.create").count(), 1, "{sets:?}");
    assert_eq!(
        mappings[0]["revision"].as_u64().unwrap() as usize,
        sets.len(),
        "every set is one revision of the one mapping: no update was lost"
    );
}

/// The export without its header line, and without the audit events whose IDs `skip` holds.
fn export_lines(env: &TestEnv, skip: &HashSet<String>) -> Vec<Value> {
    env.ok(&["export", "--format", "json"])
        .lines()
        .map(|line| serde_json::from_str::<Value>(line).unwrap())
        .filter(|line| line["kind"] != "header")
        .filter(|line| !(line["kind"] == "audit" && skip.contains(line["record"]["id"].as_str().unwrap())))
        .collect()
}

/// The IDs of the audit events a store has before an import (its own `init`).
fn own_events(env: &TestEnv) -> HashSet<String> {
    env.audit().iter().map(|e| e["id"].as_str().unwrap().to_owned()).collect()
}

fn import(env: &TestEnv, file: &std::path::Path) -> HashSet<String> {
    let mut skip = own_events(env);
    let out = env.json(&["import", file.to_str().unwrap()]);
    assert_eq!(out["conflicts"].as_array().map_or(0, Vec::len), 0, "{out}");
    let newest = &env.audit()[0];
    assert_eq!(newest["action"], "store.import");
    skip.insert(newest["id"].as_str().unwrap().to_owned());
    skip
}

#[test]
fn export_import_moves_a_store_from_redb_to_postgres_and_back_with_nothing_lost() {
    if crate::pg::skip() {
        return;
    }
    let source = TestEnv::initialized_on(Backend::Redb);
    source.ok(&["org", "add", "acme", "--name", "Acme Corp"]);
    source.ok(&["org", "add", "globex", "--name", "Globex \"Intl\" ünïcode"]);
    let first = source.map("demo", "100", "acme");
    source.ok(&[
        "map",
        "m365",
        "0c0ffee0-0000-4000-8000-000000000001",
        "--org",
        "acme",
        "--label",
        "tenant A",
        "--meta",
        "region=eu",
        "--meta-json",
        "limits={\"seats\":25,\"tiers\":[\"a\",\"b\"],\"z\":null,\"a\":1.5}",
    ]);
    source.ok(&["map", "free", "x/y?z", "--org", "globex"]);
    source.ok(&["edit", &first, "--deactivate"]);
    source.ok(&["org", "deactivate", "globex"]);
    source.ok(&["access", "grant", "bob"]);
    source.fails_as("mallory", 6, &["org", "add", "evil", "--name", "Evil"]);
    let original = export_lines(&source, &HashSet::new());
    let file = source.path().join("redb.jsonl");
    std::fs::write(&file, source.ok(&["export"])).unwrap();

    let shared = TestEnv::initialized_on(Backend::Postgres);
    let skip = import(&shared, &file);
    assert_eq!(export_lines(&shared, &skip), original, "redb → PostgreSQL keeps every record as it was");
    let again = shared.json(&["import", file.to_str().unwrap()]);
    for kind in ["orgs", "mappings", "access", "audit"] {
        assert!(
            again[kind].get("create").is_none() && again[kind].get("update").is_none(),
            "importing twice changes nothing: {again}"
        );
    }

    let back_file = shared.path().join("pg.jsonl");
    std::fs::write(&back_file, shared.ok(&["export"])).unwrap();
    let back = TestEnv::initialized_on(Backend::Redb);
    let mut skip_back = import(&back, &back_file);
    skip_back.extend(skip);
    assert_eq!(export_lines(&back, &skip_back), original, "PostgreSQL → redb gives back the same content");
    assert_eq!(
        back.ok(&["get", "m365", "--org", "acme", "--field", "metadata.limits"]).trim(),
        source.ok(&["get", "m365", "--org", "acme", "--field", "metadata.limits"]).trim()
    );
}

#[test]
fn a_writer_held_too_long_makes_other_writers_give_up_with_exit_9_while_readers_go_on() {
    if crate::pg::skip() {
        return;
    }
    let env = TestEnv::initialized_on(Backend::Postgres);
    env.ok(&["org", "add", "acme", "--name", "Acme"]);
    env.map("demo", "100", "acme");
    // Hold the store's write lock, as a long write on another host would.
    let mut holder = crate::pg::admin_client(&env.db().name);
    let mut tx = holder.transaction().unwrap();
    tx.execute("SELECT pg_advisory_xact_lock(x'6f72676d6170'::bigint)", &[]).unwrap();

    let out = env
        .cmd()
        .env("ORGMAP_LOCK_TIMEOUT", "0.3")
        .args(["org", "add", "globex", "--name", "Globex", "--json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(9), "{}", stderr(&out));
    let error: Value = serde_json::from_slice(&out.stderr).unwrap();
    assert_eq!(error["error"]["kind"], "store_busy", "{error}");
    assert!(error["error"]["hint"].as_str().unwrap().contains("ORGMAP_LOCK_TIMEOUT"), "{error}");
    let got = env.ok(&["get", "demo", "--org", "acme", "--field", "external_org_id"]);
    assert_eq!(got.trim(), "100", "readers never wait for a writer");

    tx.rollback().unwrap();
    env.ok(&["org", "add", "globex", "--name", "Globex"]);
}

#[test]
fn rows_that_do_not_read_back_as_records_are_a_damaged_store_never_a_crash() {
    if crate::pg::skip() {
        return;
    }
    let env = TestEnv::initialized_on(Backend::Postgres);
    env.ok(&["org", "add", "acme", "--name", "Acme"]);
    let id = env.map("demo", "100", "acme");
    env.db().sql(&format!("UPDATE orgmap.mappings SET metadata = '[1, 2]' WHERE mapping_id = '{id}'"));
    // `list` and `export` stream, so they may have begun their output: the exit code tells.
    for args in [&["list", "--json"][..], &["get", "demo", "--org", "acme", "--json"], &["export", "--json"]] {
        let out = env.run(args);
        assert_eq!(out.status.code(), Some(9), "{args:?}: {}", stderr(&out));
        let error: Value = serde_json::from_slice(&out.stderr).unwrap();
        assert_eq!(error["error"]["kind"], "store_damaged", "{args:?}: {error}");
        assert!(error["error"]["message"].as_str().unwrap().contains("mapping"), "{error}");
    }
    let out = env.run(&["doctor"]);
    assert_eq!(out.status.code(), Some(9), "{}", stderr(&out));
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("cannot be read"),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );

    env.db().sql(&format!("UPDATE orgmap.mappings SET metadata = '{{}}' WHERE mapping_id = '{id}'"));
    env.db().sql("UPDATE orgmap.audit SET outcome = 'maybe' WHERE action = 'org.create'");
    let error = env.json_error(9, &["audit"]);
    assert_eq!(error["kind"], "store_damaged", "{error}");
    env.ok(&["get", "demo", "--org", "acme"]);
}

#[test]
fn init_finishes_a_store_that_lost_its_first_grant_and_only_then() {
    if crate::pg::skip() {
        return;
    }
    let env = TestEnv::initialized_on(Backend::Postgres);
    assert_eq!(env.json(&["init"])["outcome"], "unchanged");
    env.db().sql("DELETE FROM orgmap.access");
    env.fails(6, &["org", "add", "acme", "--name", "Acme"]);
    assert_eq!(env.json(&["init"])["outcome"], "created", "init grants manage-config again");
    env.ok(&["org", "add", "acme", "--name", "Acme"]);
}

#[test]
fn a_server_that_asks_for_a_password_none_was_found_for_is_not_retried() {
    if crate::pg::skip() {
        return;
    }
    let env = TestEnv::initialized_on(Backend::Postgres);
    let out = env.cmd().env_remove("PGPASSWORD").args(["org", "list"]).output().unwrap();
    assert_eq!(out.status.code(), Some(9));
    let text = stderr(&out);
    assert!(text.contains("asks for a password"), "{text}");
    assert!(text.contains("~/.pgpass"), "the hint names the sources: {text}");
    assert!(!text.contains("tried"), "a missing password is not retried: {text}");
}

#[test]
fn an_import_holding_what_postgres_cannot_store_is_refused_before_anything_is_written() {
    if crate::pg::skip() {
        return;
    }
    let env = TestEnv::initialized_on(Backend::Postgres);
    let before = env.state();
    let file = env.path().join("nul.jsonl");
    let export = env.ok(&["export"]);
    let header = export.lines().next().unwrap();
    std::fs::write(
        &file,
        format!(
            "{header}\n{}\n",
            r#"{"kind":"org","record":{"id":"acme","name":"Acme\u0000Corp","active":true,"created_at":"2026-01-01T00:00:00Z","created_by":"admin","updated_at":"2026-01-01T00:00:00Z","updated_by":"admin"}}"#
        ),
    )
    .unwrap();
    let error = env.json_error(5, &["import", file.to_str().unwrap()]);
    assert!(error["message"].as_str().unwrap().contains("NUL"), "{error}");
    assert_eq!(env.state(), before);
}

#[test]
fn times_finer_than_a_microsecond_import_once_and_then_stay_unchanged() {
    if crate::pg::skip() {
        return;
    }
    let env = TestEnv::initialized_on(Backend::Postgres);
    let export = env.ok(&["export"]);
    let header = export.lines().next().unwrap();
    let file = env.path().join("nanos.jsonl");
    std::fs::write(
        &file,
        format!(
            "{header}\n{}\n",
            r#"{"kind":"org","record":{"id":"acme","name":"Acme","active":true,"created_at":"2026-01-01T00:00:00.123456789Z","created_by":"admin","updated_at":"2026-01-01T00:00:00.123456789Z","updated_by":"admin"}}"#
        ),
    )
    .unwrap();
    assert_eq!(env.json(&["import", file.to_str().unwrap()])["orgs"]["create"], 1);
    let again = env.json(&["import", file.to_str().unwrap()]);
    assert_eq!(again["orgs"]["unchanged"], 1, "{again}");
    assert_eq!(env.json(&["org", "show", "acme"])["org"]["created_at"], "2026-01-01T00:00:00.123456Z");
}

/// A store whose login role `tls` may connect only over TLS (the test server refuses it
/// otherwise), and the URL for it with `query` appended.
fn tls_store() -> (TestEnv, String) {
    let env = TestEnv::on(Backend::Postgres);
    let prefix = env.db().role_prefix();
    env.ok(&["init", "--role-prefix", &prefix, "--apply-roles"]);
    let role = env.db().login_role("tls", "tls-pw-4Rt", &[&format!("{prefix}_reader"), "orgmap_tls_only"]);
    let url = env.db().url_as(&role);
    (env, url)
}

fn as_tls_role(env: &TestEnv, url: &str) -> Output {
    env.cmd()
        .env("ORGMAP_STORE", url)
        .env("PGPASSWORD", "tls-pw-4Rt")
        .args(["access", "list", "--json"])
        .output()
        .unwrap()
}

#[test]
fn tls_is_used_when_the_server_offers_it_and_checked_against_the_authority_given() {
    if crate::pg::skip() {
        return;
    }
    let (env, url) = tls_store();
    let ca = std::env::var("ORGMAP_TEST_POSTGRES_CA").expect("ORGMAP_TEST_POSTGRES_CA, set by scripts/with-postgres");

    let plain = as_tls_role(&env, &format!("{url}?sslmode=disable"));
    assert_eq!(plain.status.code(), Some(9), "the server refuses this role without TLS: {}", stderr(&plain));
    succeeded(&as_tls_role(&env, &url), "the default (prefer) encrypts when the server offers TLS");
    succeeded(&as_tls_role(&env, &format!("{url}?sslmode=require")), "require");
    succeeded(&as_tls_role(&env, &format!("{url}?sslmode=verify-full&sslrootcert={ca}")), "verify-full");

    let out = as_tls_role(&env, &format!("{url}?sslmode=verify-full"));
    assert_eq!(out.status.code(), Some(9));
    assert!(stderr(&out).contains("~/.postgresql/root.crt"), "says where the authority goes: {}", stderr(&out));
    let default_root = env.path().join("home/.postgresql");
    std::fs::create_dir_all(&default_root).unwrap();
    std::fs::copy(&ca, default_root.join("root.crt")).unwrap();
    succeeded(&as_tls_role(&env, &format!("{url}?sslmode=verify-full")), "verify-full with ~/.postgresql/root.crt");

    // An authority that did not sign the server's certificate.
    let other = rcgen::generate_simple_self_signed(vec!["elsewhere.example".to_owned()]).unwrap();
    let other_ca = env.path().join("other-ca.pem");
    std::fs::write(&other_ca, other.cert.pem()).unwrap();
    let out = as_tls_role(&env, &format!("{url}?sslmode=verify-full&sslrootcert={}", other_ca.display()));
    assert_eq!(out.status.code(), Some(9), "{}", stderr(&out));
    let text = stderr(&out);
    assert!(text.contains("certificate"), "{text}");
    assert!(!text.contains("tried"), "a refused certificate is not retried: {text}");
}

#[test]
fn url_parameters_other_than_tls_reach_the_server_as_written() {
    if crate::pg::skip() {
        return;
    }
    let env = TestEnv::initialized_on(Backend::Postgres);
    let url = format!("{}?options=-c%20statement_timeout%3D4321&sslmode=prefer&connect_timeout=5", env.db().url);
    let out = env.cmd().env("ORGMAP_STORE", &url).args(["access", "list", "--json"]).output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
}

/// The README's recipe once made the database as an administrator and ran init as the owner role,
/// which the server refused ("permission denied for database") with no word on what to grant.
#[test]
fn init_as_an_owner_role_says_what_to_grant_and_succeeds_once_granted() {
    if crate::pg::skip() {
        return;
    }
    let env = TestEnv::on(Backend::Postgres);
    let db = env.db();
    let prefix = db.role_prefix();
    let owner = db.login_role("owner", "owner-pw-4Rt", &[]);
    let init = || {
        env.cmd()
            .env("ORGMAP_STORE", db.url_as(&owner))
            .env("PGPASSWORD", "owner-pw-4Rt")
            .args(["init", "--role-prefix", &prefix, "--apply-roles"])
            .output()
            .expect("run orgmap")
    };
    let refused = init();
    assert_eq!(refused.status.code(), Some(6), "{}", stderr(&refused));
    let message = stderr(&refused);
    assert!(message.contains(&format!("GRANT CREATE ON DATABASE {} TO {owner};", db.name)), "{message}");
    assert!(message.contains(&format!("createdb -O {owner} {}", db.name)), "{message}");

    db.sql(&format!("ALTER DATABASE {} OWNER TO {owner}", db.name));
    let no_createrole = init();
    assert_eq!(no_createrole.status.code(), Some(6), "{}", stderr(&no_createrole));
    let message = stderr(&no_createrole);
    assert!(message.contains(&format!("ALTER ROLE {owner} CREATEROLE;")), "{message}");

    db.sql(&format!("ALTER ROLE {owner} CREATEROLE"));
    succeeded(&init(), "init --apply-roles as the database's owner with CREATEROLE");
    let roles = db.column(&format!("SELECT rolname::text FROM pg_roles WHERE rolname LIKE '{prefix}\\_%' ORDER BY 1"));
    assert_eq!(roles, [format!("{prefix}_login_owner"), format!("{prefix}_manager"), format!("{prefix}_reader")]);
}
