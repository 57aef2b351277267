//! Where orgs, mappings, access grants and the audit log live.
//!
//! The [`Store`] trait hides the backend: redb (embedded, the default) or a shared PostgreSQL
//! database. Domain operations are written once against [`ReadTx`] and [`WriteTx`], so every
//! backend gets the same rules; a backend only has to make each write transaction atomic and
//! durable, and serialize writers.

pub(crate) mod codec;
mod lock;
pub mod postgres;
pub mod redb;

pub use codec::{Unreadable, take_unreadable};

use std::path::PathBuf;
use std::time::Duration;

use crate::domain::{AccessGrant, AuditEvent, DiscoveryCache, Exclusion, Mapping, Org, TestResult};
use crate::error::Result;

/// The version of the embedded store's layout this binary writes; a newer store is refused.
/// Version 2 stores mappings in a compact binary form; version 1 stores (JSON) read as they are
/// and become version 2 at their first write.
pub const SCHEMA_VERSION: u32 = 2;

/// What a command needs from the store. Readers share it; a writer has it to itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    Read,
    Write,
}

/// How to open a store.
#[derive(Debug, Clone)]
pub struct OpenOptions {
    /// How long to wait for other orgmap processes to let go of the store.
    pub lock_timeout: Duration,
    /// Where a PostgreSQL store's password comes from, when the config names a secret for it.
    pub postgres_password: Option<crate::secrets::SecretRef>,
}

impl Default for OpenOptions {
    fn default() -> Self {
        OpenOptions { lock_timeout: Duration::from_secs(10), postgres_password: None }
    }
}

/// Where a store is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Location {
    /// A directory holding an embedded redb store.
    Redb(PathBuf),
    /// A schema in a PostgreSQL database, shared by every host that reaches it.
    Postgres(Box<postgres::PgLocation>),
}

impl Location {
    /// A `--store` value: a `postgres://` URL, else a directory.
    pub fn parse(text: &std::ffi::OsStr) -> Result<Location> {
        match text.to_str() {
            Some(url) if postgres::is_postgres_url(url) => {
                Ok(Location::Postgres(Box::new(postgres::PgLocation::parse(url, &crate::context::process_env)?)))
            }
            _ => Ok(Location::Redb(PathBuf::from(text))),
        }
    }
}

impl std::fmt::Display for Location {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Location::Redb(dir) => write!(f, "{}", dir.display()),
            Location::Postgres(location) => write!(f, "{location}"),
        }
    }
}

/// A database role that may not change orgs, mappings or access.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    pub role: String,
    /// The store's manager role, when its roles are set up.
    pub manager: Option<String>,
}

/// Whether `init` made a new store.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InitOutcome {
    Created,
    AlreadyExists,
}

/// Opens an existing store.
pub fn open(location: &Location, access: Access, options: &OpenOptions) -> Result<Box<dyn Store>> {
    match location {
        Location::Redb(dir) => Ok(Box::new(redb::RedbStore::open(dir, access, options)?)),
        Location::Postgres(location) => Ok(Box::new(postgres::PostgresStore::open(location, access, options)?)),
    }
}

/// Creates a store; `actor` is granted `manage-config` and the creation is audited.
pub fn init(location: &Location, actor: &str, options: &OpenOptions) -> Result<InitOutcome> {
    match location {
        Location::Redb(dir) => redb::RedbStore::init(dir, actor, options),
        Location::Postgres(location) => {
            postgres::PostgresStore::init(location, actor, postgres::schema::DEFAULT_ROLE_PREFIX, options)
        }
    }
}

/// What `init` writes into a new store: `actor` holds `manage-config`, audited as `store.init`.
fn grant_first(tx: &mut dyn WriteTx, actor: &str) -> Result<()> {
    let grant = AccessGrant::manage_config(actor, actor);
    tx.put_access(&grant)?;
    let mut event = AuditEvent::new(actor, "store.init", "store".to_owned());
    event.after = Some(serde_json::to_value(&grant)?);
    tx.append_audit(&event)
}

/// Which end of the audit log a read starts from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuditOrder {
    NewestFirst,
    OldestFirst,
}

/// A store backend.
pub trait Store {
    /// A consistent snapshot for reading.
    fn read(&self) -> Result<Box<dyn ReadTx + '_>>;
    /// A transaction whose changes land together on `commit`, or not at all.
    fn write(&self) -> Result<Box<dyn WriteTx + '_>>;
    /// Problems found by cross-checking records against their indexes; empty when healthy.
    fn verify(&self) -> Result<Vec<String>>;
}

/// Reads, within one transaction.
pub trait ReadTx {
    fn org(&self, id: &str) -> Result<Option<Org>>;
    fn orgs(&self) -> Result<Vec<Org>>;
    fn mapping(&self, mapping_id: &str) -> Result<Option<Mapping>>;
    /// The org's mappings (of one integration, when given), active or not, oldest first.
    fn mappings_of_org(&self, org_id: &str, integration: Option<&str>) -> Result<Vec<Mapping>>;
    /// The mappings of one integration that point at one external organization.
    fn mappings_of_external(&self, integration: &str, external_org_id: &str) -> Result<Vec<Mapping>>;
    /// The mappings of one integration.
    fn mappings_of_integration(&self, integration: &str) -> Result<Vec<Mapping>>;
    /// Mappings whose ID starts with `prefix` (upper case), at most `limit`.
    fn mappings_with_id_prefix(&self, prefix: &str, limit: usize) -> Result<Vec<Mapping>>;
    /// Every mapping, in ID order, without holding them all in memory.
    fn for_each_mapping(&self, visit: &mut dyn FnMut(Mapping) -> Result<()>) -> Result<()>;
    /// How many mappings an integration has.
    fn count_mappings(&self, integration: &str) -> Result<u64>;
    fn access(&self, actor: &str) -> Result<Option<AccessGrant>>;
    fn access_list(&self) -> Result<Vec<AccessGrant>>;
    /// The audit log in `order`, until `visit` returns `false`.
    fn audit(&self, order: AuditOrder, visit: &mut dyn FnMut(AuditEvent) -> Result<bool>) -> Result<()>;
    /// The last list of an integration's external organizations.
    fn discovery(&self, integration: &str) -> Result<Option<DiscoveryCache>>;
    /// The last connection test of a mapping.
    fn test_result(&self, mapping_id: &str) -> Result<Option<TestResult>>;
    /// Every exclusion (an org without an account in an integration on purpose), by org and
    /// integration.
    fn exclusions(&self) -> Result<Vec<Exclusion>>;
}

/// Reads and writes, within one transaction.
pub trait WriteTx: ReadTx {
    fn put_org(&mut self, org: &Org) -> Result<()>;
    /// Stores `mapping` and keeps both indexes in step; `previous` is the version it replaces.
    fn put_mapping(&mut self, previous: Option<&Mapping>, mapping: &Mapping) -> Result<()>;
    fn delete_mapping(&mut self, mapping: &Mapping) -> Result<()>;
    fn put_access(&mut self, grant: &AccessGrant) -> Result<()>;
    fn delete_access(&mut self, actor: &str) -> Result<()>;
    fn put_exclusion(&mut self, exclusion: &Exclusion) -> Result<()>;
    /// Removes an exclusion; whether there was one.
    fn delete_exclusion(&mut self, org_id: &str, integration: &str) -> Result<bool>;
    fn append_audit(&mut self, event: &AuditEvent) -> Result<()>;
    /// Appends an event from another store as it was, keeping the database role it names.
    fn import_audit(&mut self, event: &AuditEvent) -> Result<()> {
        self.append_audit(event)
    }
    /// Replaces an integration's cached list (a cache, not a change: not audited).
    fn put_discovery(&mut self, cache: &DiscoveryCache) -> Result<()>;
    /// Keeps a mapping's last connection test (not a change: not audited, no new revision).
    fn put_test_result(&mut self, result: &TestResult) -> Result<()>;
    /// Removes the stored records that cannot be read (with their index entries), returning
    /// each with its stored text, for `doctor --repair` to audit.
    fn remove_unreadable(&mut self) -> Result<Vec<(Unreadable, String)>> {
        Ok(Vec::new())
    }
    /// Removes one mapping record that cannot be read, and the index entries naming it; returns
    /// its stored text, or `None` when no record has that key.
    fn remove_unreadable_mapping(&mut self, _mapping_id: &str) -> Result<Option<String>> {
        Ok(None)
    }
    /// Rebuilds both mapping indexes from the mapping records; returns how many were indexed.
    fn rebuild_indexes(&mut self) -> Result<u64>;
    /// Why the server would refuse this session's changes to orgs, mappings or access, where the
    /// backend has a server that decides; `None` when it would not refuse.
    fn server_refusal(&self) -> Result<Option<Refusal>> {
        Ok(None)
    }

    /// Makes every change durable; dropping the transaction instead discards them.
    fn commit(self: Box<Self>) -> Result<()>;
}
