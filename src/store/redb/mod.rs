//! The embedded store: one redb file in a directory created 0700, with a lock file beside it.
//!
//! Mappings and discovered lists are kept in a compact binary form (see `binary`), the other
//! records as JSON; the dual index (by org, by integration) is kept in separate tables whose keys
//! join their parts with NUL, which no validated ID contains, so that a prefix scan finds them.
//!
//! This module opens and creates the store; `read` and `write` implement the transactions.

mod binary;
mod maintain;
mod read;
mod write;

use std::cell::Cell;
use std::fs::DirBuilder;
use std::os::unix::fs::DirBuilderExt;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use redb::{
    Database, ReadOnlyDatabase, ReadTransaction, ReadableDatabase, ReadableTable, TableDefinition, WriteTransaction,
};
use serde::Serialize;

use super::lock::{self, LockError, StoreLock};
use super::{Access, InitOutcome, OpenOptions, ReadTx, SCHEMA_VERSION, Store, WriteTx};
use crate::domain::Mapping;
use crate::error::{Error, Result};

const DB_FILE: &str = "orgmap.redb";
const LOCK_FILE: &str = "orgmap.lock";

const META: TableDefinition<&str, &str> = TableDefinition::new("meta");
const ORGS: TableDefinition<&str, &[u8]> = TableDefinition::new("orgs");
const MAPPINGS: TableDefinition<&str, &[u8]> = TableDefinition::new("mappings");
const BY_ORG: TableDefinition<&str, ()> = TableDefinition::new("by_org");
const BY_INTEGRATION: TableDefinition<&str, ()> = TableDefinition::new("by_integration");
const DISCOVERY: TableDefinition<&str, &[u8]> = TableDefinition::new("discovery");
const TEST_RESULTS: TableDefinition<&str, &[u8]> = TableDefinition::new("test_results");
const AUDIT: TableDefinition<u64, &[u8]> = TableDefinition::new("audit");
const ACCESS: TableDefinition<&str, &[u8]> = TableDefinition::new("access");
/// Keyed by org ID and integration joined with NUL. Added after the first release: a store made
/// before it has no such table until the first exclusion is written.
const EXCLUSIONS: TableDefinition<&str, &[u8]> = TableDefinition::new("exclusions");

const SEP: char = '\0';

/// redb caches pages it has read, up to this much. A command touches few pages, except a full
/// `list`, which streams through them all: a small cache keeps its memory flat.
const CACHE_BYTES: usize = 16 * 1024 * 1024;

fn builder() -> redb::Builder {
    let mut builder = redb::Builder::new();
    builder.set_cache_size(CACHE_BYTES);
    builder
}

fn org_key(m: &Mapping) -> String {
    format!("{}{SEP}{}{SEP}{}", m.org_id, m.integration, m.mapping_id)
}

fn integration_key(m: &Mapping) -> String {
    format!("{}{SEP}{}{SEP}{}", m.integration, m.external_org_id, m.mapping_id)
}

/// The mapping ID at the end of an index key.
fn mapping_id_of(index_key: &str) -> &str {
    index_key.rsplit(SEP).next().unwrap_or_default()
}

enum Handle {
    ReadOnly(ReadOnlyDatabase),
    ReadWrite(Database),
}

/// A redb store, open for reading or for writing.
pub struct RedbStore {
    handle: Handle,
    db_path: PathBuf,
    compact_on_close: Cell<bool>,
    _lock: StoreLock,
}

/// A transaction that writes this many records leaves the file much larger than its contents
/// (1,000,000 mappings imported in one: 553 MB, 351 MB once compacted), so the store compacts
/// itself when it closes after one (2.6 s for that store, against 15 s for the import).
const COMPACT_AFTER_WRITES: usize = 10_000;

impl Drop for RedbStore {
    fn drop(&mut self) {
        if self.compact_on_close.get() {
            // Only space is at stake: a compaction that fails leaves the store as it was.
            let _ = self.compact();
        }
    }
}

fn classify(path: &Path, err: impl Into<redb::Error>) -> Error {
    match err.into() {
        // A file that is not a redb database reads as invalid or truncated data.
        redb::Error::Io(err)
            if matches!(err.kind(), std::io::ErrorKind::InvalidData | std::io::ErrorKind::UnexpectedEof) =>
        {
            Error::StoreDamaged { path: path.to_path_buf(), detail: err.to_string() }
        }
        redb::Error::Io(err) => Error::StoreAccess { path: path.to_path_buf(), detail: err.to_string() },
        redb::Error::UpgradeRequired(version) => {
            Error::StoreTooNew { path: path.to_path_buf(), found: u32::from(version), supported: SCHEMA_VERSION }
        }
        other => Error::StoreDamaged { path: path.to_path_buf(), detail: other.to_string() },
    }
}

fn encode(value: &impl Serialize) -> Result<Vec<u8>> {
    Ok(serde_json::to_vec(value)?)
}

impl RedbStore {
    /// Creates the store directory (0700), the database and its tables; `actor` holds
    /// `manage-config` first.
    pub fn init(dir: &Path, actor: &str, options: &OpenOptions) -> Result<InitOutcome> {
        let access_error =
            |err: std::io::Error| Error::StoreAccess { path: dir.to_path_buf(), detail: err.to_string() };
        if dir.exists() && !dir.is_dir() {
            return Err(Error::StoreAccess {
                path: dir.to_path_buf(),
                detail: "it is a file, not a store directory".into(),
            });
        }
        DirBuilder::new().recursive(true).mode(0o700).create(dir).map_err(access_error)?;
        restrict_to_owner(dir).map_err(|detail| Error::StoreAccess { path: dir.to_path_buf(), detail })?;
        let lock = take_lock(dir, Access::Write, options.lock_timeout)?;
        let db_path = dir.join(DB_FILE);
        let existed = db_path.exists();
        // Opens a store that exists, or starts one in an empty file: an init that was killed
        // before it committed leaves such a file, and running init again finishes the job.
        let db = builder().create(&db_path).map_err(|e| classify(&db_path, e))?;
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&db_path, std::fs::Permissions::from_mode(0o600)).map_err(access_error)?;
        }
        let store =
            RedbStore { handle: Handle::ReadWrite(db), db_path, compact_on_close: Cell::new(false), _lock: lock };
        if existed && store.is_initialized()? {
            return Ok(InitOutcome::AlreadyExists);
        }
        let mut tx = store.begin_write()?;
        {
            let w = &tx.txn;
            let p = &store.db_path;
            w.open_table(ORGS).map_err(|e| classify(p, e))?;
            w.open_table(MAPPINGS).map_err(|e| classify(p, e))?;
            w.open_table(BY_ORG).map_err(|e| classify(p, e))?;
            w.open_table(BY_INTEGRATION).map_err(|e| classify(p, e))?;
            w.open_table(DISCOVERY).map_err(|e| classify(p, e))?;
            w.open_table(TEST_RESULTS).map_err(|e| classify(p, e))?;
            w.open_table(AUDIT).map_err(|e| classify(p, e))?;
            w.open_table(ACCESS).map_err(|e| classify(p, e))?;
            w.open_table(EXCLUSIONS).map_err(|e| classify(p, e))?;
            let version = SCHEMA_VERSION.to_string();
            w.open_table(META)
                .and_then(|mut meta| meta.insert("schema_version", version.as_str()).map(|_| ()).map_err(Into::into))
                .map_err(|e| classify(p, e))?;
        }
        super::grant_first(&mut tx, actor)?;
        Box::new(tx).commit()?;
        Ok(InitOutcome::Created)
    }

    /// Opens an existing store, waiting for other processes as `options` allow.
    pub fn open(dir: &Path, access: Access, options: &OpenOptions) -> Result<RedbStore> {
        let db_path = dir.join(DB_FILE);
        if !db_path.exists() {
            return Err(Error::StoreMissing { path: dir.to_path_buf() });
        }
        let started = Instant::now();
        let lock = take_lock(dir, access, options.lock_timeout)?;
        let handle = match access {
            Access::Read => {
                match open_with_retry(&db_path, started, options.lock_timeout, |p| builder().open_read_only(p)) {
                    Ok(db) => Handle::ReadOnly(db),
                    // A store left by a killed writer needs a repair, which only a writer may do.
                    Err(redb::DatabaseError::RepairAborted) => {
                        drop(lock);
                        return RedbStore::open(dir, Access::Write, options);
                    }
                    Err(err) => return Err(open_error(&db_path, err, started)),
                }
            }
            Access::Write => {
                let db = open_with_retry(&db_path, started, options.lock_timeout, |p| builder().open(p))
                    .map_err(|err| open_error(&db_path, err, started))?;
                Handle::ReadWrite(db)
            }
        };
        let store = RedbStore { handle, db_path, compact_on_close: Cell::new(false), _lock: lock };
        let found = store.check_schema()?;
        if access == Access::Write && found < SCHEMA_VERSION {
            // This version writes mappings in a form earlier ones cannot read: from the first
            // write on, they refuse the store as too new instead of misreading it.
            store.set_schema_version(SCHEMA_VERSION)?;
        }
        Ok(store)
    }

    /// Whether `init` has committed its tables in this database.
    fn is_initialized(&self) -> Result<bool> {
        let tx = self.begin_read()?;
        match tx.txn.open_table(META) {
            Ok(meta) => Ok(meta.get("schema_version").map_err(|e| classify(&self.db_path, e))?.is_some()),
            Err(redb::TableError::TableDoesNotExist(_)) => Ok(false),
            Err(err) => Err(classify(&self.db_path, err)),
        }
    }

    /// The store's schema version, refused when newer than this binary's.
    fn check_schema(&self) -> Result<u32> {
        let tx = self.begin_read()?;
        let meta = tx.txn.open_table(META).map_err(|e| classify(&self.db_path, e))?;
        let version = meta.get("schema_version").map_err(|e| classify(&self.db_path, e))?;
        let found = version.as_ref().and_then(|v| v.value().parse::<u32>().ok()).ok_or_else(|| {
            Error::StoreDamaged { path: self.db_path.clone(), detail: "the schema version is missing".into() }
        })?;
        if found > SCHEMA_VERSION {
            return Err(Error::StoreTooNew { path: self.db_path.clone(), found, supported: SCHEMA_VERSION });
        }
        Ok(found)
    }

    fn begin_read(&self) -> Result<RedbRead<'_>> {
        let txn = match &self.handle {
            Handle::ReadOnly(db) => db.begin_read(),
            Handle::ReadWrite(db) => db.begin_read(),
        }
        .map_err(|e| classify(&self.db_path, e))?;
        Ok(RedbRead { txn, path: &self.db_path })
    }

    fn begin_write(&self) -> Result<RedbWrite<'_>> {
        let Handle::ReadWrite(db) = &self.handle else {
            return Err(Error::Internal("a write was attempted on a store opened for reading".into()));
        };
        let txn = db.begin_write().map_err(|e| classify(&self.db_path, e))?;
        Ok(RedbWrite { txn, path: &self.db_path, written: 0, compact_on_close: &self.compact_on_close })
    }
}

/// Makes an existing store directory private (0700), as a new one is: the store holds every
/// mapping and the lock file, and whoever can write the directory can change them.
fn restrict_to_owner(dir: &Path) -> std::result::Result<(), String> {
    use std::os::unix::fs::{MetadataExt, PermissionsExt};
    let meta = std::fs::metadata(dir).map_err(|err| err.to_string())?;
    if meta.mode() & 0o077 == 0 {
        return Ok(());
    }
    // SAFETY: geteuid has no preconditions and cannot fail.
    if meta.uid() != unsafe { libc::geteuid() } {
        return Err(format!(
            "the directory is owned by another user (uid {}) and others may use it; create the store in a directory of your own",
            meta.uid()
        ));
    }
    std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700)).map_err(|err| err.to_string())
}

/// Who besides the owner may use a store directory, in words; `None` when nobody may.
pub fn exposure(dir: &Path) -> Option<String> {
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(dir).ok()?.permissions().mode();
    (mode & 0o077 != 0).then(|| format!("the store directory is mode {:o}: others may read or change it", mode & 0o777))
}

fn take_lock(dir: &Path, access: Access, timeout: Duration) -> Result<StoreLock> {
    lock::acquire(&dir.join(LOCK_FILE), access, timeout).map_err(|err| match err {
        LockError::TimedOut(waited) => Error::StoreBusy { path: dir.to_path_buf(), waited_secs: waited.as_secs_f64() },
        LockError::Io(err) => {
            Error::StoreAccess { path: dir.to_path_buf(), detail: format!("cannot lock the store: {err}") }
        }
    })
}

/// Opens the database, retrying briefly while a process that does not take the lock file (an
/// older orgmap, a backup tool) holds it.
fn open_with_retry<T>(
    path: &Path,
    started: Instant,
    timeout: Duration,
    open: impl Fn(&Path) -> Result<T, redb::DatabaseError>,
) -> Result<T, redb::DatabaseError> {
    loop {
        match open(path) {
            Err(redb::DatabaseError::DatabaseAlreadyOpen) if started.elapsed() < timeout => {
                std::thread::sleep(Duration::from_millis(5));
            }
            other => return other,
        }
    }
}

fn open_error(path: &Path, err: redb::DatabaseError, started: Instant) -> Error {
    match err {
        redb::DatabaseError::DatabaseAlreadyOpen => Error::StoreBusy {
            path: path.parent().unwrap_or(path).to_path_buf(),
            waited_secs: started.elapsed().as_secs_f64(),
        },
        other => classify(path, other),
    }
}

impl Store for RedbStore {
    fn read(&self) -> Result<Box<dyn ReadTx + '_>> {
        Ok(Box::new(self.begin_read()?))
    }

    fn write(&self) -> Result<Box<dyn WriteTx + '_>> {
        Ok(Box::new(self.begin_write()?))
    }

    fn verify(&self) -> Result<Vec<String>> {
        let tx = self.begin_read()?;
        let p = self.db_path.as_path();
        let mut problems = Vec::new();
        let mappings = tx.txn.open_table(MAPPINGS).map_err(|e| classify(p, e))?;
        let by_org = tx.txn.open_table(BY_ORG).map_err(|e| classify(p, e))?;
        let by_integration = tx.txn.open_table(BY_INTEGRATION).map_err(|e| classify(p, e))?;
        for entry in mappings.iter().map_err(|e| classify(p, e))? {
            let (key, value) = entry.map_err(|e| classify(p, e))?;
            let mapping: Mapping = match read::read_keyed(key.value(), value.value()) {
                Ok(m) => m,
                Err(detail) => {
                    problems.push(format!("mapping {} cannot be read: {detail}", key.value()));
                    continue;
                }
            };
            if by_org.get(org_key(&mapping).as_str()).map_err(|e| classify(p, e))?.is_none() {
                problems.push(format!("mapping {} is missing from the by-org index", mapping.mapping_id));
            }
            if by_integration.get(integration_key(&mapping).as_str()).map_err(|e| classify(p, e))?.is_none() {
                problems.push(format!("mapping {} is missing from the by-integration index", mapping.mapping_id));
            }
        }
        for (name, index) in [("by-org", &by_org), ("by-integration", &by_integration)] {
            for entry in index.iter().map_err(|e| classify(p, e))? {
                let (key, _) = entry.map_err(|e| classify(p, e))?;
                let id = mapping_id_of(key.value());
                let expected = match mappings.get(id).map_err(|e| classify(p, e))? {
                    Some(value) => read::read_keyed::<Mapping>(id, value.value())
                        .ok()
                        .map(|m| if name == "by-org" { org_key(&m) } else { integration_key(&m) }),
                    None => None,
                };
                if expected.as_deref() != Some(key.value()) {
                    problems.push(format!("{name} index entry {:?} does not match a mapping", key.value()));
                }
            }
        }
        Ok(problems)
    }
}

struct RedbRead<'s> {
    txn: ReadTransaction,
    path: &'s Path,
}

struct RedbWrite<'s> {
    txn: WriteTransaction,
    path: &'s Path,
    /// Records written so far.
    written: usize,
    /// Set when a large transaction commits, for the store to compact when it closes.
    compact_on_close: &'s Cell<bool>,
}
