//! A PostgreSQL database of a test's own, on the server that `scripts/with-postgres` starts.
//!
//! Each test gets a fresh database (and its own role prefix, since roles are server-wide) and
//! drops it when done. Without the server, the PostgreSQL tests are skipped with one line saying
//! how to run them — unless `ORGMAP_TEST_REQUIRE_POSTGRES=1` (set by `scripts/test`, and so by
//! CI), where a missing server fails them.

use std::sync::atomic::{AtomicU32, Ordering};

/// Set by `scripts/with-postgres`: a superuser URL without its password, and the password.
pub const SERVER_VAR: &str = "ORGMAP_TEST_POSTGRES";
pub const PASSWORD_VAR: &str = "ORGMAP_TEST_POSTGRES_PASSWORD";

static NEXT: AtomicU32 = AtomicU32::new(0);

/// Whether a PostgreSQL test should return at once: no server was started and none is required.
/// Says so once per run, past the test harness's capture so that a plain `cargo test` shows it.
pub fn skip() -> bool {
    if std::env::var_os(SERVER_VAR).is_some() || std::env::var_os("ORGMAP_TEST_REQUIRE_POSTGRES").is_some() {
        return false;
    }
    static SAID: std::sync::Once = std::sync::Once::new();
    SAID.call_once(|| {
        use std::io::Write;
        let _ = writeln!(
            std::io::stderr(),
            "skipped: the PostgreSQL tests need a server; run them with `scripts/test` (or `scripts/with-postgres cargo test`)"
        );
    });
    true
}

/// The superuser URL and password of the test server.
pub fn server() -> (String, String) {
    let url = std::env::var(SERVER_VAR).unwrap_or_else(|_| {
        panic!("{SERVER_VAR} is not set: run the tests as `scripts/with-postgres cargo test`, which starts PostgreSQL")
    });
    let password = std::env::var(PASSWORD_VAR).unwrap_or_else(|_| panic!("{PASSWORD_VAR} is not set"));
    (url, password)
}

/// A superuser connection to `dbname` on the test server.
pub fn admin_client(dbname: &str) -> postgres::Client {
    let (url, password) = server();
    let mut config: postgres::Config = url.parse().expect("server URL");
    config.password(password).dbname(dbname);
    config.connect(postgres::NoTls).expect("connect to the test server as superuser")
}

/// A database that is dropped, with the roles made for it, when this goes out of scope.
pub struct TestDatabase {
    pub name: String,
    /// The URL orgmap uses: the superuser on this database, no password.
    pub url: String,
    pub password: String,
    /// Login and group roles made for this database, dropped with it.
    roles: std::sync::Mutex<Vec<String>>,
}

impl TestDatabase {
    pub fn create() -> TestDatabase {
        let (url, password) = server();
        let name = format!("orgmap_t{}_{}", std::process::id(), NEXT.fetch_add(1, Ordering::Relaxed));
        admin_client("postgres").batch_execute(&format!("CREATE DATABASE {name}")).expect("create test database");
        let url = format!("{}/{name}", url.rsplit_once('/').expect("URL with a database").0);
        TestDatabase { name, url, password, roles: Default::default() }
    }

    /// The role prefix for this database's `init --role-prefix` (roles are server-wide).
    pub fn role_prefix(&self) -> String {
        self.name.clone()
    }

    /// The URL for logging in as `user`.
    pub fn url_as(&self, user: &str) -> String {
        self.url.replacen("orgmap_test@", &format!("{user}@"), 1)
    }

    /// Creates a login role with `password`, member of `groups`; dropped with the database.
    pub fn login_role(&self, user: &str, password: &str, groups: &[&str]) -> String {
        let role = format!("{}_login_{user}", self.name);
        let mut client = admin_client(&self.name);
        client.batch_execute(&format!("CREATE ROLE {role} LOGIN PASSWORD '{password}'")).expect("create login role");
        for group in groups {
            client.batch_execute(&format!("GRANT {group} TO {role}")).expect("grant group role");
        }
        self.roles.lock().expect("roles").push(role.clone());
        role
    }

    /// Runs SQL on this database as the superuser.
    pub fn sql(&self, sql: &str) {
        admin_client(&self.name).batch_execute(sql).expect("run SQL");
    }

    /// The rows of a query's first column, as text.
    pub fn column(&self, sql: &str) -> Vec<String> {
        admin_client(&self.name).query(sql, &[]).expect("query").iter().map(|row| row.get::<_, String>(0)).collect()
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        let Ok(mut client) = std::panic::catch_unwind(|| admin_client("postgres")) else { return };
        let _ = client.batch_execute(&format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name));
        let prefix = self.role_prefix();
        let mut roles = self.roles.lock().map(|r| r.clone()).unwrap_or_default();
        roles.extend([format!("{prefix}_manager"), format!("{prefix}_reader")]);
        for role in roles {
            let _ = client.batch_execute(&format!("DROP ROLE IF EXISTS {role}"));
        }
    }
}
