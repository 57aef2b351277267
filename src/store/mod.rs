//! Where orgs, mappings, access grants and the audit log live.
//!
//! The [`Store`] trait hides the backend: redb (embedded, the default) now, a shared PostgreSQL
//! server later. Domain operations are written once against [`ReadTx`] and [`WriteTx`], so every
//! backend gets the same rules; a backend only has to make each write transaction atomic and
//! durable, and serialize writers.

mod lock;
pub mod redb;

use std::path::PathBuf;
use std::time::Duration;

use crate::domain::{AccessGrant, AuditEvent, DiscoveryCache, Mapping, Org, TestResult};
use crate::error::Result;

/// The version of the store layout this binary writes; a newer store is refused.
pub const SCHEMA_VERSION: u32 = 1;

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
}

impl Default for OpenOptions {
    fn default() -> Self {
        OpenOptions { lock_timeout: Duration::from_secs(10) }
    }
}

/// Where a store is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Location {
    /// A directory holding an embedded redb store.
    Redb(PathBuf),
}

impl std::fmt::Display for Location {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Location::Redb(dir) => write!(f, "{}", dir.display()),
        }
    }
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
    }
}

/// Creates a store; `actor` is granted `manage-config` and the creation is audited.
pub fn init(location: &Location, actor: &str, options: &OpenOptions) -> Result<InitOutcome> {
    match location {
        Location::Redb(dir) => redb::RedbStore::init(dir, actor, options),
    }
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
    /// The audit log, newest first, until `visit` returns `false`.
    fn audit_newest_first(&self, visit: &mut dyn FnMut(AuditEvent) -> Result<bool>) -> Result<()>;
    /// The last list of an integration's external organizations.
    fn discovery(&self, integration: &str) -> Result<Option<DiscoveryCache>>;
    /// The last connection test of a mapping.
    fn test_result(&self, mapping_id: &str) -> Result<Option<TestResult>>;
}

/// Reads and writes, within one transaction.
pub trait WriteTx: ReadTx {
    fn put_org(&mut self, org: &Org) -> Result<()>;
    /// Stores `mapping` and keeps both indexes in step; `previous` is the version it replaces.
    fn put_mapping(&mut self, previous: Option<&Mapping>, mapping: &Mapping) -> Result<()>;
    fn delete_mapping(&mut self, mapping: &Mapping) -> Result<()>;
    fn put_access(&mut self, grant: &AccessGrant) -> Result<()>;
    fn delete_access(&mut self, actor: &str) -> Result<()>;
    fn append_audit(&mut self, event: &AuditEvent) -> Result<()>;
    /// Replaces an integration's cached list (a cache, not a change: not audited).
    fn put_discovery(&mut self, cache: &DiscoveryCache) -> Result<()>;
    /// Keeps a mapping's last connection test (not a change: not audited, no new revision).
    fn put_test_result(&mut self, result: &TestResult) -> Result<()>;
    /// Rebuilds both mapping indexes from the mapping records; returns how many were indexed.
    fn rebuild_indexes(&mut self) -> Result<u64>;

    /// Makes every change durable; dropping the transaction instead discards them.
    fn commit(self: Box<Self>) -> Result<()>;
}
