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
mod tls;
mod tx;

use std::cell::{Cell, RefCell};

use postgres::Client;

pub use connect::{PgLocation, is_postgres_url};
use schema::{Roles, SCHEMA_VERSION};

use super::{Access, InitOutcome, OpenOptions, ReadTx, Store, WriteTx};
use crate::error::{Error, Result};

/// The advisory lock every write transaction holds until it ends (any number; "orgmap" in ASCII).
const WRITE_LOCK: i64 = 0x6f72_676d_6170;

/// A connection to a PostgreSQL store.
pub struct PostgresStore {
    /// Always `Some` until the store is dropped, when the connection may be kept for reuse.
    client: RefCell<Option<Client>>,
    location: PgLocation,
    access: Access,
    /// The database role this session runs as, recorded in audit events.
    role: String,
    /// The store's roles, once `init` or `store roles` has set them up.
    roles: Option<Roles>,
    /// How long a writer waits for the one before it (`ORGMAP_LOCK_TIMEOUT`).
    lock_timeout: std::time::Duration,
    /// Whether a transaction is open on the connection.
    in_transaction: Cell<bool>,
    /// Whether the schema version was checked on this connection, so that it may be reused.
    checked: bool,
    /// What a later open must match to reuse this connection.
    idle_key: String,
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
        if let Some((client, state)) = take_idle(location, options) {
            let mut store = PostgresStore::new(client, location, access, state, options);
            store.checked = true;
            return Ok(store);
        }
        let mut client = Self::connect(location, options)?;
        let state = read_state(&mut client, location)?;
        let Some(found) = state.version else {
            return Err(Error::StoreMissing { path: location.as_path() });
        };
        check_version(location, found)?;
        let mut store = PostgresStore::new(client, location, access, state, options);
        store.checked = true;
        Ok(store)
    }

    fn new(client: Client, location: &PgLocation, access: Access, state: State, options: &OpenOptions) -> Self {
        PostgresStore {
            client: RefCell::new(Some(client)),
            location: location.clone(),
            access,
            role: state.role,
            roles: state.roles,
            lock_timeout: options.lock_timeout,
            in_transaction: Cell::new(false),
            checked: false,
            idle_key: idle_key(location, options),
        }
    }

    /// Creates the schema in an existing database; `actor` holds `manage-config` first. The
    /// roles are recorded under `role_prefix`; they are created only by [`PostgresStore::apply_roles`].
    pub fn init(location: &PgLocation, actor: &str, role_prefix: &str, options: &OpenOptions) -> Result<InitOutcome> {
        let mut client = Self::connect(location, options)?;
        let state = read_state(&mut client, location)?;
        if let Some(found) = state.version {
            check_version(location, found)?;
        }
        let store = PostgresStore::new(client, location, Access::Write, state, options);
        // Schema, first grant and its audit event land together: an init that died half-way
        // left nothing, and one that lost a race to another host finds its grant.
        let mut tx = tx::PgTx::begin_write(&store)?;
        tx.migrate(Some(role_prefix)).map_err(|err| init_refused(location, store.role(), err))?;
        if !tx.access_list()?.is_empty() {
            return Ok(InitOutcome::AlreadyExists);
        }
        super::grant_first(&mut tx, actor)?;
        Box::new(tx).commit()?;
        Ok(InitOutcome::Created)
    }

    /// Applies the migrations this binary knows that the store lacks.
    pub fn migrate(location: &PgLocation, options: &OpenOptions) -> Result<Migrated> {
        let mut client = Self::connect(location, options)?;
        let state = read_state(&mut client, location)?;
        // A store nobody initialized has nobody holding manage-config: `init` makes it.
        let Some(found) = state.version else {
            return Err(Error::StoreMissing { path: location.as_path() });
        };
        if found > SCHEMA_VERSION {
            return Err(Error::StoreTooNew { path: location.as_path(), found, supported: SCHEMA_VERSION });
        }
        // Up to date: nothing to do, and no DDL that a non-owner could not run.
        if found == SCHEMA_VERSION {
            return Ok(Migrated { from: found, to: found });
        }
        let store = PostgresStore::new(client, location, Access::Write, state, options);
        let tx = tx::PgTx::begin_write(&store)?;
        let migrated = tx.migrate(None)?;
        Box::new(tx).commit()?;
        Ok(migrated)
    }

    /// The SQL that sets up the store's roles, and the roles it names.
    pub fn role_setup(location: &PgLocation, options: &OpenOptions) -> Result<(Roles, String)> {
        let (_, roles) = Self::connect_to_roles(location, options)?;
        let sql = schema::role_setup_sql(&roles);
        Ok((roles, sql))
    }

    /// Creates the roles and grants their privileges (needs a role that may create roles).
    pub fn apply_roles(location: &PgLocation, options: &OpenOptions) -> Result<Roles> {
        let (store, roles) = Self::connect_to_roles(location, options)?;
        let tx = tx::PgTx::begin_write(&store)?;
        tx.batch(&schema::role_setup_sql(&roles)).map_err(|err| init_refused(location, store.role(), err))?;
        Box::new(tx).commit()?;
        Ok(roles)
    }

    /// A connection to an existing store, and the roles it names (or would name).
    fn connect_to_roles(location: &PgLocation, options: &OpenOptions) -> Result<(PostgresStore, Roles)> {
        let mut client = Self::connect(location, options)?;
        let state = read_state(&mut client, location)?;
        if state.version.is_none() {
            return Err(Error::StoreMissing { path: location.as_path() });
        }
        let roles = state.roles.clone().unwrap_or_else(|| Roles::new(schema::DEFAULT_ROLE_PREFIX));
        Ok((PostgresStore::new(client, location, Access::Write, state, options), roles))
    }

    pub fn location(&self) -> &PgLocation {
        &self.location
    }

    /// The database role this session runs as.
    pub fn role(&self) -> &str {
        &self.role
    }

    /// The connection.
    fn client(&self) -> std::cell::RefMut<'_, Client> {
        std::cell::RefMut::map(self.client.borrow_mut(), |client| client.as_mut().expect("an open connection"))
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

/// The connection of the last store this process closed, while it is idle. A command that
/// opens the store twice (a check, then the change) pays for one connection, not two. A static
/// is never dropped: [`close_idle`] ends the connection politely.
static IDLE: std::sync::Mutex<Option<Idle>> = std::sync::Mutex::new(None);

/// A connection kept for reuse by the next store opened with the same settings.
struct Idle {
    /// Everything the connection was opened with (no password: who gives it is part of it).
    key: String,
    client: Client,
    state: State,
    since: std::time::Instant,
}

/// An idle connection is reused this long at most: the schema version was checked when it
/// opened, and a long-lived library user should see a migration soon.
const IDLE_REUSE: std::time::Duration = std::time::Duration::from_secs(10);

fn idle_key(location: &PgLocation, options: &OpenOptions) -> String {
    format!("{}|{:?}", location.reuse_key(), options.postgres_password)
}

fn take_idle(location: &PgLocation, options: &OpenOptions) -> Option<(Client, State)> {
    let mut idle = IDLE.lock().ok()?.take()?;
    let fresh = idle.since.elapsed() < IDLE_REUSE;
    // The server may have closed it meanwhile: one round trip tells.
    if idle.key == idle_key(location, options)
        && fresh
        && idle.client.is_valid(std::time::Duration::from_secs(1)).is_ok()
    {
        return Some((idle.client, idle.state));
    }
    let _ = idle.client.close();
    None
}

/// Closes the idle connection, if any (at the end of a command).
pub fn close_idle() {
    let idle = IDLE.lock().ok().and_then(|mut idle| idle.take());
    if let Some(idle) = idle {
        let _ = idle.client.close();
    }
}

impl Drop for PostgresStore {
    fn drop(&mut self) {
        // Only a connection with no transaction open is worth keeping.
        if self.in_transaction.get() || !self.checked {
            return;
        }
        if let Some(client) = self.client.get_mut().take() {
            let state = State { version: Some(SCHEMA_VERSION), roles: self.roles.clone(), role: self.role.clone() };
            let key = self.idle_key.clone();
            if let Ok(mut idle) = IDLE.lock() {
                *idle = Some(Idle { key, client, state, since: std::time::Instant::now() });
            }
        }
    }
}

/// What a connection finds in the database before it trusts the store.
struct State {
    version: Option<u32>,
    roles: Option<Roles>,
    role: String,
}

/// The roles of a stored prefix, which must be a plain identifier: it is put into SQL that the
/// schema's owner or a superuser runs.
pub(super) fn checked_roles(location: &PgLocation, prefix: &str) -> Result<Roles> {
    if !schema::valid_role_prefix(prefix) {
        return Err(Error::StoreDamaged {
            path: location.as_path(),
            detail: format!("the stored role prefix {prefix:?} is not a plain identifier"),
        });
    }
    Ok(Roles::new(prefix))
}

fn read_state(client: &mut Client, location: &PgLocation) -> Result<State> {
    // One round trip on the path every command takes; a database without the schema is rare.
    let rows = match client.query_typed(
        "SELECT session_user::text, key, value FROM orgmap.meta WHERE key IN ('schema_version', 'role_prefix')",
        &[],
    ) {
        Ok(rows) => rows,
        Err(err)
            if err.code() == Some(&postgres::error::SqlState::UNDEFINED_TABLE)
                || err.code() == Some(&postgres::error::SqlState::INVALID_SCHEMA_NAME) =>
        {
            Vec::new()
        }
        Err(err) => return Err(classify(location, "", err)),
    };
    let role = match rows.first() {
        Some(row) => row.get(0),
        None => client.query_typed_one("SELECT session_user::text", &[]).map_err(|e| classify(location, "", e))?.get(0),
    };
    let mut state = State { version: None, roles: None, role };
    for row in rows {
        let key: String = row.get(1);
        let value: String = row.get(2);
        match key.as_str() {
            "schema_version" => {
                state.version = Some(value.parse().map_err(|_| Error::StoreDamaged {
                    path: location.as_path(),
                    detail: format!("the schema version {value:?} is not a number"),
                })?);
            }
            _ => state.roles = Some(checked_roles(location, &value)?),
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

/// A refusal met while creating the schema or its roles, with what the server needs to allow:
/// `CREATE` on the database for the schema (or owning the database), `CREATEROLE` for the roles.
fn init_refused(location: &PgLocation, role: &str, err: Error) -> Error {
    let Error::RoleDenied { role: denied, detail: Some(detail), .. } = err else { return err };
    let db = location.dbname();
    let (action, grant) = if detail.contains("for database") {
        (
            format!("create the orgmap schema in database {db}"),
            format!(
                "GRANT CREATE ON DATABASE {db} TO {role};  (or create the database with `createdb -O {role} {db}`)"
            ),
        )
    } else if detail.contains("create role") {
        (
            "create the store's roles".to_owned(),
            format!(
                "ALTER ROLE {role} CREATEROLE;  (or have an administrator run the SQL that `orgmap store roles` prints)"
            ),
        )
    } else if detail.contains("for schema") || detail.contains("must be owner") {
        (
            "change the orgmap schema".to_owned(),
            format!("ALTER SCHEMA orgmap OWNER TO {role};  (or run `orgmap init` as the role that owns the schema)"),
        )
    } else {
        return Error::RoleDenied {
            role: denied,
            action: "set up the store".into(),
            manager: None,
            detail: Some(detail),
            grant: None,
        };
    };
    Error::RoleDenied { role: role.to_owned(), action, manager: None, detail: Some(detail), grant: Some(grant) }
}

/// A server error as orgmap reports it.
fn classify(location: &PgLocation, role: &str, err: postgres::Error) -> Error {
    let store = location.to_string();
    if let Some(db) = err.as_db_error() {
        return match db.code().code() {
            "42501" => Error::RoleDenied {
                role: if role.is_empty() { location.user().to_owned() } else { role.to_owned() },
                action: "use this store this way".into(),
                manager: None,
                detail: Some(db.message().to_owned()),
                grant: None,
            },
            "40001" | "40P01" => Error::conflict(
                "another change to the store got in the way; nothing was changed",
                Some("run the command again".into()),
            ),
            // The schema was found when the store opened: a table gone since is damage.
            "42P01" | "3F000" => Error::StoreDamaged {
                path: location.as_path(),
                detail: format!("{}; restore the store from an export", db.message()),
            },
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
