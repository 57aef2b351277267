//! A temporary orgmap environment: its own HOME, config, store and actor, with every ORGMAP_*
//! variable of the calling shell cleared, so that tests never touch a real store.

use std::path::{Path, PathBuf};
use std::process::Output;

use assert_cmd::Command;
use serde_json::Value;
use tempfile::TempDir;

/// The config every test starts from: a mapping-enabled integration with a numeric ID pattern,
/// one with GUIDs, one without a pattern, and one that does not support mapping.
pub const TEST_CONFIG: &str = r#"
[integrations.demo]
display_name = "Demo PSA"
supports_org_mapping = true
id_pattern = "[0-9]+"

[integrations.m365]
display_name = "Microsoft 365"
supports_org_mapping = true
id_pattern = "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"

[integrations.free]
display_name = "Free-form IDs"
supports_org_mapping = true

[integrations.billing]
display_name = "Billing (no mapping)"
supports_org_mapping = false
"#;

/// The actor that ran `init` and holds manage-config.
pub const ADMIN: &str = "admin";

/// Which store a test runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Redb,
    Postgres,
}

impl Backend {
    /// The backend of this test run: `ORGMAP_TEST_BACKEND=postgres` runs the store-agnostic
    /// suites on PostgreSQL, else the embedded store.
    pub fn of_run() -> Backend {
        match std::env::var("ORGMAP_TEST_BACKEND").as_deref() {
            Ok("postgres") => Backend::Postgres,
            _ => Backend::Redb,
        }
    }
}

pub struct TestEnv {
    pub dir: TempDir,
    /// The store directory, or the PostgreSQL URL.
    pub store: PathBuf,
    pub config: PathBuf,
    pub backend: Backend,
    /// The test's own database, on PostgreSQL.
    pub database: Option<crate::pg::TestDatabase>,
}

impl TestEnv {
    /// An environment on the embedded store whatever the run's backend, for what only it has
    /// (its directory, files, lock file and index tables).
    pub fn redb() -> Self {
        TestEnv::on(Backend::Redb)
    }

    /// [`TestEnv::redb`] with a store created by [`ADMIN`] and an active org `acme`.
    pub fn redb_with_org() -> Self {
        let env = TestEnv::initialized_on(Backend::Redb);
        env.ok(&["org", "add", "acme", "--name", "Acme Corp"]);
        env
    }

    /// An environment with a config and no store yet, on this run's backend.
    pub fn new() -> Self {
        TestEnv::on(Backend::of_run())
    }

    /// An environment with a config and no store yet, on `backend`.
    pub fn on(backend: Backend) -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let config = dir.path().join("integrations.toml");
        std::fs::write(&config, TEST_CONFIG).expect("write config");
        std::fs::create_dir_all(dir.path().join("home")).expect("home");
        let (store, database) = match backend {
            Backend::Redb => (dir.path().join("store"), None),
            Backend::Postgres => {
                let database = crate::pg::TestDatabase::create();
                (PathBuf::from(&database.url), Some(database))
            }
        };
        TestEnv { dir, store, config, backend, database }
    }

    /// An environment on `backend` whose store was created by [`ADMIN`].
    pub fn initialized_on(backend: Backend) -> Self {
        let env = TestEnv::on(backend);
        env.ok(&["init"]);
        env
    }

    /// The store as the library names it.
    pub fn location(&self) -> orgmap::store::Location {
        orgmap::store::Location::parse(self.store.as_os_str()).expect("store location")
    }

    /// How the library opens this store: on PostgreSQL, with the test server's password.
    pub fn open_options(&self) -> orgmap::store::OpenOptions {
        let mut options = orgmap::store::OpenOptions::default();
        if self.database.is_some() {
            options.postgres_password = Some(orgmap::secrets::SecretRef {
                env: Some(crate::pg::PASSWORD_VAR.into()),
                command: None,
                file: None,
            });
        }
        options
    }

    /// Opens the store through the library.
    pub fn open_store(&self, access: orgmap::store::Access) -> Box<dyn orgmap::store::Store> {
        orgmap::store::open(&self.location(), access, &self.open_options()).expect("open store")
    }

    /// Everything the store keeps, as raw bytes with where it came from: every file of the store
    /// directory, or every row of every table on PostgreSQL. For checking that no secret is kept.
    pub fn store_contents(&self) -> Vec<(String, Vec<u8>)> {
        fn files(dir: &Path, found: &mut Vec<(String, Vec<u8>)>) {
            for entry in std::fs::read_dir(dir).unwrap_or_else(|err| panic!("read {}: {err}", dir.display())) {
                let path = entry.expect("entry").path();
                if path.is_dir() {
                    files(&path, found);
                } else {
                    found.push((path.display().to_string(), std::fs::read(&path).expect("read a store file")));
                }
            }
        }
        let mut found = Vec::new();
        match &self.database {
            None => files(&self.store, &mut found),
            Some(db) => {
                for table in
                    db.column("SELECT table_name::text FROM information_schema.tables WHERE table_schema = 'orgmap'")
                {
                    for row in db.column(&format!("SELECT t::text FROM orgmap.{table} t")) {
                        found.push((format!("table {table}"), row.into_bytes()));
                    }
                }
            }
        }
        found
    }

    /// The test's PostgreSQL database (panics on the embedded store).
    pub fn db(&self) -> &crate::pg::TestDatabase {
        self.database.as_ref().expect("a PostgreSQL test environment")
    }

    /// An environment whose store was created by [`ADMIN`].
    pub fn initialized() -> Self {
        let env = TestEnv::new();
        env.ok(&["init"]);
        env
    }

    /// An environment with a store and an active org `acme`.
    pub fn with_org() -> Self {
        let env = TestEnv::initialized();
        env.ok(&["org", "add", "acme", "--name", "Acme Corp"]);
        env
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// `orgmap` in this environment, acting as [`ADMIN`].
    pub fn cmd(&self) -> Command {
        Command::from_std(self.std_cmd())
    }

    /// [`TestEnv::cmd`] as a plain `std::process::Command`, for spawning and killing.
    pub fn std_cmd(&self) -> std::process::Command {
        let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_orgmap"));
        for (key, _) in std::env::vars_os() {
            let key_text = key.to_string_lossy();
            if key_text.starts_with("ORGMAP_") || key_text.starts_with("PG") {
                cmd.env_remove(&key);
            }
        }
        if let Some(database) = &self.database {
            cmd.env("PGPASSWORD", &database.password);
        }
        let home = self.dir.path().join("home");
        cmd.current_dir(self.dir.path())
            .env("HOME", &home)
            .env("XDG_CONFIG_HOME", home.join(".config"))
            .env("XDG_DATA_HOME", home.join(".local/share"))
            .env("ORGMAP_STORE", &self.store)
            .env("ORGMAP_CONFIG", &self.config)
            .env("ORGMAP_ACTOR", ADMIN)
            .env("NO_COLOR", "1")
            .env("COLUMNS", "120");
        cmd
    }

    /// Runs orgmap with `args` and returns what happened, whatever the exit code.
    pub fn run(&self, args: &[&str]) -> Output {
        self.cmd().args(args).output().expect("run orgmap")
    }

    /// Runs orgmap as `actor`.
    pub fn run_as(&self, actor: &str, args: &[&str]) -> Output {
        self.cmd().env("ORGMAP_ACTOR", actor).args(args).output().expect("run orgmap")
    }

    /// Runs orgmap, asserts success and returns stdout.
    pub fn ok(&self, args: &[&str]) -> String {
        let out = self.run(args);
        assert!(
            out.status.success(),
            "orgmap {args:?} failed with {:?}\nstdout: {}\nstderr: {}",
            out.status.code(),
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).expect("utf-8 stdout")
    }

    /// Runs orgmap with `--json`, asserts success and parses stdout.
    pub fn json(&self, args: &[&str]) -> Value {
        let mut all = args.to_vec();
        all.push("--json");
        let stdout = self.ok(&all);
        serde_json::from_str(&stdout)
            .unwrap_or_else(|err| panic!("orgmap {args:?} printed invalid JSON ({err}): {stdout}"))
    }

    /// Runs orgmap, asserts the exit code and returns stderr.
    pub fn fails(&self, code: i32, args: &[&str]) -> String {
        let out = self.run(args);
        assert_eq!(
            out.status.code(),
            Some(code),
            "orgmap {args:?}: expected exit {code}\nstdout: {}\nstderr: {}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stderr).expect("utf-8 stderr")
    }

    /// Creates a mapping with `map` and returns its ID.
    pub fn map(&self, integration: &str, external_id: &str, org: &str) -> String {
        self.ok(&["map", integration, external_id, "--org", org]).trim().to_owned()
    }

    /// Adds another mapping with `map --add --label` (the org has one for the integration
    /// already) and returns its ID.
    pub fn map_another(&self, integration: &str, external_id: &str, org: &str, label: &str) -> String {
        self.ok(&["map", integration, external_id, "--org", org, "--add", "--label", label]).trim().to_owned()
    }

    /// The audit log, newest first, as JSON.
    pub fn audit(&self) -> Vec<Value> {
        self.json(&["audit", "--limit", "0"]).as_array().expect("audit array").clone()
    }

    /// Every mapping, as JSON.
    pub fn mappings(&self) -> Vec<Value> {
        self.json(&["list"]).as_array().expect("list array").clone()
    }

    /// Everything the store holds (orgs, mappings, access, audit), to prove that a failed command
    /// changed nothing. Compared logically: redb may rewrite bookkeeping pages on any open.
    pub fn state(&self) -> Value {
        serde_json::json!({
            "orgs": self.json(&["org", "list"]),
            "mappings": self.json(&["list"]),
            "access": self.json(&["access", "list"]),
            "audit": self.json(&["audit", "--limit", "0"]),
        })
    }
}

/// Helpers for the per-command test modules.
impl TestEnv {
    /// Runs orgmap with `--json`, asserts the exit code and an empty stdout, and returns the
    /// `error` object printed on stderr.
    pub fn json_error(&self, code: i32, args: &[&str]) -> Value {
        let mut all = args.to_vec();
        all.push("--json");
        let out = self.run(&all);
        assert_eq!(
            out.status.code(),
            Some(code),
            "orgmap {all:?}: expected exit {code}\nstdout: {}\nstderr: {}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(out.stdout.is_empty(), "orgmap {all:?} printed a result although it failed");
        let printed: Value = serde_json::from_slice(&out.stderr).unwrap_or_else(|err| {
            panic!("orgmap {all:?}: stderr is not JSON ({err}): {}", String::from_utf8_lossy(&out.stderr))
        });
        let error = printed["error"].clone();
        assert_eq!(error["exit_code"], code, "the JSON error carries the exit code: {error}");
        error
    }

    /// Runs orgmap as `actor`, asserts the exit code and returns stderr.
    pub fn fails_as(&self, actor: &str, code: i32, args: &[&str]) -> String {
        let out = self.run_as(actor, args);
        assert_eq!(
            out.status.code(),
            Some(code),
            "orgmap {args:?} as {actor}: expected exit {code}\nstdout: {}\nstderr: {}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stderr).expect("utf-8 stderr")
    }

    /// Runs orgmap as `actor`, asserts success and returns stdout.
    pub fn ok_as(&self, actor: &str, args: &[&str]) -> String {
        let out = self.run_as(actor, args);
        assert!(
            out.status.success(),
            "orgmap {args:?} as {actor} failed with {:?}\nstdout: {}\nstderr: {}",
            out.status.code(),
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).expect("utf-8 stdout")
    }

    /// The store's records without the audit log: what a refused command must leave alone even
    /// when it audits the refusal.
    pub fn records(&self) -> Value {
        serde_json::json!({
            "orgs": self.json(&["org", "list"]),
            "mappings": self.json(&["list"]),
            "access": self.json(&["access", "list"]),
        })
    }

    /// Creates a mapping with `map --json` and the extra `args`, and returns it.
    pub fn map_json(&self, integration: &str, external_id: &str, org: &str, args: &[&str]) -> Value {
        let mut all = vec!["map", integration, external_id, "--org", org];
        all.extend_from_slice(args);
        self.json(&all)
    }

    /// Runs a bash script in this environment (that of [`TestEnv::std_cmd`]), with `$ORGMAP`
    /// naming the binary.
    pub fn shell(&self, script: &str) -> Output {
        let template = self.std_cmd();
        let mut cmd = std::process::Command::new("bash");
        for (key, value) in template.get_envs() {
            match value {
                Some(value) => cmd.env(key, value),
                None => cmd.env_remove(key),
            };
        }
        cmd.current_dir(self.path())
            .env("ORGMAP", env!("CARGO_BIN_EXE_orgmap"))
            .args(["-c", script])
            .output()
            .expect("run bash")
    }

    /// Writes `count` mappings of `org` in one transaction through the library, which is much
    /// faster than `count` runs of `map`; each carries `name` as its external name.
    pub fn bulk_mappings(&self, org: &str, integration: &str, count: usize, name: &str) {
        let store = self.open_store(orgmap::store::Access::Write);
        let mut tx = store.write().expect("write transaction");
        let at = orgmap::domain::now();
        for i in 0..count {
            let mapping = orgmap::domain::Mapping {
                // A ULID (Crockford base32: no I, L, O or U) with a recognisable prefix.
                mapping_id: format!("01B0K{i:021}"),
                org_id: org.to_owned(),
                integration: integration.to_owned(),
                external_org_id: format!("{}", 900_000 + i),
                external_org_name: Some(name.to_owned()),
                label: None,
                metadata: Default::default(),
                active: true,
                verified: false,
                revision: 1,
                created_at: at,
                created_by: ADMIN.to_owned(),
                updated_at: at,
                updated_by: ADMIN.to_owned(),
                source: None,
            };
            tx.put_mapping(None, &mapping).expect("put mapping");
        }
        tx.commit().expect("commit");
    }
}

/// The shortest prefix (at least `min` characters) of `id` that no ID in `others` starts with.
pub fn unique_prefix(id: &str, others: &[&str], min: usize) -> String {
    (min..=id.len())
        .map(|len| &id[..len])
        .find(|prefix| others.iter().all(|other| other == &id || !other.starts_with(prefix)))
        .expect("IDs differ")
        .to_owned()
}

/// The `action` of every audit event, newest first.
pub fn actions(events: &[Value]) -> Vec<&str> {
    events.iter().map(|e| e["action"].as_str().expect("action")).collect()
}

/// Environments with a config of the test's own (the discovery tests).
impl TestEnv {
    /// An environment whose store was created by [`ADMIN`] and whose integrations.toml is `config`.
    pub fn with_config(config: &str) -> Self {
        let env = TestEnv::initialized();
        env.write_config(config);
        env
    }

    /// Replaces integrations.toml.
    pub fn write_config(&self, config: &str) {
        std::fs::write(&self.config, config).expect("write config");
    }
}

/// Environments that use a config file as it is (the shipped integrations.toml).
impl TestEnv {
    /// An environment whose store was created by [`ADMIN`] and whose config is the file at `path`,
    /// used in place (never written).
    pub fn with_config_file(path: &Path) -> Self {
        let mut env = TestEnv::initialized();
        env.config = path.to_owned();
        env
    }
}

/// Running orgmap (or anything) with a deadline, for inputs that might make it hang.
pub mod deadline {
    use std::io::Read;
    use std::process::{Command, Output, Stdio};
    use std::time::{Duration, Instant};

    /// Runs `cmd` with stdin closed and stdout and stderr captured; kills it (by its own process
    /// ID) and returns `None` when it has not ended within `limit`.
    pub fn output_within(mut cmd: Command, limit: Duration) -> Option<Output> {
        let mut child = cmd.stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().expect("spawn");
        let mut stdout = child.stdout.take().expect("piped stdout");
        let mut stderr = child.stderr.take().expect("piped stderr");
        let out = std::thread::spawn(move || {
            let mut buf = Vec::new();
            let _ = stdout.read_to_end(&mut buf);
            buf
        });
        let err = std::thread::spawn(move || {
            let mut buf = Vec::new();
            let _ = stderr.read_to_end(&mut buf);
            buf
        });
        let started = Instant::now();
        let status = loop {
            if let Some(status) = child.try_wait().expect("wait") {
                break Some(status);
            }
            if started.elapsed() > limit {
                let _ = child.kill();
                let _ = child.wait();
                break None;
            }
            std::thread::sleep(Duration::from_millis(5));
        };
        let stdout = out.join().expect("stdout reader");
        let stderr = err.join().expect("stderr reader");
        status.map(|status| Output { status, stdout, stderr })
    }
}

/// A small deterministic generator, seeded per run and printed, so that a failing random test can
/// be replayed.
pub struct XorShift(pub u64);

impl XorShift {
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}
