//! The shared store: a PostgreSQL database that many admins and workflow hosts use at once.
//!
//! The server does what the lock file and redb do for the embedded store: each write transaction
//! takes one transaction-scoped advisory lock, so writers run one after another and every
//! read-check-write (a `set` creating the first mapping, an `edit --if-revision`) sees the last
//! committed state; readers never wait. Permissions are the server's: a role without the
//! manager role's grants cannot change orgs, mappings or access, whatever the client does.
//!
//! This module connects, creates and migrates the schema; `tx` implements the transactions.

mod connect;
pub mod schema;
mod tx;

use std::cell::RefCell;

use postgres::Client;

pub use connect::{PgLocation, is_postgres_url};
use schema::{BOOTSTRAP, MIGRATIONS, Roles, SCHEMA_VERSION};

use super::{Access, InitOutcome, OpenOptions, ReadTx, Store, WriteTx};
use crate::domain::{AccessGrant, AuditEvent, MANAGE_CONFIG, now};
use crate::error::{Error, Result};

/// The advisory lock every write transaction holds until it ends (any number; "orgmap" in ASCII).
const WRITE_LOCK: i64 = 0x6f72_676d_6170;

/// A connection to a PostgreSQL store.
pub struct PostgresStore {
    client: RefCell<Client>,
    location: PgLocation,
    access: Access,
    /// The database role this session runs as, recorded in audit events.
    role: String,
    /// The store's roles, once `init` or `store roles` has set them up.
    roles: Option<Roles>,
    /// How long a writer waits for the one before it (`ORGMAP_LOCK_TIMEOUT`).
    lock_timeout: std::time::Duration,
}

/// What `store migrate` did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Migrated {
    pub from: u32,
    pub to: u32,
}

impl PostgresStore {
    fn connect(location: &PgLocation, options: &OpenOptions) -> Result<Client> {
        location.connect(options.postgres_password.as_ref(), &crate::context::process_env)
    }

    /// Opens an existing store; refuses one that is missing, older or newer than this binary.
    pub fn open(location: &PgLocation, access: Access, options: &OpenOptions) -> Result<PostgresStore> {
        let mut client = Self::connect(location, options)?;
        let state = read_state(&mut client, location)?;
        let Some(found) = state.version else {
            return Err(Error::StoreMissing { path: location.as_path() });
        };
        check_version(location, found)?;
        Ok(PostgresStore {
            client: RefCell::new(client),
            location: location.clone(),
            access,
            role: state.role,
            roles: state.role_prefix.as_deref().map(Roles::new),
            lock_timeout: options.lock_timeout,
        })
    }

    /// Creates the schema in an existing database; `actor` holds `manage-config` first. The
    /// roles are recorded under `role_prefix`; they are created only by [`PostgresStore::apply_roles`].
    pub fn init(location: &PgLocation, actor: &str, role_prefix: &str, options: &OpenOptions) -> Result<InitOutcome> {
        let mut client = Self::connect(location, options)?;
        let before = read_state(&mut client, location)?;
        if let Some(found) = before.version {
            check_version(location, found)?;
            return Ok(InitOutcome::AlreadyExists);
        }
        migrate_with(&mut client, location, Some(role_prefix))?;
        let state = read_state(&mut client, location)?;
        let store = PostgresStore {
            client: RefCell::new(client),
            location: location.clone(),
            access: Access::Write,
            role: state.role,
            roles: state.role_prefix.as_deref().map(Roles::new),
            lock_timeout: options.lock_timeout,
        };
        let mut tx = store.write()?;
        // Another init may have won the race between our check and our lock.
        if !tx.access_list()?.is_empty() {
            return Ok(InitOutcome::AlreadyExists);
        }
        let grant = AccessGrant {
            actor: actor.to_owned(),
            permissions: vec![MANAGE_CONFIG.to_owned()],
            granted_at: now(),
            granted_by: actor.to_owned(),
        };
        tx.put_access(&grant)?;
        let mut event = AuditEvent::new(actor, "store.init", "store".to_owned());
        event.after = Some(serde_json::to_value(&grant)?);
        tx.append_audit(&event)?;
        tx.commit()?;
        Ok(InitOutcome::Created)
    }

    /// Applies the migrations this binary knows that the store lacks.
    pub fn migrate(location: &PgLocation, options: &OpenOptions) -> Result<Migrated> {
        let mut client = Self::connect(location, options)?;
        // A store nobody initialized has nobody holding manage-config: `init` makes it.
        if read_state(&mut client, location)?.version.is_none() {
            return Err(Error::StoreMissing { path: location.as_path() });
        }
        migrate_with(&mut client, location, None)
    }

    /// The SQL that sets up the store's roles, and the roles it names.
    pub fn role_setup(location: &PgLocation, options: &OpenOptions) -> Result<(Roles, String)> {
        let mut client = Self::connect(location, options)?;
        let state = read_state(&mut client, location)?;
        if state.version.is_none() {
            return Err(Error::StoreMissing { path: location.as_path() });
        }
        let roles = Roles::new(state.role_prefix.as_deref().unwrap_or(schema::DEFAULT_ROLE_PREFIX));
        let sql = schema::role_setup_sql(&roles);
        Ok((roles, sql))
    }

    /// Creates the roles and grants their privileges (needs a role that may create roles).
    pub fn apply_roles(location: &PgLocation, options: &OpenOptions) -> Result<Roles> {
        let (roles, sql) = Self::role_setup(location, options)?;
        let mut client = Self::connect(location, options)?;
        let mut tx = client.transaction().map_err(|e| classify(location, "", e))?;
        tx.execute("SELECT pg_advisory_xact_lock($1)", &[&WRITE_LOCK]).map_err(|e| classify(location, "", e))?;
        tx.batch_execute(&sql).map_err(|e| classify(location, "", e))?;
        tx.commit().map_err(|e| classify(location, "", e))?;
        Ok(roles)
    }

    pub fn location(&self) -> &PgLocation {
        &self.location
    }

    /// The database role this session runs as.
    pub fn role(&self) -> &str {
        &self.role
    }

    fn error(&self, err: postgres::Error) -> Error {
        if err.code() == Some(&postgres::error::SqlState::LOCK_NOT_AVAILABLE) {
            return Error::StoreBusy { path: self.location.as_path(), waited_secs: self.lock_timeout.as_secs_f64() };
        }
        classify(&self.location, &self.role, err)
    }

    fn manager_role(&self) -> Option<&str> {
        self.roles.as_ref().map(|r| r.manager.as_str())
    }
}

/// What a connection finds in the database before it trusts the store.
struct State {
    version: Option<u32>,
    role_prefix: Option<String>,
    role: String,
}

fn read_state(client: &mut Client, location: &PgLocation) -> Result<State> {
    let row = client
        .query_one("SELECT session_user::text, to_regclass('orgmap.meta') IS NOT NULL AS present", &[])
        .map_err(|e| classify(location, "", e))?;
    let role: String = row.get(0);
    let present: bool = row.get(1);
    if !present {
        return Ok(State { version: None, role_prefix: None, role });
    }
    let rows = client
        .query("SELECT key, value FROM orgmap.meta WHERE key IN ('schema_version', 'role_prefix')", &[])
        .map_err(|e| classify(location, &role, e))?;
    let mut state = State { version: None, role_prefix: None, role };
    for row in rows {
        let key: String = row.get(0);
        let value: String = row.get(1);
        match key.as_str() {
            "schema_version" => {
                state.version = Some(value.parse().map_err(|_| Error::StoreDamaged {
                    path: location.as_path(),
                    detail: format!("the schema version {value:?} is not a number"),
                })?);
            }
            _ => state.role_prefix = Some(value),
        }
    }
    Ok(state)
}

fn check_version(location: &PgLocation, found: u32) -> Result<()> {
    if found > SCHEMA_VERSION {
        return Err(Error::StoreTooNew { path: location.as_path(), found, supported: SCHEMA_VERSION });
    }
    if found < SCHEMA_VERSION {
        return Err(Error::StoreOutdated { store: location.to_string(), found, supported: SCHEMA_VERSION });
    }
    Ok(())
}

/// Brings the schema to this binary's version in one transaction, under the write lock so that
/// two hosts migrating at once apply each step once.
fn migrate_with(client: &mut Client, location: &PgLocation, role_prefix: Option<&str>) -> Result<Migrated> {
    let fail = |e| classify(location, "", e);
    let mut tx = client.transaction().map_err(fail)?;
    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&WRITE_LOCK]).map_err(fail)?;
    tx.batch_execute(BOOTSTRAP).map_err(fail)?;
    let from = match tx.query_opt("SELECT value FROM orgmap.meta WHERE key = 'schema_version'", &[]).map_err(fail)? {
        Some(row) => {
            let text: String = row.get(0);
            text.parse::<u32>().map_err(|_| Error::StoreDamaged {
                path: location.as_path(),
                detail: format!("the schema version {text:?} is not a number"),
            })?
        }
        None => 0,
    };
    if from > SCHEMA_VERSION {
        return Err(Error::StoreTooNew { path: location.as_path(), found: from, supported: SCHEMA_VERSION });
    }
    for step in &MIGRATIONS[from as usize..] {
        tx.batch_execute(step).map_err(fail)?;
    }
    tx.execute(
        "INSERT INTO orgmap.meta (key, value) VALUES ('schema_version', $1)
         ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value",
        &[&SCHEMA_VERSION.to_string()],
    )
    .map_err(fail)?;
    if let Some(prefix) = role_prefix {
        tx.execute(
            "INSERT INTO orgmap.meta (key, value) VALUES ('role_prefix', $1) ON CONFLICT (key) DO NOTHING",
            &[&prefix],
        )
        .map_err(fail)?;
    }
    // New tables need the roles' grants too; re-granting is harmless.
    let prefix: Option<String> = tx
        .query_opt("SELECT value FROM orgmap.meta WHERE key = 'role_prefix'", &[])
        .map_err(fail)?
        .map(|row| row.get(0));
    if from > 0
        && from < SCHEMA_VERSION
        && let Some(prefix) = prefix
    {
        let roles = Roles::new(&prefix);
        let exists = tx
            .query_one("SELECT count(*) = 2 FROM pg_roles WHERE rolname IN ($1, $2)", &[&roles.manager, &roles.reader])
            .map_err(fail)?;
        if exists.get::<_, bool>(0) {
            tx.batch_execute(&schema::role_setup_sql(&roles)).map_err(fail)?;
        }
    }
    tx.commit().map_err(fail)?;
    Ok(Migrated { from, to: SCHEMA_VERSION })
}

/// A server error as orgmap reports it.
fn classify(location: &PgLocation, role: &str, err: postgres::Error) -> Error {
    let store = location.to_string();
    if let Some(db) = err.as_db_error() {
        return match db.code().code() {
            "42501" => Error::RoleDenied {
                role: if role.is_empty() { location.user().to_owned() } else { role.to_owned() },
                action: "change this store".into(),
                manager: None,
                detail: Some(db.message().to_owned()),
            },
            "40001" | "40P01" => Error::conflict(
                "another change to the store got in the way; nothing was changed",
                Some("run the command again".into()),
            ),
            "42P01" | "3F000" => Error::StoreMissing { path: location.as_path() },
            "57P01" | "57P02" | "57P03" | "08000" | "08003" | "08006" => Error::StoreUnreachable {
                store,
                detail: db.message().to_owned(),
                hint: "the server is shutting down or restarting; retry in a moment".into(),
            },
            _ => Error::StoreAccess { path: location.as_path(), detail: db.message().to_owned() },
        };
    }
    if err.is_closed() || err.to_string().contains("connection") {
        return Error::StoreUnreachable {
            store,
            detail: format!("the connection to PostgreSQL was lost: {err}"),
            hint: "retry; if it goes on, check the server and the network".into(),
        };
    }
    Error::StoreAccess { path: location.as_path(), detail: err.to_string() }
}

impl Store for PostgresStore {
    fn read(&self) -> Result<Box<dyn ReadTx + '_>> {
        Ok(Box::new(tx::PgTx::begin_read(self)?))
    }

    fn write(&self) -> Result<Box<dyn WriteTx + '_>> {
        if self.access == Access::Read {
            return Err(Error::Internal("a write was attempted on a store opened for reading".into()));
        }
        Ok(Box::new(tx::PgTx::begin_write(self)?))
    }

    /// The server keeps indexes and constraints itself; this checks what it cannot: that every
    /// row reads back as a record of this version.
    fn verify(&self) -> Result<Vec<String>> {
        let tx = tx::PgTx::begin_read(self)?;
        tx.verify()
    }
}
